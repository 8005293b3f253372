package writer_test

import (
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vsskit/vss/internal/xmldoc"
	"github.com/vsskit/vss/writer"
)

// Hostile documents: within the size limit, each built to make a parser
// spend time or memory. A writer's metadata comes from another process,
// a backup's documents from wherever the backup was stored.

const hostileHead = `<WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo" version="1.2">` +
	`<IDENTIFICATION writerId="a65faa63-5ea8-4ebc-9dbd-a0c4db26912a" instanceId="dd8d6255-b3bb-4ec1-8249-73cd75c0ee21" friendlyName="Hostile Writer" usage="OTHER" dataSource="OTHER" majorVersion="1" minorVersion="0"/>` +
	`<BACKUP_LOCATIONS>`

// hostile builds a WMD whose BACKUP_LOCATIONS holds what fill writes,
// called with 0, 1, 2... until the document is about size bytes, then
// end.
func hostile(size int, fill func(b *strings.Builder, i int), end string) []byte {
	tail := end + `</BACKUP_LOCATIONS></WRITER_METADATA>`
	var b strings.Builder
	b.Grow(size + 1024)
	b.WriteString(hostileHead)
	for i := 0; b.Len() < size-len(tail)-128; i++ {
		fill(&b, i)
	}
	b.WriteString(tail)
	return []byte(b.String())
}

// distinctTags is n unknown elements, each with a tag of its own.
func distinctTags(n int) []byte {
	var b strings.Builder
	b.WriteString(hostileHead)
	for i := range n {
		b.WriteString("<T" + strconv.Itoa(i) + "/>")
	}
	b.WriteString(`</BACKUP_LOCATIONS></WRITER_METADATA>`)
	return []byte(b.String())
}

// commentText is an unknown element whose text is n pieces split by
// comments.
func commentText(n int) []byte {
	var b strings.Builder
	b.WriteString(hostileHead + "<NOTE>")
	for range n {
		b.WriteString("text<!---->")
	}
	b.WriteString(`</NOTE></BACKUP_LOCATIONS></WRITER_METADATA>`)
	return []byte(b.String())
}

// hostileDocs are the documents, by class, each made when its benchmark
// runs, so that the others do not weigh on the heap it measures.
var hostileDocs = []struct {
	name    string
	doc     func() []byte
	refused bool
}{
	// 100,000 different unknown tags, which were numbered by a scan of
	// the tags seen (quadratic: 40,000 took 11 s).
	{"DistinctTags100k", func() []byte { return distinctTags(100_000) }, false},
	// Text split by 100,000 comments, which was joined by adding each
	// piece to a string (quadratic: 900 KB allocated 10.4 GB).
	{"CommentText100k", func() []byte { return commentText(100_000) }, false},
	// The same filling the size limit: 3 million pieces.
	{"CommentText32MiB", func() []byte {
		return hostile(xmldoc.MaxSize, func(b *strings.Builder, i int) {
			if i == 0 {
				b.WriteString("<NOTE>")
			}
			b.WriteString("text<!---->")
		}, "</NOTE>")
	}, false},
	// 8 million empty elements, all that fit in the size limit, which
	// cost 4.2 GB: over the element limit, refused by the scan.
	{"EmptyElements8M", func() []byte {
		return hostile(xmldoc.MaxSize, func(b *strings.Builder, _ int) { b.WriteString("<x/>") }, "")
	}, true},
	// The most elements and attributes accepted, unknown, each element
	// with four attributes, padded to the size limit with text: the
	// most memory an accepted document costs.
	{"LimitsUnknown32MiB", limitsDoc, false},
	// A component with as many file sets as fit in the size limit,
	// 300,000 in the shape of the System Writer's: the largest document
	// of the kind Windows writes.
	{"Files32MiB", func() []byte {
		return hostile(xmldoc.MaxSize, func(b *strings.Builder, i int) {
			if i == 0 {
				b.WriteString(`<FILE_GROUP componentName="files" caption="Files" restoreMetadata="no" notifyOnBackupComplete="no" selectable="yes" selectableForRestore="no" componentFlags="0">`)
			}
			b.WriteString(`<FILE_LIST path="%systemroot%\system32\drivers" filespec="driver` + strconv.Itoa(i) + `.sys" filespecBackupType="3855"/>`)
		}, "</FILE_GROUP>")
	}, false},
}

// limitsDoc has MaxElements elements (3 known, the rest unknown) and
// MaxAttributes attributes, padded to MaxSize with text.
func limitsDoc() []byte {
	const known, knownAttrs = 3, 8
	n := xmldoc.MaxElements - known
	per := (xmldoc.MaxAttributes - knownAttrs) / n
	var el strings.Builder
	el.WriteString("<x")
	for i := range per {
		el.WriteString(" a" + strconv.Itoa(i) + `=""`)
	}
	el.WriteString("/>")
	tail := `</BACKUP_LOCATIONS></WRITER_METADATA>`
	pad := xmldoc.MaxSize - len(hostileHead) - len(tail) - n*el.Len() - len("<PAD></PAD>")
	var b strings.Builder
	b.Grow(xmldoc.MaxSize)
	b.WriteString(hostileHead)
	b.WriteString(strings.Repeat(el.String(), n-1))
	b.WriteString("<PAD>" + strings.Repeat("p", pad) + "</PAD>")
	b.WriteString(tail)
	return []byte(b.String())
}

// BenchmarkParseHostile parses each hostile document with ParseMetadata.
// Besides time and B/op, it reports the peak of the heap in use while
// one parse runs, above what was in use before (peak-MB), and that peak
// over the document's size (peak/input).
func BenchmarkParseHostile(b *testing.B) {
	for _, tc := range hostileDocs {
		b.Run(tc.name, func(b *testing.B) {
			doc := tc.doc()
			parse := func() {
				_, err := writer.ParseMetadata(doc)
				if (err != nil) != tc.refused {
					b.Fatalf("refused %v: %v", tc.refused, err)
				}
			}
			peak := peakHeap(parse)
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				parse()
			}
			b.ReportMetric(float64(peak)/1e6, "peak-MB")
			b.ReportMetric(float64(peak)/float64(len(doc)), "peak/input")
		})
	}
}

// peakHeap runs f and returns the most heap memory in use (as
// runtime.MemStats.HeapInuse counts it) while it ran, above what was in
// use before, sampled every 50 µs.
func peakHeap(f func()) uint64 {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
	}
	inuse := func() uint64 {
		metrics.Read(samples)
		return samples[0].Value.Uint64() + samples[1].Value.Uint64()
	}
	runtime.GC()
	base := inuse()
	var peak atomic.Uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			if v := inuse(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(50 * time.Microsecond):
			}
		}
	}()
	f()
	close(done)
	<-stopped
	if peak.Load() < base {
		return 0
	}
	return peak.Load() - base
}
