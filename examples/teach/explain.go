package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
)

// parseCode reads an HRESULT as a user types it: a VSS name in any case
// (VSS_E_BAD_STATE), a hexadecimal value (0x80042301) or what Name prints
// for an unknown one (HRESULT(0x80049999)).
func parseCode(s string) (vss.HRESULT, error) {
	s = strings.TrimSpace(s)
	h, err := vss.ParseHRESULT(s)
	if err != nil {
		if up, uerr := vss.ParseHRESULT(strings.ToUpper(s)); uerr == nil {
			return up, nil
		}
	}
	return h, err
}

// explain prints what the library knows of an HRESULT: its meaning, the
// steps it arises in, its usual causes and what a tool should do, each
// reason with its source. It reports false for a code the library does not
// define.
func explain(out io.Writer, h vss.HRESULT) bool {
	e, ok := vss.Explain(h)
	if !ok {
		fmt.Fprintf(out, "0x%08X is not an HRESULT this library defines.\n", uint32(h))
		if h.Failed() {
			fmt.Fprintf(out, "It is a failure code (its severity bit is set); facility %d, code 0x%04X.\n", (uint32(h)>>16)&0x7ff, uint32(h)&0xffff)
		}
		return false
	}
	fmt.Fprintf(out, "%s (0x%08X)\n%s\n", e.Name, uint32(e.Code), wrap(upperFirst(e.Text)+".", 76, ""))
	if len(e.Steps) > 0 {
		fmt.Fprintf(out, "\nArises in:\n")
		for _, n := range e.Steps {
			s, _ := coordinator.StepOf(n)
			fmt.Fprintf(out, "  step %-2d %s\n", n, s.Title)
		}
	} else {
		fmt.Fprintf(out, "\nArises in no step of a backup in particular.\n")
	}
	reasons := func(title string, rs []vss.Reason) {
		if len(rs) == 0 {
			return
		}
		fmt.Fprintf(out, "\n%s:\n", title)
		for _, r := range rs {
			from := "this library"
			if !r.Ours() {
				from = "Microsoft: " + r.From
			}
			fmt.Fprintf(out, "%s\n", wrap("- "+r.Text+" ["+from+"]", 74, "  ")[2:])
		}
	}
	reasons("Usual causes", e.Causes)
	reasons("What a tool should do", e.Actions)
	return true
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
