package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/remote"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// The restore command: put a stored backup back through a VSS restore
// session (requestor.Restore), so that the writers whose data it holds
// take part (PreRestore, PostRestore) and their restore methods are
// honoured.
//
//	backup -restore backup.tar -to D:\restored           # Windows VSS
//	backup -simulate -restore backup.tar -to /tmp/out    # the simulator's writers
//	backup -simulate -restore backup.tar                 # onto a fresh simulated volume
//
// The stored backup is read through requestor.Media; restoreMedia takes
// one, whatever reads the archive.

// restoreOptions are the restore command line.
type restoreOptions struct {
	simulate bool   // a simulated restore session instead of Windows VSS
	to       string // the directory to restore into; with simulate, empty means a fresh simulated volume
	quiet    bool
	// remote, when set, is a session on a client agent: the files go
	// back through it, to its restore target (where names it), and
	// restoreMedia closes it.
	remote *remote.Session
	where  string
}

// restoreMedia restores media as o says and prints what it restored.
// Nothing is written when a stored path or link would lead out of the
// target (see requestor.Restore). Into a directory, the files of a backup
// of one volume go straight under it, those of several volumes under a
// directory per volume (requestor.DirTarget).
func restoreMedia(ctx context.Context, media requestor.Media, o restoreOptions, stdout, stderr io.Writer) error {
	if o.remote != nil {
		defer o.remote.Close()
	}
	files, err := media.Files()
	if err != nil {
		return err
	}
	var volumes []string
	for _, f := range files {
		if !containsFold(volumes, f.Volume) {
			volumes = append(volumes, f.Volume)
		}
	}
	if len(volumes) == 0 {
		return errors.New("the backup holds no file")
	}
	if !o.simulate && o.to == "" && o.remote == nil {
		return usageError("-restore needs -to DIR (or -simulate, to restore onto a fresh simulated volume)")
	}

	var r requestor.Requestor
	var fresh []*simulate.Volume
	if o.remote != nil {
		r = o.remote
	} else if o.simulate {
		s, vols, err := newSimulatedRestoreSession(volumes)
		if err != nil {
			return err
		}
		r, fresh = s, vols
	} else {
		w, err := requestor.NewWindows(requestor.WindowsOptions{})
		if err != nil {
			return err
		}
		r = w
	}
	defer r.Close()

	var target requestor.Target
	where := o.to
	if o.remote != nil {
		target, where = o.remote.Target(), o.where
	} else if o.to != "" {
		if err := os.MkdirAll(o.to, 0o755); err != nil {
			return err
		}
		dt, err := requestor.NewDirTarget(o.to, len(volumes) == 1)
		if err != nil {
			return err
		}
		defer dt.Close()
		target = dt
	} else {
		target = simulate.NewVolumeTarget(fresh...)
		where = "a fresh simulated volume " + strings.Join(volumes, ", ")
	}
	res, err := requestor.Restore(ctx, r, media, requestor.RestorePlan{Target: target})
	if res != nil && !o.quiet {
		for _, c := range res.Components {
			line := fmt.Sprintf("component %s: %v", c.Component, c.Status)
			if c.Reason != "" {
				line += ": " + c.Reason
			}
			fmt.Fprintln(stderr, line)
		}
		for _, p := range res.AtReboot {
			fmt.Fprintf(stderr, "%s%s replaces %s at the next restart\n", p.Volume, p.Staged, p.Target)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %d files (%s), %d directories and %d links to %s\n",
		res.Files, humanBytes(res.Bytes), res.Dirs, res.Links, where)
	return nil
}

// containsFold reports whether s holds v, letter case aside.
func containsFold(s []string, v string) bool {
	for _, x := range s {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// newSimulatedRestoreSession builds a fresh simulated machine for a
// restore: empty volumes of the given names, the writers of the
// simulated backup machine (newSimulatedSession) and the system
// provider, and returns a session on it with the volumes.
func newSimulatedRestoreSession(volumes []string) (*coordinator.Session, []*simulate.Volume, error) {
	var vols []*simulate.Volume
	set := simulate.NewVolumeSet()
	for _, name := range volumes {
		v := simulate.NewVolume(name)
		if err := set.Add(v); err != nil {
			return nil, nil, err
		}
		vols = append(vols, v)
	}
	volume := `C:\`
	if len(volumes) > 0 {
		volume = volumes[0]
	}
	s, _, err := simulate.NewSession(simulate.Config{
		Writers:   simulatedWriters(volume),
		Providers: []provider.Provider{simulate.NewSystemProvider(set)},
		Volumes:   set,
	})
	return s, vols, err
}

// simulatedWriters are the writers of the simulated machine, for a backup
// and for a restore alike: the orders database's writer, whose files lie
// on volume, and a writer with no files.
func simulatedWriters(volume string) []writer.Writer {
	return []writer.Writer{ordersWriter(volume), simulate.NewScriptedWriter("Registry")}
}
