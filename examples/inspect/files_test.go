package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/internal/xmldoc"
)

// What is not a regular file is refused at once, saying what it is,
// without reading from it.
func TestRefusesWhatIsNotAFile(t *testing.T) {
	code, out, errOut := runInspect(t.TempDir())
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "a directory, not a regular file")

	if _, err := os.Stat("/dev/zero"); err == nil {
		code, _, errOut = runInspect("/dev/zero")
		assert.Equal(t, 1, code)
		assert.Contains(t, errOut, "/dev/zero: a character device, not a regular file")
	}
	if _, err := os.Stat("/dev/null"); err == nil {
		code, _, errOut = runInspect("/dev/null")
		assert.Equal(t, 1, code)
		assert.Contains(t, errOut, "a character device, not a regular file")
	}
}

// A file larger than a document may be fails before it is read.
func TestRefusesAFileLargerThanTheLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.xml")
	f, err := os.Create(p)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(xmldoc.MaxSize+1)) // sparse: nothing is written
	require.NoError(t, f.Close())
	code, _, errOut := runInspect(p)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "the file is 33554433 bytes; a VSS document is at most 33554432 (32 MiB)")

	// At the limit it is read.
	require.NoError(t, os.Truncate(p, xmldoc.MaxSize))
	b, err := readDocument(p)
	require.NoError(t, err)
	assert.Len(t, b, xmldoc.MaxSize)
}

// A name holding a bidirectional override or a control character is
// printed quoted and escaped, in every mode; no such character reaches the
// output.
func TestNamesAreEscaped(t *testing.T) {
	evil := strings.NewReplacer(
		`friendlyName="Shop Writer"`, `friendlyName="Shop&#x202E;rotirW&#x2066;"`,
		`logicalPath="Shop"`, `logicalPath="Sh&#x9;op"`,
		`filespec="orders.db"`, `filespec="orders&#x85;.db"`,
	).Replace(wmd)
	p := write(t, "evil.xml", evil)
	for _, args := range [][]string{{p}, {"-json", p}, {"-roundtrip", p}} {
		code, out, errOut := runInspect(args...)
		require.Equal(t, 0, code, "%v: %s", args, errOut)
		for _, r := range []string{"\u202e", "\u2066", "\t", "\u0085"} {
			assert.NotContains(t, out, r, "%v", args)
		}
		if args[0] == p {
			assert.Contains(t, out, `writer      "Shop\u202erotirW\u2066"`)
			assert.Contains(t, out, `"Sh\top\\orders"`)
			assert.Contains(t, out, `files: "C:\\shop\\orders\u0085.db"`)
		}
		if args[0] == "-json" {
			assert.Contains(t, out, `"Name": "Shop\u202erotirW\u2066"`, "JSON escapes, still valid JSON")
		}
	}
	// The file's own name, in an error message.
	code, _, errOut := runInspect(filepath.Join(t.TempDir(), "x\x1b[2J\u202e.xml"))
	assert.Equal(t, 1, code)
	assert.NotContains(t, errOut, "\x1b")
	assert.NotContains(t, errOut, "\u202e")
	assert.Contains(t, errOut, `x\x1b[2J\u202e.xml`)
}

func TestShow(t *testing.T) {
	for in, want := range map[string]string{
		`Shop\orders`:  `Shop\orders`,
		"Büro €":       "Büro €",
		"":             `""`,
		`"quoted"`:     `"\"quoted\""`,
		"a\u202eb":     `"a\u202eb"`,
		"a\u2069b":     `"a\u2069b"`,
		"a\x1b[31mb":   `"a\x1b[31mb"`,
		"a\rb":         `"a\rb"`,
		"a\u200bb":     `"a\u200bb"`,
		"a\xffb":       `"a\xffb"`,
		"a\U000e0001b": `"a\U000e0001b"`,
		"日本語のライター":     "日本語のライター",
	} {
		assert.Equal(t, want, show(in), "%q", in)
	}
}

func TestEscaper(t *testing.T) {
	var b strings.Builder
	e := &escaper{w: &b}
	bidi := []byte("\u202e")
	for _, chunk := range [][]byte{[]byte("ok\tline\n\x1b[2J"), bidi[:1], bidi[1:], []byte("é\U000e0001\xff€"), []byte("\xe2\x82")} {
		n, err := e.Write(chunk)
		require.NoError(t, err)
		require.Equal(t, len(chunk), n)
	}
	e.flush()
	assert.Equal(t, "ok\tline\n\\u001b[2J\\u202eé\\udb40\\udc01\\xff€\\xe2\\x82", b.String())
}
