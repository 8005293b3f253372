package simulate

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// Files excluded from shadow copies. Microsoft's "Excluding Files from
// Shadow Copies" gives a writer two steps: it reports the files with
// IVssCreateWriterMetadataEx::AddExcludeFilesFromSnapshot (in its writer
// metadata, writer.Metadata.AddExcludeFromSnapshot), and "in the writer's
// CVssWriter::OnPostSnapshot method, delete the files from the shadow
// copy", which is still writable then (auto-recovery); a context with
// VSS_VOLSNAP_ATTR_NO_AUTORECOVERY excludes nothing. VSS itself deletes
// nothing a writer declares: only the files an application lists under
// the FilesNotToSnapshot registry key, through the in-box Shadow Copy
// Optimization Writer. The simulator follows the page: a writer deletes
// from the shadow copies it is given at PostSnapshot (ExcludeFromShadowCopies),
// and a ScriptedWriter made WithExcludeFromSnapshot takes both steps;
// NewOptimizationWriter is the in-box writer that deletes the files of
// FilesNotToSnapshot.

// Remove deletes the file name from the shadow copy, leaving the volume
// and every other shadow copy of it as they are: what a writer does at
// PostSnapshot to the files it excludes from shadow copies. Only a
// shadow copy still being created should be changed so; a directory
// cannot be removed. The error is an *fs.PathError (fs.ErrNotExist,
// ErrIsDir, fs.ErrClosed after Release).
func (s *VolumeSnapshot) Remove(name string) error {
	const op = "remove"
	p, err := cleanPath(op, name)
	if err != nil {
		return err
	}
	dir, base := split(p)
	if base == "" {
		return &fs.PathError{Op: op, Path: name, Err: ErrIsDir}
	}
	v := s.v
	v.mu.Lock()
	defer v.mu.Unlock()
	if s.released {
		return &fs.PathError{Op: op, Path: name, Err: fs.ErrClosed}
	}
	// The path is copied, never changed in place: the volume and other
	// shadow copies may share every node of it. Copies belong to this
	// shadow copy alone (generation 0: the volume never writes them).
	root := s.root.clone(0)
	n := root
	eachElem(dir, func(e string) bool {
		c, ok := n.entries[e]
		switch {
		case !ok:
			err = &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		case !c.dir:
			err = &fs.PathError{Op: op, Path: name, Err: ErrNotDir}
		default:
			c = c.clone(0)
			n.entries[e] = c
			n = c
			return true
		}
		return false
	})
	if err != nil {
		return err
	}
	f, ok := n.entries[base]
	switch {
	case !ok:
		return &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	case f.dir:
		return &fs.PathError{Op: op, Path: name, Err: ErrIsDir}
	}
	delete(n.entries, base)
	s.root = root
	return nil
}

// ShadowCopy returns the shadow copy whose device object is device
// (\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopyN, as
// writer.Event.SnapshotDevices names it), made by a provider of this
// machine and not yet deleted: what a writer opens at PostSnapshot.
func (s *VolumeSet) ShadowCopy(device string) (*VolumeSnapshot, bool) {
	s.mu.Lock()
	snap, ok := s.shadows[device]
	s.mu.Unlock()
	if !ok || snap.Released() {
		return nil, false
	}
	return snap, true
}

// bindDevice gives snap the machine's next device object and returns it.
func (s *VolumeSet) bindDevice(snap *VolumeSnapshot) string {
	dev := s.nextDevice()
	s.mu.Lock()
	if s.shadows == nil {
		s.shadows = map[string]*VolumeSnapshot{}
	}
	for d, old := range s.shadows { // forget deleted shadow copies
		if old.Released() {
			delete(s.shadows, d)
		}
	}
	s.shadows[dev] = snap
	s.mu.Unlock()
	return dev
}

// ExcludeFromShadowCopies deletes the files of files from the shadow
// copies of the set e describes (e.SnapshotDevices, at PostSnapshot),
// found on vols: Microsoft's second step of excluding files from shadow
// copies, which the writer that declared them takes in OnPostSnapshot. A
// file set's path names a volume of the set and a directory on it
// (`C:\app\tmp`), or, starting with one backslash, that directory on
// every volume of the set (`\System Volume Information\Heat`, as the
// Shadow Copy Optimization Writer declares some); its specification names
// the files (wildcards * and ?, in any case, as Windows matches them;
// "*.*" is every file), and Recursive takes in its subdirectories. A file set on a volume not in the set, or a
// directory that does not exist, deletes nothing, as the page says ("the
// entry is ignored if there are no files that match"). In a context
// with VSS_VOLSNAP_ATTR_NO_AUTORECOVERY nothing is deleted ("no files can
// be excluded from the shadow copy"). It returns how many files it
// deleted.
func ExcludeFromShadowCopies(vols *VolumeSet, e *writer.Event, files []writer.FileSpec) (int, error) {
	if vss.SnapshotAttributes(e.Context)&vss.AttrNoAutoRecovery != 0 {
		return 0, nil
	}
	n := 0
	var errs []error
	remove := func(vol, dir string, f writer.FileSpec) {
		snap, ok := vols.ShadowCopy(e.SnapshotDevices[vol])
		if !ok {
			errs = append(errs, fmt.Errorf("simulate: no shadow copy %s of volume %s", e.SnapshotDevices[vol], vol))
			return
		}
		k, err := removeMatching(snap, dir, f.Spec, f.Recursive)
		n += k
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, f := range files {
		if dir, ok := onEveryVolume(f.Path); ok {
			for _, vol := range slices.Sorted(maps.Keys(e.SnapshotDevices)) {
				remove(vol, dir, f)
			}
			continue
		}
		if vol, dir, ok := onVolume(f.Path, e.SnapshotDevices); ok {
			remove(vol, dir, f)
		}
	}
	return n, errors.Join(errs...)
}

// onEveryVolume returns the clean directory of a path that names no
// volume (`\Temp`), which lies on every volume; ok is false for any
// other path.
func onEveryVolume(p string) (dir string, ok bool) {
	if !strings.HasPrefix(p, `\`) || strings.HasPrefix(p, `\\`) {
		return "", false
	}
	d, err := cleanPath("exclude", p)
	return d, err == nil
}

// onVolume splits a Windows path into the volume of devices it lies on
// and the clean directory on it.
func onVolume(p string, devices map[string]string) (vol, dir string, ok bool) {
	best := ""
	for v := range devices {
		prefix := strings.TrimRight(v, `\`)
		if len(p) >= len(prefix) && strings.EqualFold(p[:len(prefix)], prefix) &&
			(len(p) == len(prefix) || p[len(prefix)] == '\\') && len(v) > len(best) {
			best = v
		}
	}
	if best == "" {
		return "", "", false
	}
	d, err := cleanPath("exclude", p[len(strings.TrimRight(best, `\`)):])
	if err != nil {
		return "", "", false
	}
	return best, d, true
}

// removeMatching removes from snap the files of directory dir whose
// names match spec, and those of its subdirectories when recursive.
func removeMatching(snap *VolumeSnapshot, dir, spec string, recursive bool) (int, error) {
	victims, err := matchFiles(snap, dir, spec, recursive)
	n := 0
	for _, p := range victims {
		if rerr := snap.Remove(p); rerr != nil {
			err = errors.Join(err, rerr)
			continue
		}
		n++
	}
	return n, err
}

// matchFiles returns the files of directory dir of fsys whose names match
// spec as Windows matches them (in any case; "*.*" is every file), and
// those of its subdirectories when recursive. A directory that does not
// exist holds none.
func matchFiles(fsys fs.FS, dir, spec string, recursive bool) ([]string, error) {
	pattern := strings.ToLower(spec)
	if pattern == "*.*" {
		pattern = "*"
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("simulate: file specification %q: %w", spec, err)
	}
	var found []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			if errors.Is(err, fs.ErrNotExist) {
				return fs.SkipDir
			}
			return err
		case d.IsDir() && p != dir && !recursive:
			return fs.SkipDir
		case !d.IsDir():
			if ok, _ := path.Match(pattern, strings.ToLower(d.Name())); ok {
				found = append(found, p)
			}
		}
		return nil
	})
	return found, err
}

// FileSetFiles returns the files of file set f in fsys, the contents of
// the volume named volume or of a shadow copy of it, as
// ExcludeFromShadowCopies finds them: none when f lies on another volume.
// A test checks with it that a shadow copy holds none of the files a
// writer excludes.
func FileSetFiles(fsys fs.FS, volume string, f writer.FileSpec) ([]string, error) {
	dir, ok := onEveryVolume(f.Path)
	if !ok {
		if _, dir, ok = onVolume(f.Path, map[string]string{volume: ""}); !ok {
			return nil, nil
		}
	}
	return matchFiles(fsys, dir, f.Spec, f.Recursive)
}

// WithExcludeFromSnapshot makes the writer exclude files from shadow
// copies as Microsoft's "Excluding Files from Shadow Copies" says a
// writer does: it declares them in its writer metadata at Identify
// (AddExcludeFromSnapshot, after its own WithIdentify handler) and
// deletes them from the shadow copies of vols at PostSnapshot
// (ExcludeFromShadowCopies), after its script.
func WithExcludeFromSnapshot(vols *VolumeSet, files ...writer.FileSpec) WriterOption {
	return func(w *ScriptedWriter) {
		w.exclude = &exclusion{vols: vols, files: append([]writer.FileSpec(nil), files...)}
	}
}

// exclusion is what a ScriptedWriter excludes from shadow copies.
type exclusion struct {
	vols  *VolumeSet
	files []writer.FileSpec
}

// OptimizationWriterClass is the writer class of the Shadow Copy
// Optimization Writer, the in-box writer that deletes the files of the
// FilesNotToSnapshot registry key from shadow copies (as Windows Server
// 2012 reports it in its writer metadata).
var OptimizationWriterClass = vss.MustParseID("4dc3bdd4-ab48-4d07-adb0-3bee2926fd7f")

// NewOptimizationWriter returns the machine's Shadow Copy Optimization
// Writer, for a machine whose FilesNotToSnapshot registry key lists
// filesNotToSnapshot: "After a file is added to the appropriate registry
// key value, it is deleted from the shadow copy during creation by the
// shadow copy optimization writer" (Microsoft's "Excluding Files from
// Shadow Copies"). As on Windows, it declares them in its writer metadata
// as files excluded from shadow copies, one file set per directory (the
// registry's "path\spec /s" is Path, Spec and Recursive; a path that
// starts with a backslash means every volume, as $AllVolumes$ does), and
// deletes them from the shadow copies of vols at PostSnapshot. It has the
// real writer's class, name, usage and source.
func NewOptimizationWriter(vols *VolumeSet, filesNotToSnapshot ...writer.FileSpec) *ScriptedWriter {
	w := NewScriptedWriter("Shadow Copy Optimization Writer", WithUsage(vss.UsageUserData, vss.SourceOther),
		WithExcludeFromSnapshot(vols, filesNotToSnapshot...))
	w.info.ClassID = OptimizationWriterClass
	return w
}
