package vss

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/internal/testdata"
)

// declaredHRESULTs reads this package's source and returns every exported
// constant of type HRESULT with its value and the VSS name its comment
// starts with.
func declaredHRESULTs(t *testing.T) map[string]struct {
	value HRESULT
	name  string
} {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	out := map[string]struct {
		value HRESULT
		name  string
	}{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		require.NoError(t, err)
		for _, d := range file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "HRESULT" {
					continue
				}
				for i, n := range vs.Names {
					if !n.IsExported() {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					require.True(t, ok, "%s is not a literal", n.Name)
					v, err := strconv.ParseUint(lit.Value, 0, 32)
					require.NoError(t, err)
					name := ""
					if vs.Comment != nil {
						name = strings.FieldsFunc(vs.Comment.Text(), func(r rune) bool { return r == ':' || r == ' ' || r == '\n' })[0]
					}
					out[n.Name] = struct {
						value HRESULT
						name  string
					}{HRESULT(v), name}
				}
			}
		}
	}
	require.NotEmpty(t, out)
	return out
}

// Every HRESULT constant of the package has its row in the one table,
// under the name its declaration's comment gives, and the table has no
// other row.
func TestEveryHRESULTIsExplained(t *testing.T) {
	decl := declaredHRESULTs(t)
	assert.Len(t, HRESULTs(), len(decl), "the table has a row for each constant and no other")
	for goName, d := range decl {
		e, ok := Explain(d.value)
		if !assert.True(t, ok, "%s (0x%08X) has no row", goName, uint32(d.value)) {
			continue
		}
		assert.Equal(t, d.name, e.Name, "%s: the table's name is the declaration's", goName)
		assert.Equal(t, d.name, d.value.Name())
		assert.NotEmpty(t, e.Text, goName)
		assert.Contains(t, d.value.Error(), e.Text, "Error prints the table's text")
		assert.NotEmpty(t, e.Actions, "%s says what to do", goName)
		if d.value.Failed() {
			assert.NotEmpty(t, e.Causes, "%s says what causes it", goName)
		}
		for i, s := range e.Steps {
			assert.True(t, s >= 1 && s <= 11, "%s: step %d", goName, s)
			if i > 0 {
				assert.Greater(t, s, e.Steps[i-1], "%s: steps in order, once each", goName)
			}
		}
		for _, r := range append(append([]Reason(nil), e.Causes...), e.Actions...) {
			assert.NotEmpty(t, r.Text, goName)
			assert.True(t, strings.HasSuffix(r.Text, "."), "%s: %q is a sentence", goName, r.Text)
		}
		got, err := ParseHRESULT(e.Name)
		assert.NoError(t, err)
		assert.Equal(t, d.value, got)
	}
}

func TestExplainAnUnknownCode(t *testing.T) {
	e, ok := Explain(HRESULT(0x12345678))
	assert.False(t, ok)
	assert.Equal(t, "HRESULT(0x12345678)", e.Name)
	assert.Empty(t, e.Causes)
}

func TestExplainReturnsACopy(t *testing.T) {
	e, _ := Explain(ErrFlushWritesTimeout)
	e.Steps[0], e.Causes[0].Text = 99, "changed"
	again, _ := Explain(ErrFlushWritesTimeout)
	assert.Equal(t, []int{7, 8}, again.Steps)
	assert.NotEqual(t, "changed", again.Causes[0].Text)
}

// Every page a reason cites is a page of the local copy of Microsoft's
// documentation.
func TestReasonsCiteMicrosoftsPages(t *testing.T) {
	dir := testdata.ReferenceDir(t)
	pages := map[string]string{} // page title -> text
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(p, ".md") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		text := string(b)
		// Microsoft's conceptual pages carry a title in front matter; its
		// API pages start with a heading that names the method.
		for _, re := range []*regexp.Regexp{regexp.MustCompile(`(?m)^title: (.+)$`), regexp.MustCompile(`(?m)^# (.+)$`)} {
			if m := re.FindStringSubmatch(text); m != nil {
				pages[strings.Trim(strings.TrimSpace(m[1]), `'"`)] = text
			}
		}
		return nil
	})
	require.NoError(t, err)
	var all strings.Builder
	for _, text := range pages {
		all.WriteString(strings.ToLower(strings.ReplaceAll(text, "*", "")))
	}
	for h, i := range hresults {
		for _, r := range append(append([]Reason(nil), i.causes...), i.actions...) {
			switch {
			case r.Ours():
			case r.From == pageMethodTables:
				// The return values most methods share: quoted word for word.
				assert.True(t, strings.Contains(all.String(), strings.ToLower(r.Text)), "%s: %q is not in the methods' tables", h.Name(), r.Text)
			default:
				_, ok := pages[r.From]
				assert.True(t, ok, "%s cites %q, which is not a page of %s", h.Name(), r.From, dir)
			}
		}
	}
}
