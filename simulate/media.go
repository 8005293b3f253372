package simulate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"sync"

	"github.com/vsskit/vss/requestor"
)

// MemoryMedia is a stored backup held in memory, a requestor.Media: what
// a backup tool keeps in step 11 (every file of every shadow copy, the
// backup components document, the writer metadata documents), for tests
// and examples that restore a simulated backup without an archive. Use
// Copy as the backup plan's Copy, then Keep with the backup's result:
//
//	m := simulate.NewMemoryMedia()
//	res, err := requestor.Backup(ctx, session, requestor.Plan{Volumes: vols, Copy: m.Copy})
//	...
//	err = m.Keep(res)
//	_, err = requestor.Restore(ctx, restoreSession, m, plan)
//
// Reading a stored file to its end checks it against the SHA-256 digest
// recorded when it was stored, as the Media contract asks. It is safe for
// concurrent use.
type MemoryMedia struct {
	mu      sync.Mutex
	bcd     string
	wmds    []string
	files   []requestor.MediaFile
	content map[string][]byte
}

// NewMemoryMedia returns an empty medium.
func NewMemoryMedia() *MemoryMedia { return &MemoryMedia{content: map[string][]byte{}} }

func mediaKey(volume, path string) string { return volume + "|" + path }

// Copy stores every directory, regular file and symbolic link of every
// shadow copy, walking each from its root, less the files the writers'
// exclude lists name (src.Excludes): a requestor.Plan's Copy.
func (m *MemoryMedia) Copy(ctx context.Context, src *requestor.CopySource) error {
	excluded := src.Excludes()
	for _, s := range src.Snapshots {
		if s.FS == nil {
			return fmt.Errorf("simulate: the shadow copy of %s cannot be read in process", s.Volume)
		}
		err := fs.WalkDir(s.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == "." {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if !d.IsDir() && excluded.Excludes(s.OriginalPath(p)) {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			f := requestor.MediaFile{Volume: s.Volume, Path: p, Mode: info.Mode(), ModTime: info.ModTime()}
			var b []byte
			switch {
			case d.Type().IsRegular():
				if b, err = fs.ReadFile(s.FS, p); err != nil {
					return err
				}
			case d.Type()&fs.ModeSymlink != 0:
				if rl, ok := s.FS.(fs.ReadLinkFS); ok {
					if f.Link, err = rl.ReadLink(p); err != nil {
						return err
					}
				}
			}
			m.Add(f, b)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Keep stores the documents of a finished backup: its backup components
// document and the writer metadata documents of its writers.
func (m *MemoryMedia) Keep(res *requestor.Result) error {
	var wmds []string
	for _, md := range res.Metadata {
		x, err := md.XML()
		if err != nil {
			return err
		}
		wmds = append(wmds, x)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bcd, m.wmds = res.BackupDocument, wmds
	return nil
}

// Add stores one more file, after the others; for a regular file its size
// and digest are set from content.
func (m *MemoryMedia) Add(f requestor.MediaFile, content []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f.Mode.IsRegular() {
		f.Size, f.SHA256 = int64(len(content)), sha256.Sum256(content)
		m.content[mediaKey(f.Volume, f.Path)] = bytes.Clone(content)
	}
	m.files = append(m.files, f)
}

// Damage replaces what is stored for a regular file without changing
// what was recorded about it, as a bad medium would: reading it to its
// end then fails. It reports whether the file is stored.
func (m *MemoryMedia) Damage(volume, path string, content []byte) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := mediaKey(volume, path)
	if _, ok := m.content[k]; !ok {
		return false
	}
	m.content[k] = bytes.Clone(content)
	return true
}

// BackupDocument implements requestor.Media.
func (m *MemoryMedia) BackupDocument() (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bcd, nil
}

// WriterMetadata implements requestor.Media.
func (m *MemoryMedia) WriterMetadata() ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.wmds...), nil
}

// Files implements requestor.Media.
func (m *MemoryMedia) Files() ([]requestor.MediaFile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]requestor.MediaFile(nil), m.files...), nil
}

// Open implements requestor.Media.
func (m *MemoryMedia) Open(f requestor.MediaFile) (io.ReadCloser, error) {
	m.mu.Lock()
	b, ok := m.content[mediaKey(f.Volume, f.Path)]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("simulate: the medium holds no file %s of volume %s", f.Path, f.Volume)
	}
	return &checkedReader{r: bytes.NewReader(b), h: sha256.New(), want: f.SHA256, name: f.Volume + f.Path}, nil
}

// checkedReader reads a stored file and, at its end, checks its digest.
type checkedReader struct {
	r    io.Reader
	h    hash.Hash
	want [32]byte
	name string
}

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	if err == io.EOF && !bytes.Equal(c.h.Sum(nil), c.want[:]) {
		return n, fmt.Errorf("simulate: stored file %s does not match the digest recorded at backup", c.name)
	}
	return n, err
}

func (c *checkedReader) Close() error { return nil }

var _ requestor.Media = (*MemoryMedia)(nil)
