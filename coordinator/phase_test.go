package coordinator_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/vsskit/vss/coordinator"
)

// TestPhaseDocumentsItsLegalCalls checks that the table in Phase's
// documentation says what Phase.Legal does, for every phase and call.
func TestPhaseDocumentsItsLegalCalls(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "phase.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var doc string
	ast.Inspect(f, func(n ast.Node) bool {
		if d, ok := n.(*ast.GenDecl); ok && d.Tok == token.TYPE && d.Doc != nil {
			if ts := d.Specs[0].(*ast.TypeSpec); ts.Name.Name == "Phase" {
				doc = d.Doc.Text()
			}
		}
		return doc == ""
	})
	if doc == "" {
		t.Fatal("Phase has no documentation")
	}

	documented := map[string][]string{} // phase -> calls
	var row string
	for _, line := range strings.Split(doc, "\n") {
		rest, ok := strings.CutPrefix(line, "\t")
		if !ok {
			continue
		}
		fields := strings.Fields(strings.ReplaceAll(rest, ",", " "))
		if len(fields) == 0 {
			continue
		}
		if !strings.HasPrefix(rest, " ") {
			row, fields = fields[0], fields[1:]
			documented[row] = []string{}
		}
		if len(fields) > 0 && strings.HasPrefix(fields[0], "(") {
			continue // a remark, not calls
		}
		documented[row] = append(documented[row], fields...)
	}

	for p := coordinator.PhaseNew; p <= coordinator.PhaseClosed; p++ {
		names, ok := documented[p.String()]
		if !ok {
			t.Errorf("Phase's documentation has no row for %v", p)
			continue
		}
		legal := map[coordinator.CallKind]bool{coordinator.CallClose: true}
		for _, name := range names {
			k, err := coordinator.ParseCallKind(name)
			if err != nil {
				t.Errorf("%v: %v", p, err)
				continue
			}
			legal[k] = true
		}
		for _, k := range coordinator.Calls() {
			if p.Legal(k) != legal[k] {
				t.Errorf("%v: %v is documented legal=%t, Phase.Legal says %t", p, k, legal[k], p.Legal(k))
			}
		}
		delete(documented, p.String())
	}
	for row := range documented {
		t.Errorf("Phase's documentation has a row %q that is no phase", row)
	}
}
