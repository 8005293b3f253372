// Command teach runs a simulated VSS backup and narrates it, to learn the
// protocol by watching it: for every event, its step of the eleven-step
// backup and what that step is, who did what and what it means, the state
// of every writer, and what the data on each volume and in its shadow copy
// look like at that moment.
//
//	go run ./examples/teach -list                    # the scenarios
//	go run ./examples/teach -scenario normal         # a backup that works
//	go run ./examples/teach -scenario freeze-timeout -step   # Enter between events
//	go run ./examples/teach -scenario no-writer -seed 7      # another seed
//	go run ./examples/teach -scenario normal -mermaid run.mmd -svg run.svg
//	go run ./examples/teach -explain VSS_E_SNAPSHOT_SET_IN_PROGRESS
//	go run ./examples/teach -explain 0x80042316
//
// With -step every event shows the writers' states and the data; without
// it they are shown when they change. -seed picks another run of the same
// story (0 keeps the scenario's own seed).
//
// -mermaid writes the run's sequence diagram (Mermaid) and -svg its
// timeline, drawn by package coordinator/diagram from the trace. -explain
// prints what an HRESULT means, in which steps it arises, what usually
// causes it and what a tool should do, from the table vss.Explain reads;
// an unknown code exits 1.
//
// Everything runs in memory and in virtual time (the remote scenario adds
// a client agent on 127.0.0.1, package requestor/remote, between the
// requestor and VSS): a writer that takes a
// minute to freeze costs no wall-clock time, and a seed gives the same run
// every time.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/vsskit/vss/coordinator/diagram"
)

func main() {
	os.Exit(teach(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// teach is the command: it returns the exit status, 0 on success, 1 when
// the run or the explanation fails, 2 for a bad command line.
func teach(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("teach", flag.ContinueOnError)
	fl.SetOutput(stderr)
	name := fl.String("scenario", "normal", "the scenario to run (-list names them)")
	list := fl.Bool("list", false, "list the scenarios, one line each")
	seed := fl.Uint64("seed", 0, "the seed of the run (0: the scenario's own); the same seed gives the same run")
	step := fl.Bool("step", false, "wait for Enter after each event")
	mermaid := fl.String("mermaid", "", "write the run's Mermaid sequence diagram to `FILE`")
	svg := fl.String("svg", "", "write the run's SVG timeline to `FILE`")
	code := fl.String("explain", "", "explain an HRESULT, by `CODE` (0x80042316) or name (VSS_E_SNAPSHOT_SET_IN_PROGRESS), and exit")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "usage: teach [-scenario NAME] [-seed N] [-step] [-mermaid FILE] [-svg FILE]\n       teach -list\n       teach -explain CODE\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "teach: unexpected argument %q\n", fl.Arg(0))
		fl.Usage()
		return 2
	}
	switch {
	case *list:
		for _, s := range scenarios {
			fmt.Fprintf(stdout, "%-15s %s\n", s.name, s.summary)
		}
		return 0
	case *code != "":
		h, err := parseCode(*code)
		if err != nil {
			fmt.Fprintf(stderr, "teach: %v\n", err)
			return 2
		}
		if !explain(stdout, h) {
			return 1
		}
		return 0
	}
	sc, ok := scenarioNamed(*name)
	if !ok {
		fmt.Fprintf(stderr, "teach: no scenario %q; -list names them\n", *name)
		return 2
	}
	if *seed == 0 {
		*seed = sc.seed
	}
	var wait func()
	if *step {
		in := bufio.NewReader(stdin)
		// A terminal echoes the Enter that ends the prompt's line; other
		// input does not, so the prompt ends its line itself.
		echo := !isTerminal(stdin)
		wait = func() {
			fmt.Fprint(stdout, "    [Enter] ")
			_, err := in.ReadString('\n')
			if echo || err != nil {
				fmt.Fprintln(stdout)
			}
			if err != nil {
				wait = nil // no more input: run to the end
			}
		}
	}
	opt := options{compare: true}
	if wait != nil {
		opt.wait = func() {
			if wait != nil {
				wait()
			}
		}
	}
	res, err := run(stdout, sc, *seed, opt)
	if err != nil {
		fmt.Fprintf(stderr, "teach: %v\n", err)
		return 1
	}
	title := fmt.Sprintf("teach -scenario %s -seed %d", sc.name, *seed)
	for _, f := range []struct {
		path string
		draw func() string
	}{
		{*mermaid, func() string { return diagram.Mermaid(res.trace, diagram.Title(title)) }},
		{*svg, func() string { return diagram.SVG(res.trace, diagram.Title(title)) }},
	} {
		if f.path == "" {
			continue
		}
		if err := os.WriteFile(f.path, []byte(f.draw()), 0o644); err != nil {
			fmt.Fprintf(stderr, "teach: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s\n", f.path)
	}
	return 0
}

// isTerminal reports whether r is a terminal (a character device).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
