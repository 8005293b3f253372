package simulate

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sync"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// AppLog is an application's transaction log as database servers such as
// SQL Server and Exchange keep one: log files on a volume that pile up,
// one per Append, until a backup that takes the log completes, when the
// application truncates the log, deleting the files that backup holds.
// Which backups take the log is the writer's business, and the reason a
// backup tool's choice of backup type matters: Microsoft's "Writer Role
// in Backing Up Complex Stores" says log files "may be truncated" by a
// full backup, are "typically" truncated by a log backup, and "should
// never be truncated as a result of a copy backup". A tool that does not
// keep the application's logs itself must therefore take copy backups, or
// the logs it did not keep are gone.
//
// This log is truncated by a full or a log backup (vss.BackupFull,
// vss.BackupLog), as SQL Server's is, never by a copy, incremental or
// differential one: the library's choice among what Microsoft allows
// (Exchange also truncates on incremental backups).
//
// A writer keeps the log with WithAppLog. An AppLog is safe for use by
// several goroutines.
type AppLog struct {
	vol *Volume
	dir string

	mu      sync.Mutex
	next    int      // number of the next log file
	backing []string // the log files of the shadow copy being made, noted at Freeze
}

// NewAppLog returns the log an application keeps in directory dir of vol
// ("log" when empty). It writes nothing until Append.
func NewAppLog(vol *Volume, dir string) *AppLog {
	if dir == "" {
		dir = "log"
	}
	return &AppLog{vol: vol, dir: dir, next: 1}
}

// Dir returns the directory that holds the log files.
func (l *AppLog) Dir() string { return l.dir }

// Append writes data to the log as a new log file, dir/00000001.log and
// so on, and returns its path. Like any direct write to the volume it
// fails with ErrWritesHeld while VSS holds the volume's writes.
func (l *AppLog) Append(data []byte) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.vol.MkdirAll(l.dir); err != nil {
		return "", err
	}
	name := path.Join(l.dir, fmt.Sprintf("%08d.log", l.next))
	if err := l.vol.WriteFile(name, data); err != nil {
		return "", err
	}
	l.next++
	return name, nil
}

// Files returns the log files on the live volume, oldest first.
func (l *AppLog) Files() ([]string, error) { return l.files(l.vol.FS()) }

// files lists the log files of fsys, oldest first.
func (l *AppLog) files(fsys fs.FS) ([]string, error) {
	ents, err := fs.ReadDir(fsys, l.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && path.Ext(e.Name()) == ".log" {
			names = append(names, path.Join(l.dir, e.Name()))
		}
	}
	slices.Sort(names)
	return names, nil
}

// truncates reports whether a backup of type t truncates the log.
func (l *AppLog) truncates(t vss.BackupType) bool {
	return t == vss.BackupFull || t == vss.BackupLog
}

// freeze notes the log files the shadow copy will hold: the application
// writes nothing while frozen, so they are the files there now.
func (l *AppLog) freeze() error {
	files, err := l.Files()
	l.mu.Lock()
	l.backing = files
	l.mu.Unlock()
	return err
}

// stamp records, at PostSnapshot, the last log file the backup holds as
// the backup stamp of every component of e, so that a later incremental
// backup learns where this one stopped.
func (l *AppLog) stamp(e *writer.Event) {
	l.mu.Lock()
	last := ""
	if n := len(l.backing); n > 0 {
		last = l.backing[n-1]
	}
	l.mu.Unlock()
	for _, c := range e.Components {
		c.SetBackupStamp("log:" + last)
	}
}

// backupComplete truncates the log at BackupComplete when the backup
// takes the log and holds it: its type truncates, and the requestor
// reported every selected component backed up (SetBackupSucceeded), or
// the backup was not in component mode. It deletes the files the shadow
// copy holds, no later one.
func (l *AppLog) backupComplete(e *writer.Event) error {
	l.mu.Lock()
	files := l.backing
	l.backing = nil
	l.mu.Unlock()
	if !l.truncates(e.BackupType) {
		return nil
	}
	if e.ComponentsSelected {
		if len(e.Components) == 0 {
			return nil
		}
		for _, c := range e.Components {
			if !c.BackupSucceeded {
				return nil
			}
		}
	}
	var errs []error
	for _, f := range files {
		if err := l.vol.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// abort forgets the files noted for a shadow copy that will not be
// backed up.
func (l *AppLog) abort() {
	l.mu.Lock()
	l.backing = nil
	l.mu.Unlock()
}

// WithAppLog makes the writer keep log, as the writer of a database
// server does: at Freeze it notes the log files the shadow copy will
// hold, at PostSnapshot it records the last of them as the backup stamp
// of its selected components, and at BackupComplete it truncates the log
// if the backup type takes the log (see AppLog). Its script runs first
// at each event; a scripted failure leaves the log alone.
func WithAppLog(log *AppLog) WriterOption { return func(w *ScriptedWriter) { w.log = log } }

// Log returns the log the writer keeps (WithAppLog), or nil.
func (w *ScriptedWriter) Log() *AppLog { return w.log }
