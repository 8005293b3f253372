package diagram_test

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/coordinator/diagram"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// nasty is a writer name with every character that means something to
// Mermaid or to XML.
const nasty = "Say \"hi\"; #1: <b>&amp; 100% {x} `y` a\\b\nnext"

// backup runs a simulated backup of C:\ and D:\ with the writers and
// returns its trace, Close included.
func backup(t *testing.T, commitCost time.Duration, ws ...writer.Writer) []coordinator.Record {
	t.Helper()
	c, d := simulate.NewVolume(`C:\`), simulate.NewVolume(`D:\`)
	vols := simulate.NewVolumeSet(c, d)
	var popts []simulate.ProviderOption
	if commitCost > 0 {
		popts = append(popts, simulate.WithCommitCost(commitCost))
	}
	s, _, err := simulate.NewSession(simulate.Config{Seed: 1, Writers: ws, Volumes: vols,
		Providers: []provider.Provider{simulate.NewSystemProvider(vols, popts...)}})
	require.NoError(t, err)
	var required []vss.ID // a writer's failure fails the backup
	for _, w := range ws {
		required = append(required, w.Info().ClassID)
	}
	_, _ = requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`, `D:\`}, RequireWriters: required})
	require.NoError(t, s.Close())
	return s.Trace()
}

func normal(t *testing.T) []coordinator.Record {
	return backup(t, 0,
		simulate.NewScriptedWriter(nasty, simulate.On(writer.EventFreeze, simulate.Behavior{Cost: 200 * time.Millisecond})),
		simulate.NewScriptedWriter("Back", simulate.WithLevel(vss.AppBackEnd)))
}

// freezeTimeout: Back takes 3 s to freeze with a 2 s window, so it is
// failed and aborted while Front stays frozen, and the set is created.
func freezeTimeout(t *testing.T) []coordinator.Record {
	return backup(t, 0,
		simulate.NewScriptedWriter("Front"),
		simulate.NewScriptedWriter("Back", simulate.WithLevel(vss.AppBackEnd), simulate.WithFreezeTimeout(2*time.Second),
			simulate.On(writer.EventFreeze, simulate.Behavior{Cost: 3 * time.Second})))
}

// holdAbort: the commit outlasts the hold window, and Front's freeze
// window ends inside the hold: the two windows overlap without nesting.
func holdAbort(t *testing.T) []coordinator.Record {
	return backup(t, 12*time.Second,
		simulate.NewScriptedWriter("Front", simulate.WithFreezeTimeout(5*time.Second)))
}

// checkNesting checks that every rect and box of a Mermaid text is closed,
// in order.
func checkNesting(t *testing.T, text string) {
	t.Helper()
	depth := 0
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "rect ") || strings.HasPrefix(l, "box "):
			depth++
		case l == "end":
			depth--
			require.GreaterOrEqual(t, depth, 0, "line %d closes nothing", i+1)
		}
	}
	assert.Zero(t, depth, "every rect and box is closed")
}

var entity = regexp.MustCompile(`#\d+;`)

// lineSyntax is what every line of a diagram must look like: a
// participant, an arrow, a note, or a block keyword.
var lineSyntax = regexp.MustCompile(`^(sequenceDiagram|title [^;#\n]+|participant \w+ as [^;#\n]+|box rgba\([0-9., ]+\) \w+|rect rgba\([0-9., ]+\)|end|\w+(->>|-->>|-x|--x)\w+: [^;\n]+|Note over \w+(,\w+)?: [^;\n]+)$`)

func TestMermaidDrawsEveryParticipantAndEscapesNames(t *testing.T) {
	trace := normal(t)
	text := diagram.Mermaid(trace, diagram.Title(`a "title"; #2`))
	require.True(t, strings.HasPrefix(text, "sequenceDiagram\n"))
	checkNesting(t, text)
	for i, l := range strings.Split(strings.TrimSpace(text), "\n") {
		l = strings.TrimSpace(l)
		assert.Regexp(t, lineSyntax, entity.ReplaceAllString(l, "_"), "line %d", i+1)
		// Entity codes are the only # and ; left.
		assert.Regexp(t, regexp.MustCompile(`^([^#;]|#\d+;)*$`), l, "line %d", i+1)
	}
	assert.Contains(t, text, "participant R as Requestor")
	assert.Contains(t, text, "participant VSS as VSS")
	assert.Contains(t, text, "as Say #34;hi#34;#59; #35;1#58; #60;b#62;#38;amp#59; 100#37; #123;x#125; #96;y#96; a\\b next\n")
	assert.Contains(t, text, "as Back\n")
	assert.Contains(t, text, "as vss simulated system provider\n")
	assert.Contains(t, text, "as volume C#58;\\\n")
	assert.Contains(t, text, "as volume D#58;\\\n")
	assert.Contains(t, text, "title a #34;title#34;#59; #35;2\n")
	assert.NotContains(t, text, "hi\"")
	for _, s := range coordinator.Steps() {
		assert.Contains(t, text, fmt.Sprintf("Step %d · %s (+", s.Number, s.Title), "step %d has its note", s.Number)
	}
	assert.NotContains(t, text, "failed", "a backup that worked shows no failure")
}

func TestMermaidShowsFreezeAndHoldWindows(t *testing.T) {
	text := diagram.Mermaid(normal(t))
	lines := strings.Split(text, "\n")
	index := func(sub string) int {
		for i, l := range lines {
			if strings.Contains(l, sub) {
				return i
			}
		}
		t.Fatalf("no line with %q", sub)
		return -1
	}
	frozenOpen := index("rect rgba(66, 133, 244")
	firstFreeze := index(": Freeze (window 60s)")
	holdOpen := index("rect rgba(255, 152, 0")
	hold := index("flush and hold writes (window 10s)")
	commit := index(": CommitSnapshots → ok")
	shadow := index("shadow copy of C#58;\\ at +")
	release := index("release writes")
	lastThaw := strings.LastIndex(text, ": Thaw\n")
	noneFrozen := index("no writer frozen any more")
	assert.Less(t, frozenOpen, firstFreeze, "the frozen rectangle opens before the first Freeze")
	assert.Less(t, firstFreeze, holdOpen)
	assert.Less(t, holdOpen, hold)
	assert.Less(t, hold, commit)
	assert.Less(t, commit, shadow)
	assert.Less(t, shadow, release)
	assert.Less(t, lastThaw, strings.Index(text, "no writer frozen any more"))
	assert.Less(t, release, noneFrozen)
}

func TestMermaidHighlightsFailures(t *testing.T) {
	text := diagram.Mermaid(freezeTimeout(t))
	checkNesting(t, text)
	assert.Contains(t, text, "rect rgba(229, 57, 53")
	assert.Contains(t, text, "failed#58; frozen longer than 2s")
	assert.Contains(t, text, "failed#58; FAILED_AT_FREEZE (VSS_E_WRITERERROR_TIMEOUT)")
	assert.Contains(t, text, "AbortBackup")
}

// A writer's freeze window that ends while writes are held: the frozen
// rectangle closes inside the hold, and the text still nests.
func TestMermaidNestsWindowsThatOverlap(t *testing.T) {
	trace := holdAbort(t)
	text := diagram.Mermaid(trace)
	checkNesting(t, text)
	assert.Contains(t, text, "failed#58; VSS_E_FLUSH_WRITES_TIMEOUT")
	assert.Contains(t, text, "--x")
	assert.NotContains(t, text, "shadow copy of", "no shadow copy of a failed set")
	// The hold rectangle is reopened after the frozen one closes inside it.
	assert.Regexp(t, `(?s)rect rgba\(255, 152, 0, 0.22\).*no writer frozen any more.*end\s+end\s+rect rgba\(255, 152, 0, 0.22\)`, text)
}

func TestMermaidOfAnEmptyTrace(t *testing.T) {
	text := diagram.Mermaid(nil)
	assert.Equal(t, "sequenceDiagram\n    participant R as Requestor\n    participant VSS as VSS\n", text)
}

// decode checks that an SVG document is well-formed XML and returns its
// text.
func decode(t *testing.T, svg string) string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	var text strings.Builder
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
				assert.Equal(t, "http://www.w3.org/2000/svg", tok.Name.Space)
			}
		case xml.CharData:
			text.Write(tok)
			text.WriteByte('\n')
		}
	}
	assert.Equal(t, "svg", root)
	return text.String()
}

func TestSVGIsWellFormedAndEscapesNames(t *testing.T) {
	for name, trace := range map[string][]coordinator.Record{"normal": normal(t), "freeze timeout": freezeTimeout(t), "hold": holdAbort(t), "empty": nil} {
		t.Run(name, func(t *testing.T) {
			svg := diagram.SVG(trace, diagram.Title(nasty), diagram.Width(900))
			require.True(t, strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg" width="900" `))
			text := decode(t, svg)
			assert.Contains(t, text, nasty, "the title reads back as it is spelt")
			assert.Contains(t, text, "Requestor")
			assert.Contains(t, text, "VSS")
		})
	}
}

func TestSVGShowsFrozenAndHeldAgainstTheirWindows(t *testing.T) {
	text := decode(t, diagram.SVG(normal(t)))
	assert.Contains(t, text, nasty, "the writer's lane is named as it is spelt")
	assert.Contains(t, text, "volume C:\\")
	assert.Regexp(t, `frozen 0\.\d{3}s of 60s`, text)
	assert.Regexp(t, `held 0\.\d{3}s of 10s`, text)
	assert.Contains(t, text, "freeze window of 60s from +")
	assert.Contains(t, text, "hold window of 10s from +")
	assert.NotContains(t, text, "VSS_E_", "no failure")

	text = decode(t, diagram.SVG(freezeTimeout(t)))
	assert.Contains(t, text, "frozen longer than 2s")
	assert.Contains(t, text, "FAILED_AT_FREEZE (VSS_E_WRITERERROR_TIMEOUT)")
	assert.Regexp(t, `frozen 2\.000s of 2s`, text, "frozen exactly as long as its window")

	text = decode(t, diagram.SVG(holdAbort(t)))
	assert.Contains(t, text, "VSS_E_FLUSH_WRITES_TIMEOUT")
	assert.Regexp(t, `held 10\.000s of 10s`, text)
}

// The diagrams of a trace are the same every time: they can be kept as
// golden files.
func TestDiagramsAreDeterministic(t *testing.T) {
	a, b := normal(t), normal(t)
	assert.Equal(t, diagram.Mermaid(a), diagram.Mermaid(b))
	assert.Equal(t, diagram.SVG(a), diagram.SVG(b))
}

// A trace cut while writers are frozen and writes held (a session still
// running, or a test that stopped early) draws its windows to the end.
func TestDiagramsOfATraceCutShort(t *testing.T) {
	trace := normal(t)
	cut := 0
	for i, r := range trace {
		if r.Kind == coordinator.RecProviderCall && r.Method == provider.MethodCommitSnapshots {
			cut = i + 1
		}
	}
	require.NotZero(t, cut)
	text := diagram.Mermaid(trace[:cut])
	checkNesting(t, text)
	assert.Contains(t, text, "the trace ends with writes still held")
	assert.Contains(t, text, "the trace ends with writers still frozen")
	svg := decode(t, diagram.SVG(trace[:cut]))
	assert.Contains(t, svg, "still when the trace ends")
}
