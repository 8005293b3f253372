package media

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// Writer writes a backup archive to an io.Writer as it goes: the files of
// the shadow copies first (CopySnapshot, from requestor.Plan.Copy), then
// the documents, the manifest and the tar end marker (Finish, once
// requestor.Backup has returned the backup components document). It holds
// no file data in memory beyond four 1 MiB buffers; it keeps each entry's
// record (name, size, SHA-256) for the manifest.
//
// A Writer is not safe for concurrent use. After a failed call the
// archive is incomplete and every later call fails. Finish, or Abandon
// when the backup failed, frees the goroutines that hash and write large
// files.
type Writer struct {
	tw    *tar.Writer
	pipe  *pipe
	ws    *stage // writes the blocks of a large file to tw
	bufs  []*[]byte
	vols  []volumeRec
	files []fileRec
	seen  map[string]bool // entry names written
	stats Stats
	done  bool
	err   error

	// Progress, when set, is called with the size of each block of file
	// data as it is stored.
	Progress func(n int)

	// Exclude, when set, leaves out of CopySnapshot the files and links it
	// returns true for (directories are always stored): name is the
	// entry's path in snap.FS. Set it to apply the writers' exclude lists
	// (ExcludeWriters). Stats.Excluded counts what it left out.
	Exclude func(snap requestor.VolumeSnapshot, name string) bool
}

// ExcludeWriters returns an Exclude function that leaves out the files
// the writers' exclude lists name (requestor.ExcludeList), matched
// against each file's place on the original volume
// (requestor.VolumeSnapshot.OriginalPath).
func ExcludeWriters(l *requestor.ExcludeList) func(snap requestor.VolumeSnapshot, name string) bool {
	return func(snap requestor.VolumeSnapshot, name string) bool { return l.Excludes(snap.OriginalPath(name)) }
}

// Stats counts what a Writer stored and what it left out.
type Stats struct {
	Files, Dirs, Links int
	Bytes              int64 // file data
	// Excluded counts the files and links Writer.Exclude left out.
	Excluded int
	// Skipped are the entries of the shadow copies not stored: files
	// that are not regular files, directories or symbolic links, and
	// links whose target leaves the volume (see the package
	// documentation).
	Skipped []Skip
}

// Skip is an entry of a shadow copy that was not stored, and why.
type Skip struct {
	Volume, Path, Reason string
}

// NewWriter returns a Writer that writes the archive to w. Finish ends
// the archive but does not close w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{tw: tar.NewWriter(w), pipe: newPipe(), seen: map[string]bool{}}
}

// Stats returns what was stored so far.
func (w *Writer) Stats() Stats { return w.stats }

// fail records the first failure: the archive is incomplete from then on.
func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

func (w *Writer) usable() error {
	if w.err != nil {
		return fmt.Errorf("the backup archive is incomplete after an earlier failure: %w", w.err)
	}
	if w.done {
		return errors.New("the backup archive is finished")
	}
	return nil
}

// CopySnapshots stores the whole of each shadow copy of a backup (less
// what Exclude leaves out, when set); it is meant as requestor.Plan.Copy,
// or to be called from it.
func (w *Writer) CopySnapshots(ctx context.Context, src *requestor.CopySource) error {
	for _, s := range src.Snapshots {
		if err := w.CopySnapshot(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// CopySnapshot stores the files under paths (slash-separated, relative to
// the volume's root; none means the whole volume) of one shadow copy,
// read from snap.FS, in fs.WalkDir's order: directories, regular files
// and symbolic links (when snap.FS implements fs.ReadLinkFS). A path given
// twice, or under another path given, is stored once. A file whose size
// changes while it is read is an error: a shadow copy does not change.
// It honours ctx between files and between blocks.
func (w *Writer) CopySnapshot(ctx context.Context, snap requestor.VolumeSnapshot, paths ...string) error {
	if err := w.usable(); err != nil {
		return err
	}
	if snap.FS == nil {
		return fmt.Errorf("the shadow copy of %s cannot be read in this process", snap.Volume)
	}
	key := w.volume(snap)
	if len(paths) == 0 {
		paths = []string{"."}
	}
	for _, root := range paths {
		if !fs.ValidPath(root) {
			return fmt.Errorf("%q is not a path inside the volume %s", root, snap.Volume)
		}
		err := fs.WalkDir(snap.FS, root, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if name == "." {
				return nil
			}
			if !d.IsDir() && w.Exclude != nil && w.Exclude(snap, name) {
				w.stats.Excluded++
				return nil
			}
			return w.entry(ctx, snap, key, name, d)
		})
		if err != nil {
			return w.fail(fmt.Errorf("copying the shadow copy of %s: %w", snap.Volume, err))
		}
	}
	return nil
}

// CopyFiles stores the files listed, each with the directories above it,
// in the order given: the files of the components a backup selected, as
// requestor.CopySource.Files lists them. snaps are the backup's shadow
// copies, which name each file's volume. A file listed twice is stored
// once; Exclude does not apply (the list is already what to store).
func (w *Writer) CopyFiles(ctx context.Context, snaps []requestor.VolumeSnapshot, files []requestor.SnapshotFile) error {
	if err := w.usable(); err != nil {
		return err
	}
	for _, f := range files {
		snap := requestor.VolumeSnapshot{Volume: f.Volume, FS: f.FS}
		for _, s := range snaps {
			if s.Volume == f.Volume {
				snap.Properties = s.Properties
			}
		}
		if snap.FS == nil {
			return fmt.Errorf("the shadow copy of %s cannot be read in this process", f.Volume)
		}
		if !fs.ValidPath(f.Name) || f.Name == "." {
			return fmt.Errorf("%q is not a file inside the volume %s", f.Name, f.Volume)
		}
		key := w.volume(snap)
		names := []string{f.Name}
		for dir := path.Dir(f.Name); dir != "."; dir = path.Dir(dir) {
			names = append(names, dir)
		}
		for i := len(names) - 1; i >= 0; i-- {
			if err := ctx.Err(); err != nil {
				return err
			}
			info, err := fs.Lstat(snap.FS, names[i])
			if err != nil {
				return w.fail(fmt.Errorf("copying the shadow copy of %s: %w", f.Volume, err))
			}
			if err := w.entry(ctx, snap, key, names[i], fs.FileInfoToDirEntry(info)); err != nil {
				return w.fail(fmt.Errorf("copying the shadow copy of %s: %w", f.Volume, err))
			}
		}
	}
	return nil
}

// volume returns the key of snap's volume, adding the volume to the
// manifest the first time.
func (w *Writer) volume(snap requestor.VolumeSnapshot) string {
	for _, v := range w.vols {
		if v.Name == snap.Volume {
			return v.Key
		}
	}
	base := volumeKey(snap.Volume)
	key := base
	for n := 2; w.hasKey(key); n++ {
		key = base + "-" + strconv.Itoa(n)
	}
	v := volumeRec{Name: snap.Volume, Key: key, Created: snap.Properties.Created}
	if !snap.Properties.ID.IsNil() {
		v.Snapshot = snap.Properties.ID.String()
	}
	if !snap.Properties.SetID.IsNil() {
		v.SnapshotSet = snap.Properties.SetID.String()
	}
	w.vols = append(w.vols, v)
	return key
}

func (w *Writer) hasKey(key string) bool {
	for _, v := range w.vols {
		if v.Key == key {
			return true
		}
	}
	return false
}

func (w *Writer) skip(snap requestor.VolumeSnapshot, name, reason string) {
	w.stats.Skipped = append(w.stats.Skipped, Skip{Volume: snap.Volume, Path: name, Reason: reason})
}

// entry stores one entry of the walk.
func (w *Writer) entry(ctx context.Context, snap requestor.VolumeSnapshot, key, name string, d fs.DirEntry) error {
	if err := checkPath(name); err != nil {
		w.skip(snap, name, err.Error())
		if d.IsDir() {
			return fs.SkipDir
		}
		return nil
	}
	info, err := d.Info()
	if err != nil {
		return err
	}
	rec := fileRec{Volume: key, Path: name, Mode: "0" + strconv.FormatUint(uint64(info.Mode().Perm()), 8), ModTime: info.ModTime()}
	switch {
	case d.IsDir():
		rec.Type = typeDir
	case d.Type()&fs.ModeSymlink != 0:
		target, err := fs.ReadLink(snap.FS, name)
		if err != nil {
			w.skip(snap, name, "symbolic link not read: "+err.Error())
			return nil
		}
		target = strings.ReplaceAll(target, `\`, "/")
		if err := checkLink(name, target); err != nil {
			w.skip(snap, name, err.Error())
			return nil
		}
		rec.Type, rec.Link = typeLink, target
	case d.Type().IsRegular():
		rec.Type, rec.Size = typeFile, info.Size()
	default:
		w.skip(snap, name, "not a regular file, directory or symbolic link ("+d.Type().String()+")")
		return nil
	}
	entry := rec.entry()
	if w.seen[entry] {
		return nil
	}
	w.seen[entry] = true
	h := &tar.Header{Name: entry, Mode: int64(info.Mode().Perm()), ModTime: headerTime(rec.ModTime), Size: rec.Size, Linkname: rec.Link}
	switch rec.Type {
	case typeDir:
		h.Typeflag = tar.TypeDir
		w.stats.Dirs++
	case typeLink:
		h.Typeflag = tar.TypeSymlink
		w.stats.Links++
	default:
		h.Typeflag = tar.TypeReg
	}
	if err := w.tw.WriteHeader(h); err != nil {
		return err
	}
	if rec.Type == typeFile {
		sum, err := w.copyFile(ctx, snap.FS, name, rec.Size)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rec.SHA256 = sum
		w.stats.Files++
		w.stats.Bytes += rec.Size
	}
	w.files = append(w.files, rec)
	return nil
}

// writeDepth is how many blocks of a large file a Writer has in flight:
// one being read from the shadow copy while the others are written to the
// archive and hashed, each of those on a goroutine of its own, so that the
// three spread over the cores there are.
const writeDepth = 4

// copyFile streams one file into the archive and returns its SHA-256.
// For a large file, blocks are read into writeDepth buffers in turn and
// each is handed to the archive's write stage and to the pipe's hashing
// stage; a small one is written and hashed in line.
func (w *Writer) copyFile(ctx context.Context, fsys fs.FS, name string, size int64) (digest, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return digest{}, err
	}
	defer f.Close()
	if w.bufs == nil {
		w.bufs = make([]*[]byte, writeDepth)
		for i := range w.bufs {
			w.bufs[i] = bufPool.Get().(*[]byte)
		}
	}
	async := size > inlineSize
	if async && w.ws == nil {
		tw := w.tw
		w.ws = startStage(writeDepth, func(b []byte) error { _, err := tw.Write(b); return err })
	}
	p := w.pipe
	p.start(size, writeDepth)
	// done returns once at most n blocks are in flight, with the first
	// write error.
	done := func(n int) error {
		p.wait(n)
		if async {
			return w.ws.wait(n)
		}
		return nil
	}
	fail := func(err error) (digest, error) {
		done(0)
		p.drain()
		return digest{}, err
	}
	var n int64
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		if err := done(len(w.bufs) - 1); err != nil {
			return fail(err)
		}
		buf := *w.bufs[i%len(w.bufs)]
		if rest := size - n + 1; rest < int64(len(buf)) {
			buf = buf[:rest] // one byte more than expected shows a file that grew
		}
		m, rerr := io.ReadFull(f, buf)
		if m > 0 {
			if n+int64(m) > size {
				return fail(fmt.Errorf("the file grew past its size of %d bytes while it was read", size))
			}
			p.add(buf[:m])
			if async {
				w.ws.add(buf[:m])
			} else if _, err := w.tw.Write(buf[:m]); err != nil {
				return fail(err)
			}
			n += int64(m)
			if w.Progress != nil {
				w.Progress(m)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return fail(rerr)
		}
	}
	if err := done(0); err != nil {
		return fail(err)
	}
	if n != size {
		return fail(fmt.Errorf("read %d bytes of a %d-byte file", n, size))
	}
	return p.sum(), nil
}

// Finish ends the archive: it stores the backup components document
// (requestor.Result.BackupDocument) and the writer metadata documents
// (WriterMetadataXML), then the manifest and its digest, and writes the
// tar end marker. It does not close the io.Writer given to NewWriter.
// Each writer metadata document must parse (writer.ParseMetadata): its
// writer's name names its entry.
func (w *Writer) Finish(backupDocument string, writerMetadata []string) error {
	if err := w.usable(); err != nil {
		return err
	}
	w.release()
	if backupDocument == "" {
		return w.fail(errors.New("no backup components document: a restore needs it"))
	}
	m := manifest{Format: Format, Volumes: w.vols, Files: w.files}
	if m.Volumes == nil {
		m.Volumes = []volumeRec{}
	}
	if m.Files == nil {
		m.Files = []fileRec{}
	}
	m.Documents = make([]docRec, 0, 1+len(writerMetadata))
	m.Documents = append(m.Documents, docRec{Entry: backupDocEntry, Kind: kindBackup})
	for i, doc := range writerMetadata {
		md, err := writer.ParseMetadata([]byte(doc))
		if err != nil {
			return w.fail(fmt.Errorf("writer metadata document %d: %w", i+1, err))
		}
		name := fmt.Sprintf("%s%02d-%s.xml", writersDir, i+1, safeName(md.Name))
		m.Documents = append(m.Documents, docRec{Entry: name, Kind: kindWriter, Writer: md.Name})
	}
	for i := range m.Documents {
		doc := backupDocument
		if i > 0 {
			doc = writerMetadata[i-1]
		}
		d := &m.Documents[i]
		d.Size, d.SHA256 = int64(len(doc)), sha256.Sum256([]byte(doc))
		if err := w.small(d.Entry, []byte(doc)); err != nil {
			return w.fail(err)
		}
	}
	b, err := m.encode()
	if err != nil {
		return w.fail(err)
	}
	if err := w.small(manifestEntry, b); err != nil {
		return w.fail(err)
	}
	if err := w.small(digestEntry, digestLine(sha256.Sum256(b))); err != nil {
		return w.fail(err)
	}
	if err := w.tw.Close(); err != nil {
		return w.fail(err)
	}
	w.done = true
	return nil
}

// small stores a document held in memory.
func (w *Writer) small(name string, b []byte) error {
	if err := w.tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b)), ModTime: w.docTime()}); err != nil {
		return err
	}
	_, err := w.tw.Write(b)
	return err
}

// headerTime is the time a tar header gives an entry whose exact time
// the manifest keeps: the time to the second where the header's plain
// field holds it (1970 to 2242), the Unix epoch otherwise, so that no
// entry needs a PAX time record.
func headerTime(t time.Time) time.Time {
	if s := t.Unix(); s >= 0 && s < 1<<33 {
		return time.Unix(s, 0)
	}
	return time.Unix(0, 0)
}

// docTime is the time the documents are stamped with: the creation of
// the first shadow copy, the moment the backup's data is from; the Unix
// epoch when none is known.
func (w *Writer) docTime() time.Time {
	if len(w.vols) > 0 && !w.vols[0].Created.IsZero() {
		return headerTime(w.vols[0].Created)
	}
	return time.Unix(0, 0)
}

// release ends the hashing and writing goroutines and gives the buffers
// back.
func (w *Writer) release() {
	w.pipe.stop()
	if w.ws != nil {
		w.ws.stop()
		w.ws = nil
	}
	for _, b := range w.bufs {
		bufPool.Put(b)
	}
	w.bufs = nil
}

// Abandon ends a Writer that will not be finished (a failed backup): it
// frees what the Writer holds. The archive is left incomplete.
func (w *Writer) Abandon() {
	w.release()
	w.fail(errors.New("abandoned"))
}

// WriterMetadataXML returns the writer metadata documents of a backup,
// as Finish stores them: the documents the writers wrote, unchanged, when
// the session has the requestor.MetadataSaver capability; otherwise, or
// when its WriterMetadataXML fails with vss.ErrNotSupported (a remote
// session whose agent lacks it), res.Metadata written as XML
// (writer.Metadata.XML, which keeps what it does not model).
func WriterMetadataXML(ctx context.Context, r requestor.Requestor, res *requestor.Result) ([]string, error) {
	if ms, ok := r.(requestor.MetadataSaver); ok {
		docs, err := ms.WriterMetadataXML(ctx)
		if !errors.Is(err, vss.ErrNotSupported) {
			return docs, err
		}
	}
	docs := make([]string, len(res.Metadata))
	for i, md := range res.Metadata {
		doc, err := md.XML()
		if err != nil {
			return nil, fmt.Errorf("writer metadata of %q: %w", md.Name, err)
		}
		docs[i] = doc
	}
	return docs, nil
}

// CheckWritten reads back from r the archive w is writing, from its
// start, and checks each entry CopySnapshot has written so far against
// what was written: name, type, size, link and SHA-256. A tool calls it
// from requestor.Plan.Copy, once the data is flushed to its media, so
// that the writers are told the backup succeeded only when the data reads
// back as written; Verify checks the whole archive once Finish is done.
func (w *Writer) CheckWritten(ctx context.Context, r io.Reader) error {
	s := newScanner(r, -1)
	p := newPipe()
	defer p.stop()
	bufs := [2]*[]byte{bufPool.Get().(*[]byte), bufPool.Get().(*[]byte)}
	defer func() { bufPool.Put(bufs[0]); bufPool.Put(bufs[1]) }()
	for i := range w.files {
		f := &w.files[i]
		e, err := s.next()
		if err != nil {
			return err
		}
		if e == nil || e.name != f.entry() {
			return entryErr(f.entry(), fmt.Errorf("%w: written but not read back in its place", ErrCorrupt))
		}
		if e.size > 0 {
			if err := hashEntry(ctx, s, e, p, bufs); err != nil {
				p.drain()
				return err
			}
		}
		if e.size != f.Size || e.link != f.Link || f.Type == typeFile && e.sum != f.SHA256 && f.Size > 0 {
			return entryErr(e.name, fmt.Errorf("%w: it reads back unlike what was written", ErrCorrupt))
		}
	}
	return nil
}
