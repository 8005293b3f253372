package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
	"time"
)

// Format names this archive format in its manifest.
const Format = "vsskit-backup/1"

// maxManifest bounds the manifest a reader loads: about five million
// files. This is this library's limit.
const maxManifest = 1 << 30

// manifest is vss/manifest.json: what the archive holds, with each file's
// size and SHA-256, in the order of the entries.
type manifest struct {
	Format    string      `json:"format"`
	Volumes   []volumeRec `json:"volumes"`
	Documents []docRec    `json:"documents"`
	Files     []fileRec   `json:"files"`
}

// volumeRec is one volume of the snapshot set.
type volumeRec struct {
	Name        string    `json:"name"` // as added to the snapshot set, e.g. C:\
	Key         string    `json:"key"`  // its directory under data/
	Snapshot    string    `json:"snapshot,omitempty"`
	SnapshotSet string    `json:"snapshotSet,omitempty"`
	Created     time.Time `json:"created,omitzero"`
}

// Document kinds.
const (
	kindBackup = "backup-components"
	kindWriter = "writer-metadata"
)

// docRec is one document entry.
type docRec struct {
	Entry  string `json:"entry"`
	Kind   string `json:"kind"`
	Writer string `json:"writer,omitempty"`
	Size   int64  `json:"size"`
	SHA256 digest `json:"sha256"`
}

// File types as the manifest writes them.
const (
	typeFile = "file"
	typeDir  = "dir"
	typeLink = "symlink"
)

// fileRec is one file, directory or symbolic link of a volume.
type fileRec struct {
	Volume  string    `json:"volume"` // the volume's key
	Path    string    `json:"path"`
	Type    string    `json:"type"`
	Size    int64     `json:"size,omitempty"`
	Mode    string    `json:"mode"` // permission bits, octal
	ModTime time.Time `json:"modTime"`
	Link    string    `json:"link,omitempty"`
	SHA256  digest    `json:"sha256,omitzero"`
}

// entry is the tar name of the record.
func (f *fileRec) entry() string {
	if f.Type == typeDir {
		return dataDir + f.Volume + "/" + f.Path + "/"
	}
	return dataDir + f.Volume + "/" + f.Path
}

// mode is the record's fs.FileMode.
func (f *fileRec) mode() (fs.FileMode, error) {
	perm, err := strconv.ParseUint(f.Mode, 8, 32)
	if err != nil || perm&^0o7777 != 0 {
		return 0, fmt.Errorf("mode %q is not octal permission bits", f.Mode)
	}
	m := fs.FileMode(perm) & fs.ModePerm
	switch f.Type {
	case typeFile:
	case typeDir:
		m |= fs.ModeDir
	case typeLink:
		m |= fs.ModeSymlink
	default:
		return 0, fmt.Errorf("type %q is not file, dir or symlink", f.Type)
	}
	return m, nil
}

// digest is a SHA-256, written in hex.
type digest [sha256.Size]byte

func (d digest) MarshalText() ([]byte, error) { return hex.AppendEncode(nil, d[:]), nil }

func (d *digest) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != len(d) {
		return fmt.Errorf("a SHA-256 has 64 hex digits, not %d", len(b))
	}
	_, err := hex.Decode(d[:], b)
	return err
}

// encode writes the manifest as JSON, one file to a line.
func (m *manifest) encode() ([]byte, error) {
	var b bytes.Buffer
	head, err := json.Marshal(struct {
		Format    string      `json:"format"`
		Volumes   []volumeRec `json:"volumes"`
		Documents []docRec    `json:"documents"`
	}{m.Format, m.Volumes, m.Documents})
	if err != nil {
		return nil, err
	}
	b.Write(head[:len(head)-1])
	b.WriteString(",\n\"files\":[")
	for i := range m.Files {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		rec, err := json.Marshal(&m.Files[i])
		if err != nil {
			return nil, err
		}
		b.Write(rec)
	}
	b.WriteString("\n]}\n")
	return b.Bytes(), nil
}

// decodeManifest reads a manifest and checks what does not depend on the
// entries: the format, the volumes' keys, each file's path, type and link.
func decodeManifest(b []byte) (*manifest, error) {
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("%w: format %q, this reader knows %q", ErrCorrupt, m.Format, Format)
	}
	keys := map[string]bool{}
	for _, v := range m.Volumes {
		if !validKey(v.Key) || keys[v.Key] {
			return nil, fmt.Errorf("%w: volume %q has the key %q, not one directory name of its own", ErrUnsafePath, v.Name, v.Key)
		}
		keys[v.Key] = true
	}
	return &m, nil
}

// digestLine is the content of vss/manifest.json.sha256, in the form
// sha256sum writes and checks (sha256sum -c in vss/).
func digestLine(sum digest) []byte {
	return fmt.Appendf(nil, "%x  manifest.json\n", sum[:])
}

func sumOfNothing() [sha256.Size]byte { return sha256.Sum256(nil) }
