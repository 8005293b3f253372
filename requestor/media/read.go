package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/vsskit/vss/requestor"
)

// Archive is a backup archive opened for reading: its entries indexed,
// its manifest loaded and checked against them. It is a requestor.Media,
// what requestor.Restore reads. Reading a file or document to its end
// checks its SHA-256; Open and the documents' methods may be used by
// several goroutines at once.
type Archive struct {
	ra      io.ReaderAt
	closer  io.Closer
	m       *manifest
	entries []tarEntry
	files   []requestor.MediaFile
	byFile  map[string]int // volume name NUL path → index in m.Files
}

var _ requestor.Media = (*Archive)(nil)

// Open reads the index of a backup archive of the given size: every tar
// header, in order, skipping the data, and the manifest. It fails, with
// an *EntryError naming the entry, on an archive that is truncated,
// whose headers or manifest are damaged or do not agree, or that holds
// an entry a restore could not write inside its target (ErrUnsafePath):
// nothing of such an archive can be read. File data is checked as it is
// read (Open's reader).
func Open(ra io.ReaderAt, size int64) (*Archive, error) {
	s := newScanner(io.NewSectionReader(ra, 0, size), size)
	for {
		e, err := s.next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
	}
	if err := s.rest(io.NewSectionReader(ra, s.p.pos, size-s.p.pos)); err != nil {
		return nil, err
	}
	m, err := loadManifest(s.entries, func(e *tarEntry) ([]byte, error) {
		b := make([]byte, e.size)
		_, err := ra.ReadAt(b, e.off)
		return b, err
	})
	if err != nil {
		return nil, err
	}
	if err := match(s.entries, m, false); err != nil {
		return nil, err
	}
	a := &Archive{ra: ra, m: m, entries: s.entries, byFile: make(map[string]int, len(m.Files))}
	names := map[string]string{}
	for _, v := range m.Volumes {
		names[v.Key] = v.Name
	}
	a.files = make([]requestor.MediaFile, len(m.Files))
	for i := range m.Files {
		f := &m.Files[i]
		mode, _ := f.mode() // checked by match
		a.files[i] = requestor.MediaFile{Volume: names[f.Volume], Path: f.Path, Size: f.Size, Mode: mode,
			ModTime: f.ModTime, Link: f.Link, SHA256: f.SHA256}
		a.byFile[names[f.Volume]+"\x00"+f.Path] = i
	}
	return a, nil
}

// OpenFile opens the backup archive in the named file; Close closes it.
func OpenFile(name string) (*Archive, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	a, err := Open(f, fi.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	a.closer = f
	return a, nil
}

// Close closes the file OpenFile opened; for an Archive from Open it does
// nothing.
func (a *Archive) Close() error {
	if a.closer == nil {
		return nil
	}
	return a.closer.Close()
}

// loadManifest reads the manifest and its digest, the last two entries,
// and checks one against the other.
func loadManifest(entries []tarEntry, read func(e *tarEntry) ([]byte, error)) (*manifest, error) {
	n := len(entries)
	if n < 2 || entries[n-2].name != manifestEntry || entries[n-1].name != digestEntry {
		last := "the start of the archive"
		if n > 0 {
			last = entries[n-1].name
		}
		return nil, entryErr(last, fmt.Errorf("%w: the archive does not end with %s and %s", ErrCorrupt, manifestEntry, digestEntry))
	}
	if entries[n-2].size > maxManifest || entries[n-1].size > 1024 {
		return nil, entryErr(manifestEntry, fmt.Errorf("%w: %d bytes, over this reader's limit", ErrCorrupt, entries[n-2].size))
	}
	man, err := read(&entries[n-2])
	if err != nil {
		return nil, entryErr(manifestEntry, err)
	}
	dig, err := read(&entries[n-1])
	if err != nil {
		return nil, entryErr(digestEntry, err)
	}
	if err := checkDigest(man, dig); err != nil {
		return nil, err
	}
	m, err := decodeManifest(man)
	if err != nil {
		return nil, entryErr(manifestEntry, err)
	}
	return m, nil
}

// Volumes returns the names of the volumes stored, as they were added to
// the snapshot set.
func (a *Archive) Volumes() []string {
	vs := make([]string, len(a.m.Volumes))
	for i, v := range a.m.Volumes {
		vs[i] = v.Name
	}
	return vs
}

// Files lists the files, directories and symbolic links stored, in the
// order they were stored.
func (a *Archive) Files() ([]requestor.MediaFile, error) { return slices.Clone(a.files), nil }

// BackupDocument returns the backup components document, checked
// against the manifest.
func (a *Archive) BackupDocument() (string, error) { return a.document(0) }

// WriterMetadata returns the writer metadata documents, checked against
// the manifest, in the order the backup gathered them.
func (a *Archive) WriterMetadata() ([]string, error) {
	docs := make([]string, len(a.m.Documents)-1)
	for i := range docs {
		d, err := a.document(i + 1)
		if err != nil {
			return nil, err
		}
		docs[i] = d
	}
	return docs, nil
}

func (a *Archive) document(i int) (string, error) {
	d := &a.m.Documents[i]
	e := &a.entries[len(a.m.Files)+i]
	r := a.reader(e.name, e.off, e.size, d.SHA256)
	defer r.Close()
	var b strings.Builder
	b.Grow(int(e.size))
	if _, err := r.WriteTo(&b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Open returns the content of a stored regular file. Reading it to its
// end checks its SHA-256 against the manifest: a mismatch, or an archive
// that ends inside it, is an *EntryError naming the entry (ErrCorrupt,
// ErrTruncated), returned in place of io.EOF. The reader must be closed.
func (a *Archive) Open(f requestor.MediaFile) (io.ReadCloser, error) {
	i, ok := a.byFile[f.Volume+"\x00"+f.Path]
	if !ok {
		return nil, fmt.Errorf("%s on %s is not in the backup archive", f.Path, f.Volume)
	}
	rec, e := &a.m.Files[i], &a.entries[i]
	if rec.Type != typeFile {
		return nil, entryErr(e.name, errors.New("not a regular file: it has no content to open"))
	}
	return a.reader(e.name, e.off, e.size, rec.SHA256), nil
}

// reader reads size bytes at off, the data of the named entry, and checks
// their SHA-256 against want at the end.
func (a *Archive) reader(name string, off, size int64, want digest) *fileReader {
	r := &fileReader{name: name, ra: a.ra, off: off, left: size, want: want, p: newPipe()}
	r.bufs[0], r.bufs[1] = bufPool.Get().(*[]byte), bufPool.Get().(*[]byte)
	r.p.start(size, len(r.bufs))
	return r
}

// fileReader reads an entry's data in large blocks, into two buffers in
// turn, while its pipe hashes each block: the caller moves one block on
// while the other is hashed.
type fileReader struct {
	name      string
	ra        io.ReaderAt
	off, left int64
	want      digest
	p         *pipe
	bufs      [2]*[]byte
	i         int
	cur       []byte
	err       error
}

func (r *fileReader) fill() error {
	if r.err != nil {
		return r.err
	}
	if r.left == 0 {
		if r.p.sum() != r.want {
			r.err = entryErr(r.name, fmt.Errorf("%w: its data's SHA-256 differs from the manifest's", ErrCorrupt))
		} else {
			r.err = io.EOF
		}
		r.release()
		return r.err
	}
	r.p.wait(len(r.bufs) - 1)
	buf := *r.bufs[r.i%2]
	buf = buf[:min(int64(len(buf)), r.left)]
	n, err := r.ra.ReadAt(buf, r.off)
	if n < len(buf) {
		if err == nil || err == io.EOF {
			err = fmt.Errorf("%w: the archive ends inside its data", ErrTruncated)
		}
		r.err = entryErr(r.name, err)
		r.p.drain()
		r.release()
		return r.err
	}
	r.p.add(buf)
	r.off += int64(n)
	r.left -= int64(n)
	r.cur = buf
	r.i++
	return nil
}

// Read reads the entry's data; at its end it returns io.EOF, or the error
// of a mismatch.
func (r *fileReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// WriteTo writes the entry's data to w without an intermediate copy; it
// returns an error rather than finishing when the data does not match.
func (r *fileReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(r.cur) == 0 {
			if err := r.fill(); err == io.EOF {
				return total, nil
			} else if err != nil {
				return total, err
			}
		}
		n, err := w.Write(r.cur)
		total += int64(n)
		r.cur = r.cur[n:]
		if err != nil {
			return total, err
		}
	}
}

// Close frees the reader's buffers; reading after Close fails.
func (r *fileReader) Close() error {
	if r.err == nil {
		r.err = entryErr(r.name, errors.New("read after Close"))
		r.p.drain()
		r.release()
	}
	return nil
}

func (r *fileReader) release() {
	r.cur = nil
	r.p.stop()
	if r.bufs[0] != nil {
		bufPool.Put(r.bufs[0])
		bufPool.Put(r.bufs[1])
		r.bufs = [2]*[]byte{}
	}
}

// Summary is what Verify found in a backup archive.
type Summary struct {
	Volumes            []string // as added to the snapshot set
	Files, Dirs, Links int
	Bytes              int64 // file data
	WriterMetadata     int   // writer metadata documents
}

// Verify reads a whole backup archive from r, in one pass and in order,
// and checks everything: every tar header, the padding, the end marker,
// each file's and document's size and SHA-256 against the manifest, and
// the manifest against its digest. It writes nothing. It fails with an
// *EntryError naming the entry on a corrupted byte (ErrCorrupt), a
// truncated archive (ErrTruncated) or an entry a restore could not write
// inside its target (ErrUnsafePath). It honours ctx between blocks.
func Verify(ctx context.Context, r io.Reader) (Summary, error) {
	s := newScanner(r, -1)
	p := newPipe()
	defer p.stop()
	bufs := [2]*[]byte{bufPool.Get().(*[]byte), bufPool.Get().(*[]byte)}
	defer func() { bufPool.Put(bufs[0]); bufPool.Put(bufs[1]) }()
	var man, dig []byte
	for {
		e, err := s.next()
		if err != nil {
			return Summary{}, err
		}
		if e == nil {
			break
		}
		switch {
		case e.name == manifestEntry || e.name == digestEntry:
			if e.size > maxManifest || e.name == digestEntry && e.size > 1024 {
				return Summary{}, entryErr(e.name, fmt.Errorf("%w: %d bytes, over this reader's limit", ErrCorrupt, e.size))
			}
			// Grown as it is read: the size in a damaged header may be
			// far more than the archive holds.
			b, err := io.ReadAll(io.LimitReader(s.tr, e.size))
			if err == nil && int64(len(b)) < e.size {
				err = io.ErrUnexpectedEOF
			}
			if err != nil {
				return Summary{}, entryErr(e.name, truncated(err))
			}
			if e.name == manifestEntry {
				man = b
			} else {
				dig = b
			}
		case e.size > 0:
			if err := hashEntry(ctx, s, e, p, bufs); err != nil {
				p.drain()
				return Summary{}, err
			}
		default:
			e.sum = emptySum
		}
	}
	if err := s.rest(s.p); err != nil {
		return Summary{}, err
	}
	m, err := loadManifest(s.entries, func(e *tarEntry) ([]byte, error) {
		if e.name == manifestEntry {
			return man, nil
		}
		return dig, nil
	})
	if err != nil {
		return Summary{}, err
	}
	if err := match(s.entries, m, true); err != nil {
		return Summary{}, err
	}
	sum := Summary{WriterMetadata: len(m.Documents) - 1}
	for _, v := range m.Volumes {
		sum.Volumes = append(sum.Volumes, v.Name)
	}
	for _, f := range m.Files {
		switch f.Type {
		case typeFile:
			sum.Files++
			sum.Bytes += f.Size
		case typeDir:
			sum.Dirs++
		case typeLink:
			sum.Links++
		}
	}
	return sum, nil
}

var emptySum = digest(sumOfNothing())

// hashEntry reads an entry's data and records its SHA-256.
func hashEntry(ctx context.Context, s *scanner, e *tarEntry, p *pipe, bufs [2]*[]byte) error {
	p.start(e.size, len(bufs))
	left := e.size
	for i := 0; left > 0; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.wait(len(bufs) - 1)
		buf := (*bufs[i%2])[:min(int64(blockSize), left)]
		n, err := io.ReadFull(s.tr, buf)
		if err != nil {
			return entryErr(e.name, truncated(err))
		}
		p.add(buf[:n])
		left -= int64(n)
	}
	e.sum = p.sum()
	return nil
}

// truncated turns the end of input inside an entry into ErrTruncated.
func truncated(err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: the archive ends inside its data", ErrTruncated)
	}
	return err
}
