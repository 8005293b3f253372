package xmldoc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/testdata"
)

// referenceParse reads text with encoding/xml's tokenizer, which this
// library read documents with before it had its own parser, into the
// same tree, with the same checks of the tokens. Parse must read what it
// reads the same way.
func referenceParse(text []byte) (*vss.XMLElement, error) {
	d := xml.NewDecoder(bytes.NewReader(text))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var c checker
	var open []frame
	var root *vss.XMLElement
	var piece []byte
	flush := func() {
		if len(piece) > 0 && !isSpace(piece) {
			open[len(open)-1].text = append(open[len(open)-1].text, piece...)
		}
		piece = piece[:0]
	}
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(open) == 0 && root != nil {
				return nil, errors.New("second root")
			}
			if len(open) > 0 {
				flush()
			}
			e := vss.XMLElement{Space: t.Name.Space, Tag: t.Name.Local}
			for _, a := range t.Attr {
				e.Attrs = append(e.Attrs, vss.XMLAttr{Space: a.Name.Space, Key: a.Name.Local, Value: a.Value})
			}
			if err := c.enter(e.Space, e.Tag, e.Attrs); err != nil {
				return nil, err
			}
			open = append(open, frame{e: e})
		case xml.EndElement:
			if len(open) == 0 {
				return nil, errors.New("end tag closes nothing")
			}
			f := open[len(open)-1]
			if f.e.Tag != t.Name.Local || f.e.Space != t.Name.Space {
				return nil, errors.New("end tag does not match")
			}
			flush()
			f = open[len(open)-1]
			if len(f.text) > 0 {
				f.e.Text = string(f.text)
			}
			open = open[:len(open)-1]
			c.leave()
			if len(open) == 0 {
				root = &f.e
			} else {
				p := &open[len(open)-1].e
				p.Children = append(p.Children, f.e)
			}
		case xml.CharData:
			if len(open) > 0 {
				piece = append(piece, t...)
			} else if !isSpace(t) {
				return nil, errors.New("text outside the root")
			}
		}
	}
	if len(open) > 0 {
		return nil, errors.New("truncated")
	}
	if root == nil {
		return nil, errors.New("no root")
	}
	return root, nil
}

// Where Parse is stricter than encoding/xml, following XML 1.0 (or
// refusing what VSS documents never hold): the errors it may give for a
// document encoding/xml reads.
var stricter = []string{
	"document type declaration",        // encoding/xml reads a DOCTYPE as a directive
	"expected white space before",      // encoding/xml takes <a x="1"y="2">
	"expected white space after <?",    // and <?pi?data?>
	"which XML does not allow",         // &#xD800; and &#0; which encoding/xml reads as U+FFFD or refuses later
	"illegal character code",           // in comments and processing instructions, unchecked by encoding/xml
	"invalid UTF-8",                    // the same
	"invalid XML name",                 // names by XML 1.0's fifth edition, encoding/xml's by its fourth
	"begins no comment, CDATA section", // <!X...> directives
	"text outside the root element",    // &#32; outside the root, white space to encoding/xml
	"is not a qualified name",          // a:1b, whose local part is no name, which encoding/xml splits
}

// Where encoding/xml is stricter: names of the fifth edition its fourth
// edition tables do not have.
var laxer = []string{"invalid XML name"}

func compareWithReference(t *testing.T, b []byte) {
	text, _, err := Decode(b)
	if err != nil {
		return
	}
	children, _ := scan(text)
	p := parser{t: text, children: children}
	got, err := p.parse()
	want, refErr := referenceParse(text)
	switch {
	case err == nil && refErr == nil:
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("Parse and encoding/xml read %q differently (-encoding/xml +Parse):\n%s", b, d)
		}
	case err == nil:
		for _, s := range laxer {
			if strings.Contains(refErr.Error(), s) {
				return
			}
		}
		t.Fatalf("Parse reads %q, which encoding/xml refuses: %v", b, refErr)
	case refErr == nil:
		for _, s := range stricter {
			if strings.Contains(err.Error(), s) {
				return
			}
		}
		t.Fatalf("Parse refuses %q, which encoding/xml reads: %v", b, err)
	}
}

var referenceSeeds = []string{
	`<A/>`,
	`<?xml version="1.0" encoding="UTF-16"?>` + "\r\n<A a='1' b=\"2&amp;3\">t<!--c-->u<?p x?><![CDATA[<v>]]>\r\n<B/>w&#x41;&#66;&lt;&gt;&apos;&quot;</A>",
	"<A a=\"x\r\ny\tz\n\">\r\r\n</A>",
	`<A xmlns="u" xmlns:p="v" p:a="1"><p:B p:c="2"/><C xmlns=""/></A>`,
	`<A>]]></A>`, `<A>]]</A>`, `<A>&#xD800;</A>`, `<A>&#0;</A>`, `<A>&#x10FFFF;</A>`, `<A>&unknown;</A>`, `<A>&amp</A>`,
	`<A a="<"/>`, `<A a=1/>`, `<A a/>`, `<A a="1"b="2"/>`, `< A/>`, `<A></ A>`, `<A></A >`, `<A/ >`,
	`<!DOCTYPE A><A/>`, `<!-- a -- b --><A/>`, `<!---><A/>`, `<A><!----></A>`, `<?xml version="1.1"?><A/>`,
	`<é ü="1"/>`, `<A xmlns:a="u" a:1b="2"/>`, `<A>` + "\x00" + `</A>`, "<A>\xff</A>", `<a:b:c/>`, `<:a/>`, `<a: x="1"/>`,
	`<A/><B/>`, `<A/>t`, `t<A/>`, `<A>`, `</A>`, `<A></B>`, "",
}

// Parse reads what encoding/xml reads, the same way, but for the
// documented differences.
func TestParseAgreesWithEncodingXML(t *testing.T) {
	for _, s := range referenceSeeds {
		compareWithReference(t, []byte(s))
	}
	files, _ := filepath.Glob(filepath.Join(testdata.Dir(t), "*", "*.xml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		compareWithReference(t, b)
	}
}

func FuzzParseAgreesWithEncodingXML(f *testing.F) {
	for _, s := range referenceSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(compareWithReference)
}
