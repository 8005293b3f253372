package media

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// tarEntry is one entry of the archive as its tar header gives it.
type tarEntry struct {
	name string
	typ  byte
	off  int64 // where its data starts
	size int64
	link string
	mode int64
	mod  time.Time
	sum  digest // with a streaming read, the SHA-256 of its data
}

// position tracks how far a tar.Reader has read its input, and checks
// that the padding after each entry's data (which tar skips unread) is
// zero, so that no byte of the archive goes unchecked. It keeps the bytes
// read from captureFrom on, the header blocks of the entry tar is
// reading, to check what tar does not and to name an entry whose header
// is damaged.
type position struct {
	r        io.Reader
	s        io.Seeker // r as a Seeker, when it is one
	pos      int64
	zeroFrom int64 // [zeroFrom, zeroTo) must read as zero bytes
	zeroTo   int64
	nonZero  bool
	// captureFrom is where the entry being read begins; capture holds
	// what was read from there (its header blocks, a few kilobytes at
	// most) until the next entry.
	captureFrom int64
	capture     []byte
}

func newPosition(r io.Reader) *position {
	p := &position{r: r, captureFrom: -1}
	p.s, _ = r.(io.Seeker)
	return p
}

func (p *position) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		if lo, hi := max(p.pos, p.zeroFrom), min(p.pos+int64(n), p.zeroTo); lo < hi {
			for _, c := range b[lo-p.pos : hi-p.pos] {
				if c != 0 {
					p.nonZero = true
				}
			}
		}
		if end := p.pos + int64(n); end > p.captureFrom && p.captureFrom >= 0 {
			p.capture = append(p.capture, b[max(p.captureFrom-p.pos, 0):n]...)
		}
		p.pos += int64(n)
	}
	return n, err
}

// seeker returns p as an io.Reader that seeks when r does, so that
// tar.Reader skips unread data by seeking.
func (p *position) seeker() io.Reader {
	if p.s == nil {
		return p
	}
	return seekingPosition{p}
}

type seekingPosition struct{ *position }

func (p seekingPosition) Seek(off int64, whence int) (int64, error) {
	n, err := p.s.Seek(off, whence)
	if err == nil {
		p.pos = n
	}
	return n, err
}

// headerName returns the name a damaged header block still shows, or "".
func headerName(blk []byte) string {
	cstr := func(b []byte) string {
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
		return string(b)
	}
	name := cstr(blk[:100])
	if string(blk[257:263]) == "ustar\x00" {
		if prefix := cstr(blk[345:500]); prefix != "" {
			name = prefix + "/" + name
		}
	}
	if name == "" || !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return ""
	}
	return name
}

func align(n int64) int64 { return (n + 511) &^ 511 }

// scanner reads the entries of an archive in order and checks each
// entry's name and type as it comes.
type scanner struct {
	p       *position
	tr      *tar.Reader
	size    int64 // the archive's size, or -1 when not known
	entries []tarEntry
	links   map[string]bool // symbolic links seen, by entry name
	names   map[string]bool
	ended   bool
}

func newScanner(r io.Reader, size int64) *scanner {
	p := newPosition(r)
	return &scanner{p: p, tr: tar.NewReader(p.seeker()), size: size, links: map[string]bool{}, names: map[string]bool{}}
}

// prev names the last entry read, for errors about what follows it.
func (s *scanner) prev() string {
	if len(s.entries) == 0 {
		return "the start of the archive"
	}
	return s.entries[len(s.entries)-1].name
}

// next reads the next entry's header; it returns nil at the end marker.
func (s *scanner) next() (*tarEntry, error) {
	hdrOff := int64(0)
	if n := len(s.entries); n > 0 {
		last := s.entries[n-1]
		hdrOff = align(last.off + last.size)
		s.p.zeroFrom, s.p.zeroTo = last.off+last.size, hdrOff
	}
	s.p.captureFrom, s.p.capture = hdrOff, s.p.capture[:0]
	h, err := s.tr.Next()
	region := s.p.capture
	s.p.captureFrom = -1 // not the data
	if s.p.nonZero {
		return nil, entryErr(s.prev(), fmt.Errorf("%w: the padding after its data is not zero", ErrCorrupt))
	}
	switch {
	case err == io.EOF:
		// The end marker is two zero blocks; tar stops at the first
		// with a clean end of input after it, or at a clean end where a
		// header should be.
		if s.p.pos-hdrOff < 1024 {
			return nil, entryErr(s.prev(), fmt.Errorf("%w: the archive ends after it without the tar end marker", ErrTruncated))
		}
		s.ended = true
		return nil, nil
	case errors.Is(err, io.ErrUnexpectedEOF):
		if n := len(s.entries); n > 0 && s.p.pos < hdrOff {
			return nil, entryErr(s.prev(), fmt.Errorf("%w: the archive ends inside its data", ErrTruncated))
		}
		return nil, entryErr(s.afterName(hdrOff, ""), fmt.Errorf("%w: the archive ends inside a header", ErrTruncated))
	case err != nil:
		return nil, entryErr(s.afterName(hdrOff, headerName(lastBlock(region))), fmt.Errorf("%w: damaged header at byte %d: %v", ErrCorrupt, hdrOff, err))
	}
	e := tarEntry{name: h.Name, typ: h.Typeflag, off: s.p.pos, size: h.Size, link: h.Linkname, mode: h.Mode, mod: h.ModTime}
	if e.typ == tar.TypeRegA {
		e.typ = tar.TypeReg
	}
	if err := plainHeader(h, region); err != nil {
		return nil, entryErr(e.name, err)
	}
	if err := s.check(&e); err != nil {
		return nil, entryErr(e.name, err)
	}
	s.entries = append(s.entries, e)
	return &s.entries[len(s.entries)-1], nil
}

// lastBlock returns the last whole 512-byte block of b, or nil.
func lastBlock(b []byte) []byte {
	if n := len(b) &^ 511; n > 0 {
		return b[n-512 : n]
	}
	return nil
}

// plainHeader refuses a header with fields this format never writes
// (owners, devices, access times, PAX records other than a long name,
// link or size), and checks in the entry's header blocks (region: a PAX
// header, its records and their padding, then the entry's header) what
// tar's header checksum does not cover: each checksum field ends as
// tar.Writer ends it, and the PAX records' padding is zero.
func plainHeader(h *tar.Header, region []byte) error {
	if len(region)%512 != 0 || len(region) == 0 {
		return fmt.Errorf("%w: header blocks of %d bytes", ErrCorrupt, len(region))
	}
	for off := 0; ; {
		blk := region[off : off+512]
		if string(blk[154:156]) != "\x00 " {
			return fmt.Errorf("%w: damaged header checksum field at byte %d of the header", ErrCorrupt, off+154)
		}
		if off+512 == len(region) {
			break
		}
		size, err := strconv.ParseUint(strings.Trim(string(blk[124:136]), " \x00"), 8, 63)
		if blk[156] != tar.TypeXHeader || err != nil || off+512+int(align(int64(size))) > len(region)-512 {
			return fmt.Errorf("%w: a header block this format does not write", ErrCorrupt)
		}
		if bytes.ContainsFunc(region[off+512+int(size):off+512+int(align(int64(size)))], func(r rune) bool { return r != 0 }) {
			return fmt.Errorf("%w: the padding of the PAX records is not zero", ErrCorrupt)
		}
		off += 512 + int(align(int64(size)))
	}
	if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || h.Devmajor != 0 || h.Devminor != 0 ||
		!h.AccessTime.IsZero() || !h.ChangeTime.IsZero() {
		return fmt.Errorf("%w: header fields (owner, device, times) this format does not write", ErrCorrupt)
	}
	for k := range h.PAXRecords {
		if k != "path" && k != "linkpath" && k != "size" {
			return fmt.Errorf("%w: PAX record %q, which this format does not write", ErrCorrupt, k)
		}
	}
	return nil
}

// afterName names an entry whose header could not be read.
func (s *scanner) afterName(hdrOff int64, shown string) string {
	if shown != "" {
		return fmt.Sprintf("%s (the entry after %s, header at byte %d)", shown, s.prev(), hdrOff)
	}
	return fmt.Sprintf("after %s (header at byte %d)", s.prev(), hdrOff)
}

// check refuses an entry this format does not write, or one a restore
// could not write inside its target.
func (s *scanner) check(e *tarEntry) error {
	if s.names[e.name] {
		return fmt.Errorf("%w: a second entry of this name", ErrCorrupt)
	}
	s.names[e.name] = true
	if e.size < 0 || s.size >= 0 && e.off+e.size > s.size {
		if e.size >= 0 {
			return fmt.Errorf("%w: the archive ends inside its data (%d bytes of %d)", ErrTruncated, max(s.size-e.off, 0), e.size)
		}
		return fmt.Errorf("%w: size %d", ErrCorrupt, e.size)
	}
	rest, isData := strings.CutPrefix(e.name, dataDir)
	if !isData {
		switch {
		case e.name == backupDocEntry || e.name == manifestEntry || e.name == digestEntry:
		case strings.HasPrefix(e.name, writersDir) && strings.HasSuffix(e.name, ".xml") && !strings.Contains(e.name[len(writersDir):], "/") && safeName(e.name[len(writersDir):]) == e.name[len(writersDir):]:
		default:
			if err := checkPath(strings.TrimSuffix(e.name, "/")); err != nil {
				return err
			}
			return fmt.Errorf("%w: not an entry of a %s archive", ErrCorrupt, Format)
		}
		if e.typ != tar.TypeReg {
			return fmt.Errorf("%w: a document entry of tar type %q", ErrCorrupt, e.typ)
		}
		return nil
	}
	key, p, _ := strings.Cut(rest, "/")
	if !validKey(key) {
		return fmt.Errorf("%w: %q is not a volume's directory", ErrUnsafePath, key)
	}
	if e.typ == tar.TypeDir {
		p = strings.TrimSuffix(p, "/")
	}
	if err := checkPath(p); err != nil {
		return err
	}
	for dir := p; ; {
		i := strings.LastIndexByte(dir, '/')
		if i < 0 {
			break
		}
		dir = dir[:i]
		if s.links[dataDir+key+"/"+dir] {
			return fmt.Errorf("%w: it lies beneath the symbolic link %s", ErrUnsafePath, dir)
		}
	}
	switch e.typ {
	case tar.TypeReg, tar.TypeDir:
		if e.typ == tar.TypeDir && !strings.HasSuffix(e.name, "/") {
			return fmt.Errorf("%w: a directory entry without its trailing slash", ErrCorrupt)
		}
	case tar.TypeSymlink:
		if err := checkLink(p, e.link); err != nil {
			return err
		}
		s.links[e.name] = true
	default:
		return fmt.Errorf("%w: tar type %q (hard link, device or other) is not stored by this format", ErrUnsafePath, e.typ)
	}
	return nil
}

// rest checks what follows the end marker: nothing, or zero bytes (the
// padding some tar tools add to a whole record).
func (s *scanner) rest(r io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if bytes.ContainsFunc(buf[:n], func(r rune) bool { return r != 0 }) {
			return entryErr(s.prev(), fmt.Errorf("%w: data after the tar end marker", ErrCorrupt))
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// match checks the entries read against the manifest: the data entries
// in the manifest's order with the names, types, sizes and links it
// records, then the documents, the manifest and its digest, and nothing
// else. With sums, the SHA-256 of every file and document too.
func match(entries []tarEntry, m *manifest, sums bool) error {
	want := len(m.Files) + len(m.Documents) + 2
	keys := map[string]bool{}
	for _, v := range m.Volumes {
		keys[v.Key] = true
	}
	for i := range m.Files {
		f := &m.Files[i]
		name := f.entry()
		if i >= len(entries)-2 {
			return entryErr(name, fmt.Errorf("%w: listed in the manifest but not in the archive", ErrCorrupt))
		}
		e := &entries[i]
		if !keys[f.Volume] {
			return entryErr(name, fmt.Errorf("%w: its volume %q is not in the manifest", ErrCorrupt, f.Volume))
		}
		if _, err := f.mode(); err != nil {
			return entryErr(name, fmt.Errorf("%w: %v", ErrCorrupt, err))
		}
		if err := checkPath(f.Path); err != nil {
			return entryErr(name, err)
		}
		if e.name != name {
			return entryErr(e.name, fmt.Errorf("%w: the manifest lists %s here", ErrCorrupt, name))
		}
		var typ byte = tar.TypeReg
		switch f.Type {
		case typeDir:
			typ = tar.TypeDir
		case typeLink:
			typ = tar.TypeSymlink
		}
		mode, _ := f.mode()
		if e.typ != typ || e.size != f.Size || e.link != f.Link || e.mode != int64(mode.Perm()) || !e.mod.Equal(headerTime(f.ModTime)) {
			return entryErr(name, fmt.Errorf("%w: the tar header says type %q, %d bytes, link %q; the manifest %s, %d bytes, link %q",
				ErrCorrupt, e.typ, e.size, e.link, f.Type, f.Size, f.Link))
		}
		if sums && f.Type == typeFile && e.sum != f.SHA256 {
			return entryErr(name, fmt.Errorf("%w: its SHA-256 differs from the manifest's", ErrCorrupt))
		}
	}
	for i := range m.Documents {
		d := &m.Documents[i]
		j := len(m.Files) + i
		if j >= len(entries)-2 {
			return entryErr(d.Entry, fmt.Errorf("%w: listed in the manifest but not in the archive", ErrCorrupt))
		}
		e := &entries[j]
		if e.name != d.Entry || (i == 0) != (d.Kind == kindBackup) || d.Kind != kindBackup && d.Kind != kindWriter {
			return entryErr(e.name, fmt.Errorf("%w: the manifest lists %s (%s) here", ErrCorrupt, d.Entry, d.Kind))
		}
		if e.size != d.Size || e.mode != 0o644 || sums && e.sum != d.SHA256 {
			return entryErr(d.Entry, fmt.Errorf("%w: its size or SHA-256 differs from the manifest's", ErrCorrupt))
		}
	}
	if len(entries) != want {
		return entryErr(entries[want-2].name, fmt.Errorf("%w: the manifest lists %d entries before it, the archive has %d", ErrCorrupt, want-2, len(entries)-2))
	}
	return nil
}

// checkDigest checks the manifest against vss/manifest.json.sha256.
func checkDigest(man, dig []byte) error {
	if len(dig) > 1024 {
		return entryErr(digestEntry, fmt.Errorf("%w: %d bytes", ErrCorrupt, len(dig)))
	}
	if !bytes.Equal(dig, digestLine(sha256.Sum256(man))) {
		return entryErr(manifestEntry, fmt.Errorf("%w: its SHA-256 differs from %s", ErrCorrupt, digestEntry))
	}
	return nil
}
