package requestor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// Where each stored file goes: the writer component that owns it (by the
// file sets of the stored writer metadata), its writer's restore method,
// the restore target the writer set at PreRestore, and the plan's new
// targets. See Restore.

// AtRebootSuffix ends the name of a file staged for replacement at
// reboot (VSS_RME_RESTORE_AT_REBOOT), written next to the file it
// replaces.
const AtRebootSuffix = ".vss-at-reboot"

// destinations computes where every stored file goes and checks that
// each stays inside the target, before anything is written.
func (rr *restoreRun) destinations() ([]*dest, error) {
	rr.step = "placing the files"
	failedClass := map[vss.ID]string{}
	for _, w := range rr.res.Writers {
		if w.State == vss.WriterFailedAtPreRestore {
			failedClass[w.ClassID] = "its writer failed at PreRestore: " + w.Detail
		}
	}
	var out []*dest
	for _, f := range rr.files {
		d := &dest{f: f, volume: f.Volume, name: f.Path}
		out = append(out, d)
		if f.Path == "." {
			d.skip = true // the volume's root: there already
			continue
		}
		md, ci, spec := rr.owner(f)
		if md == nil {
			d.skip = len(rr.plan.Components) > 0 // a plan of components restores their files only
			continue
		}
		d.comp = rr.compOf(md, ci)
		c := d.comp
		if f.Mode.Type() != fs.ModeDir {
			c.total++
		}
		switch {
		case rr.doc.SelectComponents && !c.selected:
			d.skip = true
			continue
		case !rr.doc.SelectComponents && len(rr.plan.Components) > 0 && !rr.wanted(c):
			d.skip = true
			continue
		}
		if why := failedClass[md.ClassID]; why != "" && c.failed == "" {
			c.failed = why
		}
		if c.failed != "" {
			continue
		}
		if err := rr.place(d, md, spec); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// place sets d's destination from its writer's restore method and
// target, or fails its component with the reason it cannot be restored.
// An error means a destination that leads out of the target.
func (rr *restoreRun) place(d *dest, md *writer.Metadata, spec writer.FileSpec) error {
	c := d.comp
	method := vss.RestoreMethodUndefined
	var rm writer.RestoreMethod
	if md.RestoreMethod != nil {
		rm = *md.RestoreMethod
		method = rm.Method
	}
	target := rr.liveTarget(c)
	for _, nt := range rr.plan.NewTargets {
		if nt.WriterClass == c.class && nt.Component == c.comp.Key() && nt.Files.SameSet(spec) {
			return rr.relocate(d, spec, nt.Files.AlternatePath)
		}
	}
	switch {
	case target == vss.RestoreTargetDirected:
		c.failed = "its writer asked for directed targets (VSS_RT_DIRECTED), which this restore does not support"
		return nil
	case target == vss.RestoreTargetAlternate ||
		(method == vss.RestoreToAlternateLocation && target != vss.RestoreTargetOriginalLocation):
		for i := range rm.AlternateLocations {
			alt := &rm.AlternateLocations[i]
			if alt.SameSet(spec) {
				d.altUsed = alt
				return rr.relocate(d, spec, alt.AlternatePath)
			}
		}
		c.failed = fmt.Sprintf("it must go to an alternate location, and its writer maps none for %s (%s)", spec.Path, spec.Spec)
		return nil
	}
	switch method {
	case vss.RestoreCustom:
		c.failed = "its writer's restore method is custom (VSS_RME_CUSTOM): " + rm.UserProcedure
	case vss.RestoreStopRestoreStart, vss.RestoreStopStart:
		if rr.plan.Services == nil {
			c.failed = fmt.Sprintf("service %q must be stopped for it and the plan has no ServiceControl", rm.Service)
		}
	case vss.RestoreAtReboot:
		if d.f.Mode.Type() == 0 {
			d.staged, d.final = true, d.name
			d.name += AtRebootSuffix
		}
	}
	return nil
}

// relocate moves d from its file set's directory to dir, a Windows path
// with a drive, keeping the file's path below the set's directory. A
// destination that is not on a drive, or leads above its root, is an
// error.
func (rr *restoreRun) relocate(d *dest, spec writer.FileSpec, dir string) error {
	_, from, _ := splitWindowsPath(spec.Path)
	vol, to, ok := splitWindowsPath(dir)
	if !ok {
		return vss.Errorf(vss.ErrInvalidArg, "Restore", "restore location %q of %s is not a path on a drive inside the restore target; nothing was restored", dir, d.f.Path)
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(d.f.Path, from), "/")
	name := path.Clean(path.Join(to, rel))
	if !fs.ValidPath(name) || name == "." {
		return vss.Errorf(vss.ErrInvalidArg, "Restore", "restore location %q of %s leads out of the restore target; nothing was restored", dir, d.f.Path)
	}
	if d.f.Mode.Type() == fs.ModeSymlink && !linkStaysInside(name, d.f.Link) {
		return vss.Errorf(vss.ErrInvalidArg, "Restore", "symbolic link %s to %q would lead out of the restore target at %s; nothing was restored", d.f.Path, d.f.Link, dir)
	}
	d.volume, d.name = vol, name
	return nil
}

// splitWindowsPath splits a Windows path with a drive, `D:\restored\app`,
// into its volume (`D:\`) and the slash-separated path below the root
// ("restored/app"); ok is false for a path without a drive letter. The
// path is not cleaned: ".." elements stay for the caller to refuse.
func splitWindowsPath(p string) (volume, rel string, ok bool) {
	p = strings.ReplaceAll(p, `\`, "/")
	if len(p) < 2 || p[1] != ':' || !(p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z') {
		return "", "", false
	}
	return strings.ToUpper(p[:1]) + `:\`, strings.Trim(p[2:], "/"), true
}

// sameVolume reports whether two volume names are the same volume.
func sameVolume(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, `\/`), strings.TrimRight(b, `\/`))
}

// owner returns the stored writer metadata, component and file set that
// a stored file belongs to, or a nil md.
func (rr *restoreRun) owner(f MediaFile) (*writer.Metadata, *writer.ComponentInfo, writer.FileSpec) {
	for _, md := range rr.mds {
		for _, ci := range md.Components {
			for _, list := range [][]writer.FileSpec{ci.Files, ci.DatabaseFiles, ci.LogFiles} {
				for _, s := range list {
					if specMatches(s, f) {
						return md, ci, s
					}
				}
			}
		}
	}
	return nil, nil, writer.FileSpec{}
}

// specMatches reports whether stored file f is in file set s; a
// directory is when it is the set's directory or, for a recursive set,
// below it.
func specMatches(s writer.FileSpec, f MediaFile) bool {
	vol, dir, ok := splitWindowsPath(s.Path)
	if !ok || !sameVolume(vol, f.Volume) {
		return false
	}
	if f.Mode.IsDir() {
		return dir != "" && (strings.EqualFold(f.Path, dir) ||
			s.Recursive && len(f.Path) > len(dir) && strings.EqualFold(f.Path[:len(dir)], dir) && f.Path[len(dir)] == '/')
	}
	fdir := path.Dir(f.Path)
	if fdir == "." {
		fdir = ""
	}
	in := strings.EqualFold(fdir, dir) ||
		(s.Recursive && (dir == "" || len(fdir) > len(dir) && strings.EqualFold(fdir[:len(dir)], dir) && fdir[len(dir)] == '/'))
	if !in {
		return false
	}
	spec := strings.ToLower(s.Spec)
	if spec == "*.*" {
		spec = "*"
	}
	ok, err := path.Match(spec, strings.ToLower(path.Base(f.Path)))
	return ok && err == nil
}

// compOf returns the component of the document that holds component ci
// of writer md (ci itself, or the component whose set ci is in), or a
// component of the restore's own for ci when the document has none (a
// backup not in component mode).
func (rr *restoreRun) compOf(md *writer.Metadata, ci *writer.ComponentInfo) *restoreComp {
	for _, c := range rr.comps {
		if c.class == md.ClassID && (c.comp.Key() == ci.Key() || c.comp.Key().InSet(ci.LogicalPath)) {
			return c
		}
	}
	c := &restoreComp{class: md.ClassID, instance: md.InstanceID, md: md,
		comp: &writer.Component{Type: ci.Type, LogicalPath: ci.LogicalPath, Name: ci.Name}}
	c.selected = false // not in the document: no status to report
	rr.comps = append(rr.comps, c)
	return c
}

// liveTarget returns the restore target the writer set for c at
// PreRestore, VSS_RT_ORIGINAL when it set none.
func (rr *restoreRun) liveTarget(c *restoreComp) vss.RestoreTarget {
	for _, w := range rr.live {
		if w.ClassID != c.class {
			continue
		}
		for _, lc := range w.Components {
			if lc.Key() == c.comp.Key() && lc.RestoreTarget != vss.RestoreTargetUndefined {
				return lc.RestoreTarget
			}
		}
	}
	return vss.RestoreTargetOriginal
}

// write puts the files back: the components whose method is
// VSS_RME_RESTORE_IF_NOT_THERE are checked first, the services of the
// stop-and-start methods are stopped around the writing, and the
// alternate location mappings used are reported.
func (rr *restoreRun) write(ctx context.Context, dests []*dest) (err error) {
	rr.step = "writing the files"
	t := rr.plan.Target
	for _, d := range dests {
		c := d.comp
		if d.skip || c == nil || c.failed != "" || c.md == nil || c.md.RestoreMethod == nil ||
			c.md.RestoreMethod.Method != vss.RestoreIfNotThere || rr.liveTarget(c) != vss.RestoreTargetOriginal || d.f.Mode.IsDir() {
			continue
		}
		there, err := t.Exists(d.volume, d.name)
		if err != nil {
			return err
		}
		if there {
			c.failed = fmt.Sprintf("its restore method is VSS_RME_RESTORE_IF_NOT_THERE and %s is there", d.name)
		}
	}
	var started []string
	defer func() {
		for i := len(started) - 1; i >= 0; i-- {
			if serr := rr.plan.Services.Start(context.WithoutCancel(ctx), started[i]); serr != nil {
				err = errors.Join(err, fmt.Errorf("starting service %q after the restore: %w", started[i], serr))
			}
		}
	}()
	for _, c := range rr.comps {
		if rr.plan.Services == nil || c.failed != "" || c.md == nil || c.md.RestoreMethod == nil || c.total == 0 {
			continue
		}
		if m := c.md.RestoreMethod.Method; m != vss.RestoreStopRestoreStart && m != vss.RestoreStopStart {
			continue
		}
		svc := c.md.RestoreMethod.Service
		if slices.Contains(started, svc) {
			continue
		}
		if err := rr.plan.Services.Stop(ctx, svc); err != nil {
			c.failed = fmt.Sprintf("service %q could not be stopped: %v", svc, err)
			continue
		}
		started = append(started, svc)
	}
	type mapping struct {
		c   *restoreComp
		alt *writer.FileSpec
	}
	var mappings []mapping
	for _, d := range dests {
		if d.skip || (d.comp != nil && d.comp.failed != "") {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := rr.put(d); err != nil {
			return err
		}
		if d.comp != nil && !d.f.Mode.IsDir() {
			d.comp.written++
		}
		if d.altUsed != nil && d.comp != nil && d.comp.selected {
			m := mapping{d.comp, d.altUsed}
			if !slices.Contains(mappings, m) {
				mappings = append(mappings, m)
			}
		}
	}
	for _, m := range mappings {
		key := m.c.comp.Key()
		if err := rr.do("AddAlternativeLocationMapping "+key.String(), func() error {
			return rr.rs.AddAlternativeLocationMapping(ctx, m.c.class, key, *m.alt)
		}); err != nil {
			return err
		}
	}
	return nil
}

// put writes one stored file to its destination.
func (rr *restoreRun) put(d *dest) error {
	t := rr.plan.Target
	switch d.f.Mode.Type() {
	case fs.ModeDir:
		if err := t.MkdirAll(d.volume, d.name); err != nil {
			return err
		}
		rr.res.Dirs++
	case fs.ModeSymlink:
		if err := t.Symlink(d.volume, d.name, d.f.Link); err != nil {
			return err
		}
		rr.res.Links++
	default:
		rc, err := rr.media.Open(d.f)
		if err != nil {
			return err
		}
		err = t.WriteFile(d.volume, d.name, rc, d.f.Mode, d.f.ModTime)
		if cerr := rc.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("restoring %s of volume %s: %w", d.f.Path, d.f.Volume, err)
		}
		rr.res.Files++
		rr.res.Bytes += d.f.Size
		if d.staged {
			rr.res.AtReboot = append(rr.res.AtReboot, PendingReplace{Volume: d.volume, Staged: d.name, Target: d.final})
		}
	}
	return nil
}
