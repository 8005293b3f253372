package explore

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// faultLine is a line of a fault plan as the docs show one.
var faultLine = regexp.MustCompile(`^(?:(?:writer|provider) "(?:[^"\\]|\\.)*"|requestor) [A-Z]\w* [a-z]`)

// replayCall is a Replay line as the docs show one.
var replayCall = regexp.MustCompile("Replay\\(t, [^,]+, (\\d+), (`[^`]*`|\"(?:[^\"\\\\]|\\\\.)*\")\\)")

// docPlan is a plan found in the docs, with where it was found.
type docPlan struct {
	where string
	seed  uint64
	plan  string
}

// plansInDocs finds every fault line and Replay call in README.md and in
// the doc comments of the module's Go files.
func plansInDocs(t *testing.T, root string) []docPlan {
	t.Helper()
	var out []docPlan
	// scan reads the code of a document: the lines inCode accepts.
	scan := func(where string, lines []string, inCode func(string) bool) {
		for i, l := range lines {
			if !inCode(l) {
				continue
			}
			l = strings.TrimSpace(l)
			at := where + ":" + strconv.Itoa(i+1)
			if faultLine.MatchString(l) {
				out = append(out, docPlan{where: at, seed: 1, plan: l})
			}
			for _, m := range replayCall.FindAllStringSubmatch(l, -1) {
				seed, err := strconv.ParseUint(m[1], 10, 64)
				require.NoError(t, err)
				plan := strings.Trim(m[2], "`")
				if strings.HasPrefix(m[2], `"`) {
					plan, err = strconv.Unquote(m[2])
					require.NoError(t, err)
				}
				out = append(out, docPlan{where: at, seed: seed, plan: plan})
			}
		}
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	fenced := false
	scan("README.md", strings.Split(string(readme), "\n"), func(l string) bool {
		if strings.HasPrefix(l, "```") {
			fenced = !fenced
			return false
		}
		return fenced
	})
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			if err == nil {
				err = filepath.SkipDir
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		for _, cg := range f.Comments {
			// A doc comment's code blocks are its indented lines.
			scan(rel, strings.Split(cg.Text(), "\n"), func(l string) bool { return strings.HasPrefix(l, "\t") })
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// Every fault plan the README and the package docs show is a plan that
// parses, names participants of the reference scenario, and fires: a user
// who pastes one into a test tests something.
func TestEveryPlanInTheDocsFires(t *testing.T) {
	plans := plansInDocs(t, filepath.Join("..", ".."))
	require.GreaterOrEqual(t, len(plans), 6, "the docs show plans: README and package simulate at least")
	for _, p := range plans {
		t.Run(p.where, func(t *testing.T) {
			t.Logf("%s: seed %d plan %q", p.where, p.seed, p.plan)
			run := Replay(t, ThreeWriterScenario(), p.seed, p.plan)
			if run != nil {
				require.NotEmpty(t, run.Fired, "the plan fired nothing")
			}
		})
	}
}
