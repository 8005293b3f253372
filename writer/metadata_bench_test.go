package writer_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/beevik/etree"

	"github.com/vsskit/vss"
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

// BenchmarkDeclareComponents declares 30,000 components, each with a
// file set, through the builder, and maps one file set of each to an
// alternate location: linear in the components, where looking each up
// in the list made it quadratic (14 s).
func BenchmarkDeclareComponents(b *testing.B) {
	const n = 30_000
	b.ReportAllocs()
	for b.Loop() {
		md := writer.NewMetadata(writer.Info{Name: "Many Writer"})
		for i := range n {
			name := "c" + strconv.Itoa(i)
			if _, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, LogicalPath: "HOST", Name: name}); err != nil {
				b.Fatal(err)
			}
			f := writer.FileSpec{Path: `C:\data\` + name, Spec: "*"}
			if err := md.AddFiles("HOST", name, f); err != nil {
				b.Fatal(err)
			}
			f.AlternatePath = `D:\data\` + name
			if err := md.AddAlternateLocationMapping(f); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkXMLManyFiles writes a document of one component with many
// file sets: 250,000 (25 MB written), and 1,000,000, over the element
// limit, which XML refuses before building anything (it wrote 61.9 MB
// that ParseMetadata refused).
func BenchmarkXMLManyFiles(b *testing.B) {
	for _, n := range []int{250_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			md := manyFiles(n, 40)
			var out string
			write := func() {
				var err error
				out, err = md.XML()
				if (err != nil) != (n > 500_000) {
					b.Fatal(err)
				}
			}
			peak := peakHeap(write)
			b.ReportAllocs()
			for b.Loop() {
				write()
			}
			b.ReportMetric(float64(len(out))/1e6, "out-MB")
			b.ReportMetric(float64(peak)/1e6, "peak-MB")
		})
	}
}
