// Command backup copies files out of a VSS shadow copy: it takes an
// application-consistent shadow copy of a volume with requestor.Backup,
// copies the selected paths from it into a directory or an archive with a
// progress bar, and lets VSS delete the shadow copy.
//
//	backup -volume C:\ -out D:\backups\docs.tar Users/ann/Documents
//	backup -simulate -out /tmp/demo Users
//	backup -simulate -out /tmp/orders.tar -component Orders:orders
//	backup -verify D:\backups\docs.tar
//	backup -list D:\backups\docs.tar
//	backup -restore D:\backups\docs.tar -to D:\restored
//	backup -simulate -restore /tmp/orders.tar
//	backup -remote host:8443 -token-file agent.token -ca agent.pem -out backup.tar
//	backup -remote host:8443 -token-file agent.token -ca agent.pem -restore backup.tar
//
// On Windows it uses the real VSS service (run it elevated); with
// -simulate it runs against the simulator, on any system. The output is a
// directory, or an archive when -out ends in .tar, .tar.gz, .tgz or .zip.
// A .tar is a backup archive (package requestor/media): with the files it
// stores the backup components document, the writers' metadata documents
// and a manifest of every file's size and SHA-256, what a restore through
// the writers needs; any tar tool reads it. The other forms hold the
// files only. -verify reads a backup archive end to end and checks it
// against its manifest, writing nothing; on a damaged byte or a truncated
// archive it fails, naming the entry. -list prints what it holds.
// -restore puts a backup archive back through a VSS restore session
// (requestor.Restore), so that its writers take part (PreRestore,
// PostRestore): into the directory -to, or, with -simulate and no -to,
// onto a fresh simulated volume. It verifies the archive end to end
// first, so a damaged or truncated archive restores nothing, and writes
// nothing outside the target: a stored path or link that leads out of it
// is refused.
// -remote HOST:PORT backs up, or restores, through a client agent on the
// protected machine (examples/agent; package requestor/remote): the agent
// runs the VSS session beside the writers, this command drives it and
// reads the shadow copy over the wire, writing the same output as a local
// backup. -token-file names the file holding the agent's bearer token,
// -ca the PEM certificate the agent's is checked against (the one the
// agent wrote with -ca-out), -cert and -key a client certificate for
// mutual TLS. An agent that refuses the credentials fails the command at
// once, saying so on one line. -restore with -remote puts the files back
// on the protected machine, where the agent's restore target says
// (AgentConfig.RestoreTarget); an agent with none refuses.
// Paths are slash-separated and relative to the volume's root; none means
// the whole volume; files a writer's exclude list names are left out.
// -component WRITER:COMPONENT (repeated) backs up those writer components'
// files instead, in a component-mode backup. -type is the backup type the
// writers are told: copy (the default, which leaves their backup history
// and logs alone), full, incremental, differential or log. -simulate-files
// N adds N generated files to the simulated volume, for a larger backup.
//
// Nothing appears at -out until the backup is complete: the copy goes to a
// temporary file (or directory) next to it, is synced to disk and read
// back and checked entry by entry (sizes and SHA-256 of every file) before
// the writers are told the backup succeeded, and is renamed to -out when
// the backup has ended well. A failed or interrupted (Ctrl-C) backup
// removes the temporary copy and leaves -out as it was: an archive is
// replaced only by a complete one. An interrupt that comes once the data
// is stored lets the backup finish: the writers are about to be told it
// is stored. A directory -out must not exist or be
// empty; the tool does not mix a backup into, or delete, files already
// there.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
)

func main() {
	os.Exit(runMain(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// runMain runs the command and returns its exit status: 0 done, 1 failed,
// 2 a bad command line, 130 interrupted. Errors are printed once, on one
// line, with no stack trace: the error already names the VSS call and the
// HRESULT.
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := run(ctx, args, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0 // -h: the flag package printed the usage
	case errors.Is(err, errFlags):
		return 2 // the flag package printed the error and the usage
	}
	fmt.Fprintln(stderr, "backup:", strings.ReplaceAll(err.Error(), "\n", " "))
	var ue usageError
	switch {
	case errors.As(err, &ue):
		return 2
	case errors.Is(err, errInterrupted):
		return 130
	}
	return 1
}

// errFlags is a command line the flag package has already reported.
var errFlags = errors.New("bad flags")

// usageError is a bad command line, not yet reported.
type usageError string

func (e usageError) Error() string { return string(e) }

// errInterrupted is a backup stopped by an interrupt (Ctrl-C).
var errInterrupted = errors.New("interrupted")

// options are the command line.
type options struct {
	simulate bool
	files    int // -simulate-files
	volume   string
	out      string
	verify   string // -verify: the backup archive to check
	list     string // -list: the backup archive to list
	restore  string // -restore: the backup archive to restore
	to       string // -to: the directory to restore into
	quiet    bool
	paths    []string
	typ      vss.BackupType
	// components are WRITER:COMPONENT selections (-component).
	components []string
	// remote is the agent's HOST:PORT (-remote), with its credentials.
	remote, tokenFile, ca, cert, key string
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fl := flag.NewFlagSet("backup", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.BoolVar(&o.simulate, "simulate", false, "run against the VSS simulator instead of Windows VSS")
	fl.IntVar(&o.files, "simulate-files", 0, "with -simulate, `N` more files (64 kB each, under Data/) on the simulated volume, to try a larger backup")
	fl.StringVar(&o.volume, "volume", `C:\`, "the volume to shadow copy")
	fl.StringVar(&o.out, "out", "", "output directory, or archive (.tar, .tar.gz, .tgz, .zip)")
	fl.StringVar(&o.verify, "verify", "", "check the backup archive `FILE` (.tar) end to end against its manifest, writing nothing")
	fl.StringVar(&o.list, "list", "", "list what the backup archive `FILE` (.tar) holds")
	fl.StringVar(&o.restore, "restore", "", "restore the backup archive `FILE` (.tar) through the writers, into -to (or, with -simulate, onto a fresh simulated volume; with -remote, through the agent)")
	fl.StringVar(&o.to, "to", "", "with -restore, the `DIR`ectory to restore into")
	fl.BoolVar(&o.quiet, "quiet", false, "no progress bar")
	fl.StringVar(&o.remote, "remote", "", "back up (or restore) through the client agent at `HOST:PORT` (examples/agent)")
	fl.StringVar(&o.tokenFile, "token-file", "", "with -remote, the `FILE` holding the agent's bearer token")
	fl.StringVar(&o.ca, "ca", "", "with -remote, the PEM certificate `FILE` the agent's certificate is checked against")
	fl.StringVar(&o.cert, "cert", "", "with -remote, a client certificate (PEM `FILE`) for mutual TLS; with -key")
	fl.StringVar(&o.key, "key", "", "with -remote, the client certificate's private key (PEM `FILE`)")
	fl.Func("type", "backup `type` the writers are told: copy (default), full, incremental, differential or log", func(s string) (err error) {
		o.typ, err = parseBackupType(s)
		return err
	})
	fl.Func("component", "back up the files of a writer's component, `WRITER:COMPONENT` (LogicalPath\\Name); repeat for more", func(s string) error {
		if w, c, ok := strings.Cut(s, ":"); !ok || w == "" || c == "" {
			return errors.New("want WRITER:COMPONENT")
		}
		o.components = append(o.components, s)
		return nil
	})
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errFlags
	}
	modes := 0
	for _, m := range []string{o.verify, o.list, o.restore} {
		if m != "" {
			modes++
		}
	}
	if modes > 0 && (o.out != "" || modes > 1 || fl.NArg() > 0) {
		return o, usageError("-verify, -list and -restore take one archive, and no -out or paths")
	}
	if o.to != "" && o.restore == "" {
		return o, usageError("-to goes with -restore")
	}
	if o.remote == "" && (o.tokenFile != "" || o.ca != "" || o.cert != "" || o.key != "") {
		return o, usageError("-token-file, -ca, -cert and -key go with -remote")
	}
	if o.remote != "" {
		switch {
		case o.simulate:
			return o, usageError("-remote and -simulate exclude each other: the agent decides what it serves")
		case o.tokenFile == "" && o.cert == "":
			return o, usageError("-remote needs credentials: -token-file, or -cert and -key")
		case o.to != "":
			return o, usageError("with -remote, files are restored where the agent's restore target says; -to does not apply")
		}
	}
	if o.restore != "" && o.to == "" && !o.simulate && o.remote == "" {
		return o, usageError("-restore needs -to (or -simulate, to restore onto a fresh simulated volume, or -remote, to restore through an agent)")
	}
	if modes == 0 && o.out == "" {
		return o, usageError("-out is required")
	}
	if o.files < 0 || o.files > 0 && !o.simulate {
		return o, usageError("-simulate-files needs -simulate and a count of 0 or more")
	}
	for _, p := range fl.Args() {
		p = strings.Trim(strings.ReplaceAll(p, `\`, "/"), "/")
		if p == "" {
			p = "."
		}
		if !fs.ValidPath(p) {
			return o, usageError(fmt.Sprintf("path %q is not a path inside the volume", p))
		}
		o.paths = append(o.paths, p)
	}
	if len(o.paths) == 0 {
		o.paths = []string{"."}
	}
	return o, nil
}

// run backs up as the command line says. Nothing is written at -out until
// the copy is complete and has been read back and checked: a failed or
// interrupted backup leaves what was there before as it was.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	switch {
	case o.verify != "":
		return verifyArchive(ctx, o.verify, stdout)
	case o.list != "":
		return listArchive(o.list, stdout)
	case o.restore != "":
		return restoreArchive(ctx, o, stdout, stderr)
	}
	// From here an interrupt cancels ctx: until the data is stored, the
	// backup is aborted (VSS deletes the shadow copy) and the unfinished
	// output removed; see backup.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	err = backup(ctx, o, stdout, stderr)
	if err != nil && ctx.Err() != nil {
		where := ""
		var be *requestor.BackupError
		if errors.As(err, &be) {
			where = " during " + be.Step
		}
		return fmt.Errorf("%w%s; nothing was written to %s", errInterrupted, where, o.out)
	}
	return err
}

func backup(ctx context.Context, o options, stdout, stderr io.Writer) error {
	var r requestor.Requestor
	if o.remote != "" {
		s, c, err := remoteSession(ctx, o)
		if err != nil {
			return err
		}
		defer c.Close() // after the session's Close
		r = s
	} else if o.simulate {
		s, err := newSimulatedSession(o.volume, o.files)
		if err != nil {
			return err
		}
		r = s
	} else {
		w, err := requestor.NewWindows(requestor.WindowsOptions{})
		if err != nil {
			return err
		}
		r = w
	}
	defer r.Close()

	dst, err := openOutput(o.out)
	if err != nil {
		return err
	}
	defer dst.Abort() // after Place, does nothing

	// An interrupt (ctx) aborts the backup until its data is stored. From
	// then on the backup runs to its end: Backup next tells the writers
	// the data is stored (BackupComplete), and some truncate their logs
	// on it, so stored data is not thrown away.
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	var mu sync.Mutex
	stored := false
	defer context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !stored {
			cancel()
		}
	})()

	var copied copyStats
	plan := requestor.Plan{
		Volumes: []string{o.volume},
		Type:    o.typ,
		Copy: func(ctx context.Context, src *requestor.CopySource) error {
			if src.Snapshots[0].FS == nil {
				return fmt.Errorf("the shadow copy of %s cannot be read in this process", o.volume)
			}
			p := newProgress(stderr, o.quiet)
			switch d := dst.(type) {
			case *mediaOutput:
				copied, err = d.copy(ctx, src, o.paths, len(o.components) > 0, p)
			case sink:
				if len(o.components) > 0 {
					copied, err = copyComponents(ctx, src, d, p)
				} else {
					copied, err = copyPaths(ctx, src.Snapshots[0], o.paths, src.Excludes(), d, p)
				}
			}
			if err != nil {
				return err
			}
			// The data is stored, synced and checked before Backup
			// tells the writers so.
			if err := dst.Finish(ctx); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if err := bctx.Err(); err != nil {
				return err
			}
			stored = true
			return nil
		},
	}
	if len(o.components) > 0 {
		plan.Select = selectComponents(o.components)
	}
	res, err := requestor.Backup(bctx, r, plan)
	if err != nil {
		return err
	}
	if m, ok := dst.(*mediaOutput); ok {
		// The backup components document exists now: it goes into the
		// archive with the writers' metadata, and the archive is checked
		// whole before it is placed.
		if err := m.documents(bctx, r, res); err != nil {
			return err
		}
	}
	if err := dst.Place(); err != nil {
		return err
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "backup: interrupted after the data was stored: the backup was completed, not abandoned\n")
	}
	fmt.Fprintf(stdout, "backed up %d files (%s) from the shadow copy %v of %s to %s\n",
		copied.files, humanBytes(copied.bytes), res.Snapshots[0].Properties.ID, o.volume, o.out)
	report(stdout, copied, res)
	return nil
}
