package requestor

import (
	"io"
	"io/fs"
	"time"
)

// Media is a stored backup as Restore reads it: the files of each volume's
// shadow copy, the backup components document and the writer metadata
// documents saved with them (step 11, read back).
type Media interface {
	// BackupDocument returns the backup components document saved with the backup.
	BackupDocument() (string, error)
	// WriterMetadata returns the writer metadata documents saved with the backup, as XML.
	WriterMetadata() ([]string, error)
	// Files lists the files stored, in the order they were stored.
	Files() ([]MediaFile, error)
	// Open returns a stored file's content. Reading it to the end checks it
	// against what was recorded at backup time; a mismatch or a truncated
	// entry is an error that names the entry.
	Open(f MediaFile) (io.ReadCloser, error)
}

// MediaFile is one file of a stored backup.
type MediaFile struct {
	Volume  string      // the volume as added to the snapshot set, e.g. `C:\`
	Path    string      // slash-separated, relative to the volume root (fs.ValidPath)
	Size    int64       // bytes, for a regular file
	Mode    fs.FileMode // a regular file, a directory or a symbolic link (fs.ModeSymlink)
	ModTime time.Time
	Link    string   // the link's target, for a symbolic link
	SHA256  [32]byte // the content's digest, for a regular file
}
