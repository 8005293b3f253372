package vsscom

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vsskit/vss"
)

// includeDir finds the mingw-w64 headers: $VSS_MINGW_INCLUDE, the
// directory 'dpkg -L mingw-w64-common' lists vss.h in, or Debian's usual
// path. It skips the test, saying why, when none has them.
func includeDir(t *testing.T) string {
	t.Helper()
	var tried []string
	if d := os.Getenv("VSS_MINGW_INCLUDE"); d != "" {
		tried = append(tried, d)
	}
	if out, err := exec.Command("dpkg", "-L", "mingw-w64-common").Output(); err == nil {
		for _, l := range strings.Split(string(out), "\n") {
			if strings.HasSuffix(l, "/include/vss.h") {
				tried = append(tried, filepath.Dir(l))
			}
		}
	}
	tried = append(tried, "/usr/share/mingw-w64/include")
	for _, d := range tried {
		if _, err := os.Stat(filepath.Join(d, "vsbackup.h")); err == nil {
			return d
		}
	}
	t.Skipf("the Windows SDK headers are not installed (apt-get install mingw-w64-common); looked in %v", tried)
	return ""
}

func readHeader(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(includeDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var methodRE = regexp.MustCompile(`\(STDMETHODCALLTYPE \*(\w+)\)\(`)

// vtbl returns the methods of the C vtable struct of iface in declaration
// order, which is their slot order.
func vtbl(t *testing.T, header, iface string) []string {
	t.Helper()
	src := readHeader(t, header)
	start := strings.Index(src, "typedef struct "+iface+"Vtbl {")
	if start < 0 {
		t.Fatalf("%s: no %sVtbl", header, iface)
	}
	end := strings.Index(src[start:], "} "+iface+"Vtbl;")
	if end < 0 {
		t.Fatalf("%s: %sVtbl does not end", header, iface)
	}
	var names []string
	for _, m := range methodRE.FindAllStringSubmatch(src[start:start+end], -1) {
		names = append(names, m[1])
	}
	return names
}

func TestVtableIndicesMatchHeaders(t *testing.T) {
	slots := map[string]int{
		"IVssBackupComponents": BCSlots, "IVssAsync": AsyncSlots,
		"IVssExamineWriterMetadata": WMSlots, "IVssEnumObject": EnumSlots,
	}
	seen := map[string][]string{}
	for _, m := range Methods {
		names, ok := seen[m.Interface]
		if !ok {
			names = vtbl(t, m.Header, m.Interface)
			seen[m.Interface] = names
		}
		if m.Index >= len(names) || names[m.Index] != m.Name {
			got := "nothing"
			if m.Index < len(names) {
				got = names[m.Index]
			}
			t.Errorf("%s::%s: index %d, but %s declares %s there", m.Interface, m.Name, m.Index, m.Header, got)
		}
	}
	for iface, n := range slots {
		if got := len(seen[iface]); got != n {
			t.Errorf("%s: %d slots here, %d in the header", iface, n, got)
		}
	}
	t.Logf("checked %d methods of %d interfaces", len(Methods), len(seen))
}

var fieldRE = regexp.MustCompile(`(\w+)\s*;`)

func TestStructFieldOrderMatchesHeaders(t *testing.T) {
	for _, s := range Structs {
		src := readHeader(t, s.Header)
		start := strings.Index(src, "typedef struct _"+s.Name+" {")
		if start < 0 {
			t.Fatalf("%s: no struct %s", s.Header, s.Name)
		}
		end := strings.Index(src[start:], "} "+s.Name+";")
		body := src[start+len("typedef struct _"+s.Name+" {") : start+end]
		var fields []string
		for _, m := range fieldRE.FindAllStringSubmatch(body, -1) {
			fields = append(fields, m[1])
		}
		if strings.Join(fields, ",") != strings.Join(s.Fields, ",") {
			t.Errorf("%s: fields %v here, %v in %s", s.Name, s.Fields, fields, s.Header)
		}
	}
}

// rootHRESULTs reads every HRESULT constant the root package declares,
// from its source.
func rootHRESULTs(t *testing.T) map[string]vss.HRESULT {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("../../*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("root package sources not found: %v", err)
	}
	out := map[string]vss.HRESULT{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "HRESULT" || len(vs.Values) != 1 {
					continue
				}
				lit, ok := vs.Values[0].(*ast.BasicLit)
				if !ok {
					t.Errorf("%s: %s is not a literal", f, vs.Names[0].Name)
					continue
				}
				v, err := strconv.ParseUint(lit.Value, 0, 32)
				if err != nil {
					t.Fatal(err)
				}
				out[vs.Names[0].Name] = vss.HRESULT(v)
			}
		}
	}
	return out
}

var defineRE = regexp.MustCompile(`(?m)^#define\s+(\w+)\s+(?:_HRESULT_TYPEDEF_\(|\(\(HRESULT\))(0x[0-9A-Fa-f]+)L?\)`)

func TestHRESULTValuesMatchHeaders(t *testing.T) {
	defs := map[string]uint64{}
	for _, h := range []string{"winerror.h", "vsserror.h"} {
		for _, m := range defineRE.FindAllStringSubmatch(readHeader(t, h), -1) {
			v, _ := strconv.ParseUint(m[2], 0, 32)
			if _, dup := defs[m[1]]; !dup {
				defs[m[1]] = v
			}
		}
	}
	consts := rootHRESULTs(t)
	if len(consts) < 30 {
		t.Fatalf("found only %d HRESULT constants in the root package", len(consts))
	}
	for goName, h := range consts {
		name := h.Name()
		v, ok := defs[name]
		switch {
		case !ok:
			t.Errorf("vss.%s: %s is not defined in winerror.h or vsserror.h", goName, name)
		case v != uint64(h):
			t.Errorf("vss.%s: %s is 0x%08X here, 0x%08X in the headers", goName, name, uint32(h), v)
		}
	}
	t.Logf("checked %d HRESULT values", len(consts))
}

var guidRE = regexp.MustCompile(`DEFINE_GUID\(IID_(\w+),\s*0x([0-9A-Fa-f]+),\s*0x([0-9A-Fa-f]+),\s*0x([0-9A-Fa-f]+),((?:\s*0x[0-9A-Fa-f]+,?){8})\)`)

// Every interface identifier the project passes to QueryInterface or
// answers to is the header's DEFINE_GUID(IID_...), and E_NOINTERFACE and
// E_POINTER are winerror.h's.
func TestIIDsMatchHeaders(t *testing.T) {
	for _, iid := range IIDs {
		var found bool
		for _, m := range guidRE.FindAllStringSubmatch(readHeader(t, iid.Header), -1) {
			if m[1] != iid.Name {
				continue
			}
			found = true
			tail := strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(m[5], "0x", ""), ",", ""), " ", "")
			want := vss.MustParseID(pad(m[2], 8) + "-" + pad(m[3], 4) + "-" + pad(m[4], 4) + "-" + tail[:4] + "-" + tail[4:])
			if iid.ID != want {
				t.Errorf("IID_%s is %v here, %v in %s", iid.Name, iid.ID, want, iid.Header)
			}
		}
		if !found {
			t.Errorf("%s declares no IID_%s", iid.Header, iid.Name)
		}
	}
	for name, h := range map[string]vss.HRESULT{"E_NOINTERFACE": ENoInterface, "E_POINTER": EPointer} {
		m := regexp.MustCompile(`#define ` + name + ` _HRESULT_TYPEDEF_\((0x[0-9A-Fa-f]+)\)`).FindStringSubmatch(readHeader(t, "winerror.h"))
		if m == nil {
			t.Errorf("winerror.h defines no %s", name)
		} else if v, _ := strconv.ParseUint(m[1], 0, 32); vss.HRESULT(v) != h {
			t.Errorf("%s is 0x%08X here, %s in winerror.h", name, uint32(h), m[1])
		}
	}
	t.Logf("checked %d interface identifiers", len(IIDs))
}

// pad left-pads a hex number with zeros to n digits.
func pad(s string, n int) string { return strings.Repeat("0", n-len(s)) + s }

// A derived interface's vtable begins with its base's methods, in order
// (IUnknown's excepted, which both begin with), so that one vtable serves
// both and the base's slot numbers hold on the derived pointer.
func TestDerivedVtablesMatchHeaders(t *testing.T) {
	for _, d := range DerivedInterfaces {
		base, derived := vtbl(t, d.Header, d.Base), vtbl(t, d.Header, d.Interface)
		if len(derived) <= len(base) || strings.Join(derived[:len(base)], ",") != strings.Join(base, ",") {
			t.Errorf("%s does not begin with the %d methods of %s", d.Interface, len(base), d.Base)
		}
	}
}
