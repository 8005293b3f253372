package writer_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/beevik/etree"

	"github.com/vsskit/vss/internal/testdata"
	"github.com/vsskit/vss/writer"
)

// BenchmarkParseSystemWriterWMD parses the 2.1 MB System Writer document of
// Windows Server 2012 with ParseMetadata, and with a bare etree parse of
// the same bytes in the same run, for the ratio between the two.
func BenchmarkParseSystemWriterWMD(b *testing.B) {
	doc, err := os.ReadFile(filepath.Join(testdata.Dir(b), "vss-xml-nosql", "ws2012_diskshadow_no_sql_WM3_System_Writer.wmd.xml"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ParseMetadata", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := writer.ParseMetadata(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("etree", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		for b.Loop() {
			d := etree.NewDocument()
			if err := d.ReadFromBytes(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
