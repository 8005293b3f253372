package media

import "errors"

// Errors of reading a backup archive back; every one comes wrapped in an
// *EntryError that names the entry, and errors.Is matches them through it.
var (
	// ErrCorrupt is an archive whose content differs from what was
	// recorded when it was written: a file or document whose size or
	// SHA-256 does not match the manifest, a damaged tar header, an entry
	// the manifest does not list, or a manifest that does not match its
	// digest.
	ErrCorrupt = errors.New("corrupt")
	// ErrTruncated is an archive that ends too early: in an entry's data,
	// before its manifest, or without the tar end marker.
	ErrTruncated = errors.New("truncated")
	// ErrUnsafePath is an entry a restore could not write inside its
	// target: a name with "..", an absolute, drive or device path, an
	// entry beneath a symbolic link, or a symbolic link pointing out of
	// its volume.
	ErrUnsafePath = errors.New("unsafe path")
)

// EntryError is a failure to read one entry of a backup archive.
type EntryError struct {
	Entry string // the tar entry name, for example data/C/Users/ann/plan.txt
	Err   error  // wraps ErrCorrupt, ErrTruncated, ErrUnsafePath or an I/O error
}

func (e *EntryError) Error() string { return "backup archive entry " + e.Entry + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *EntryError) Unwrap() error { return e.Err }

func entryErr(entry string, err error) error { return &EntryError{Entry: entry, Err: err} }
