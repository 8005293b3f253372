package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/coordinator/diagram"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// The render test draws the diagrams the way people see them: the Mermaid
// text with the mermaid package from the npm registry in headless
// Chromium, and the SVG timeline in Chromium itself. CI installs both and
// sets VSS_RENDER=1 (.ci/run); elsewhere the test runs when it finds them
// and skips, saying what is missing, when it does not.
//
//	VSS_CHROMIUM    the browser (default: chromium, chromium-browser or
//	                google-chrome on PATH)
//	VSS_MERMAID_JS  mermaid.min.js (default: .ci/node_modules/mermaid/dist/
//	                mermaid.min.js, where .ci/run installs it)
//
// With -docs it also writes the screenshots README.md shows into docs/.

var docs = flag.Bool("docs", false, "with the render test: write the README's screenshots into ../../docs")

// renderTools finds Chromium and mermaid, or skips the test (fails it when
// VSS_RENDER=1 asks for the render).
func renderTools(t *testing.T) (chromium, mermaidJS string) {
	t.Helper()
	required := os.Getenv("VSS_RENDER") == "1"
	var missing []string
	chromium = os.Getenv("VSS_CHROMIUM")
	if chromium == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				chromium = p
				break
			}
		}
	}
	if chromium == "" {
		missing = append(missing, "Chromium (apt-get install chromium, or set VSS_CHROMIUM)")
	}
	mermaidJS = os.Getenv("VSS_MERMAID_JS")
	if mermaidJS == "" {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		require.NoError(t, err)
		mermaidJS = filepath.Join(root, ".ci", "node_modules", "mermaid", "dist", "mermaid.min.js")
	}
	if _, err := os.Stat(mermaidJS); err != nil {
		missing = append(missing, fmt.Sprintf("mermaid at %s (npm install --no-save --prefix .ci mermaid@%s, or set VSS_MERMAID_JS)", mermaidJS, mermaidVersion))
	}
	if len(missing) > 0 {
		if required {
			t.Fatalf("VSS_RENDER=1 but missing: %s", strings.Join(missing, "; "))
		}
		t.Skipf("diagrams not rendered: missing %s; .ci/run installs both and sets VSS_RENDER=1", strings.Join(missing, "; "))
	}
	return chromium, mermaidJS
}

// mermaidVersion is the mermaid release .ci/run installs.
const mermaidVersion = "11.17.2"

// chromiumRun runs headless Chromium with the flags that work without a
// display or network, in a fresh profile, and returns its output.
func chromiumRun(t *testing.T, chromium string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(t, cmd.Run(), "chromium: %s", errOut.String())
	return out.Bytes()
}

// mermaidPage is a page that renders each diagram with mermaid, writing
// each outcome into <pre id="rN"> and each drawing into <div id="svgN">.
const mermaidPage = `<!doctype html>
<html><head><meta charset="utf-8"><script src="%s"></script></head>
<body><div id="out"></div>
<script>
(async () => {
  const sources = %s;
  const out = document.getElementById('out');
  mermaid.initialize({startOnLoad: false, securityLevel: 'strict', sequence: %s});
  for (let i = 0; i < sources.length; i++) {
    const result = document.createElement('pre');
    result.id = 'r' + i;
    const drawing = document.createElement('div');
    drawing.id = 'svg' + i;
    try {
      await mermaid.parse(sources[i]);
      const {svg} = await mermaid.render('d' + i, sources[i]);
      drawing.innerHTML = svg;
      result.textContent = 'rendered ' + svg.length;
    } catch (e) {
      result.textContent = 'failed: ' + (e && e.message ? e.message : String(e));
    }
    out.appendChild(result);
    out.appendChild(drawing);
  }
  const done = document.createElement('pre');
  done.id = 'finished';
  out.appendChild(done);
})();
</script></body></html>
`

// docsSequence lays the screenshots' diagrams out compactly: long
// messages wrap, actors are not repeated at the bottom.
const docsSequence = `{"mirrorActors": false, "wrap": true, "width": 130, "actorMargin": 30, "messageMargin": 28, "boxMargin": 6, "noteMargin": 6}`

// renderMermaid renders the diagrams in Chromium and returns, for each,
// Mermaid's outcome and the SVG it drew.
func renderMermaid(t *testing.T, chromium, mermaidJS string, sources []string, sequence string) (outcomes, svgs []string) {
	t.Helper()
	src, err := json.Marshal(sources) // escapes <, > and &: safe inside <script>
	require.NoError(t, err)
	page := filepath.Join(t.TempDir(), "render.html")
	js := "file://" + filepath.ToSlash(mermaidJS)
	require.NoError(t, os.WriteFile(page, []byte(fmt.Sprintf(mermaidPage, html.EscapeString(js), src, sequence)), 0o644))
	dom := string(chromiumRun(t, chromium, "--virtual-time-budget=60000", "--dump-dom", "file://"+filepath.ToSlash(page)))
	require.Contains(t, dom, `<pre id="finished">`, "the page did not finish rendering")
	for i := range sources {
		m := regexp.MustCompile(`<pre id="r` + strconv.Itoa(i) + `">([^<]*)</pre>`).FindStringSubmatch(dom)
		require.NotNil(t, m, "no outcome for diagram %d", i)
		outcomes = append(outcomes, html.UnescapeString(m[1]))
		d := regexp.MustCompile(`(?s)<div id="svg` + strconv.Itoa(i) + `">(.*?)</div><pre id="`).FindStringSubmatch(dom)
		if d != nil {
			svgs = append(svgs, d[1])
		} else {
			svgs = append(svgs, "")
		}
	}
	return outcomes, svgs
}

// nastyTrace is a backup by a writer whose name holds every character
// Mermaid's grammar or XML gives a meaning to.
func nastyTrace(t *testing.T) string {
	t.Helper()
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	name := "Say \"hi\"; #1: <b>&amp; 100% {x} `y` a\\b --> end"
	s, _, err := simulate.NewSession(simulate.Config{Seed: 1, Volumes: vols,
		Writers:   []writer.Writer{simulate.NewScriptedWriter(name), simulate.NewScriptedWriter("end")},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}})
	require.NoError(t, err)
	_, err = requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	return diagram.Mermaid(s.Trace(), diagram.Title(name))
}

// The Mermaid diagram of every scenario, and of a writer with a hostile
// name, renders without error; Chromium draws each SVG timeline.
func TestRenderDiagramsInChromium(t *testing.T) {
	chromium, mermaidJS := renderTools(t)
	var sources []string
	var svgs []string
	var names []string
	for _, sc := range scenarios {
		_, res := runScenario(t, sc.name)
		title := "teach -scenario " + sc.name + " -seed " + strconv.FormatUint(sc.seed, 10)
		sources = append(sources, diagram.Mermaid(res.trace, diagram.Title(title)))
		svgs = append(svgs, diagram.SVG(res.trace, diagram.Title(title)))
		names = append(names, sc.name)
	}
	sources = append(sources, nastyTrace(t))
	names = append(names, "hostile writer name")
	outcomes, drawn := renderMermaid(t, chromium, mermaidJS, sources, "{}")
	for i, o := range outcomes {
		assert.True(t, strings.HasPrefix(o, "rendered "), "%s: mermaid: %s", names[i], o)
		assert.Contains(t, drawn[i], "<svg", names[i])
	}
	// The hostile name is drawn as it is spelt (as XML text in the SVG).
	assert.Contains(t, drawn[len(drawn)-1], `Say "hi"; #1: &lt;b&gt;&amp;amp; 100% {x} `+"`y`"+` a\b --&gt; end`)

	for i, svg := range svgs[:3] {
		img := screenshot(t, chromium, svg, 1200, svgHeight(t, svg))
		assert.Greater(t, inked(img), 0.02, "%s: Chromium drew the timeline", names[i])
	}
}

// TestDocsScreenshots writes the README's screenshots (go test
// ./examples/teach -run DocsScreenshots -docs): the sequence diagram and
// the timeline of normal and freeze-timeout, each PNG under 300 KB.
func TestDocsScreenshots(t *testing.T) {
	if !*docs {
		t.Skip("writes docs/ only with -docs")
	}
	chromium, mermaidJS := renderTools(t)
	for _, name := range []string{"normal", "freeze-timeout"} {
		sc, _ := scenarioNamed(name)
		_, res := runScenario(t, name)
		title := "teach -scenario " + sc.name + " -seed " + strconv.FormatUint(sc.seed, 10)
		outcomes, drawn := renderMermaid(t, chromium, mermaidJS, []string{diagram.Mermaid(res.trace, diagram.Title(title))}, docsSequence)
		require.True(t, strings.HasPrefix(outcomes[0], "rendered "), outcomes[0])
		w, h := viewBox(t, drawn[0])
		const width = 1300
		seq := screenshot(t, chromium, drawn[0], width, int(float64(width)*h/w)+8)
		writePNG(t, filepath.Join("..", "..", "docs", "teach-"+name+"-sequence.png"), seq)
		svg := diagram.SVG(res.trace, diagram.Title(title))
		writePNG(t, filepath.Join("..", "..", "docs", "teach-"+name+"-timeline.png"), screenshot(t, chromium, svg, 1200, svgHeight(t, svg)))
	}
}

var viewBoxRE = regexp.MustCompile(`viewBox="([-0-9.]+) ([-0-9.]+) ([0-9.]+) ([0-9.]+)"`)

func viewBox(t *testing.T, svg string) (w, h float64) {
	t.Helper()
	m := viewBoxRE.FindStringSubmatch(svg)
	require.NotNil(t, m, "no viewBox")
	w, _ = strconv.ParseFloat(m[3], 64)
	h, _ = strconv.ParseFloat(m[4], 64)
	return w, h
}

func svgHeight(t *testing.T, svg string) int {
	_, h := viewBox(t, svg)
	return int(h)
}

// screenshot has Chromium draw an SVG document on a white page of the
// given size and returns the picture.
func screenshot(t *testing.T, chromium, svg string, width, height int) image.Image {
	t.Helper()
	dir := t.TempDir()
	page := filepath.Join(dir, "page.html")
	// The drawing fills the page's width, keeping its proportions.
	svg = regexp.MustCompile(`^<svg[^>]*?`).ReplaceAllStringFunc(svg, func(s string) string {
		return s + ` style="display:block;width:100%;height:auto;max-width:none"`
	})
	doc := `<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0;background:#fff}</style></head><body>` + svg + `</body></html>`
	require.NoError(t, os.WriteFile(page, []byte(doc), 0o644))
	shot := filepath.Join(dir, "shot.png")
	chromiumRun(t, chromium, fmt.Sprintf("--window-size=%d,%d", width, height), "--screenshot="+shot, "file://"+filepath.ToSlash(page))
	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return img
}

// inked is the share of the picture's pixels that are not white.
func inked(img image.Image) float64 {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

// writePNG writes img with a palette of at most 96 colours, which keeps
// a screenshot of text and flat shapes small: the most frequent colours,
// each far enough from those already chosen, so that a rare colour of its
// own (a red cross) is kept while the shades of anti-aliased text are not.
func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	b := img.Bounds()
	counts := map[color.RGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colors := make([]color.RGBA, 0, len(counts))
	for c := range counts {
		colors = append(colors, c)
	}
	sort.Slice(colors, func(i, j int) bool {
		if counts[colors[i]] != counts[colors[j]] {
			return counts[colors[i]] > counts[colors[j]]
		}
		a, c := colors[i], colors[j]
		return uint32(a.R)<<16|uint32(a.G)<<8|uint32(a.B) < uint32(c.R)<<16|uint32(c.G)<<8|uint32(c.B)
	})
	far := func(a, c color.RGBA) bool {
		dr, dg, db := int(a.R)-int(c.R), int(a.G)-int(c.G), int(a.B)-int(c.B)
		return dr*dr+dg*dg+db*db > 20*20
	}
	pal := color.Palette{}
	for _, c := range colors {
		if len(pal) == 96 {
			break
		}
		keep := true
		for _, p := range pal {
			if !far(c, p.(color.RGBA)) {
				keep = false
				break
			}
		}
		if keep {
			pal = append(pal, c)
		}
	}
	out := image.NewPaletted(b, pal)
	index := map[color.RGBA]uint8{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			i, ok := index[c]
			if !ok {
				i = uint8(pal.Index(c))
				index[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	var buf bytes.Buffer
	require.NoError(t, (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, out))
	require.Less(t, buf.Len(), 300<<10, "%s: keep the README's pictures small", path)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	t.Logf("wrote %s (%d×%d, %d KB)", path, b.Dx(), b.Dy(), buf.Len()>>10)
}
