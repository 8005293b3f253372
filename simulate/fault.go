package simulate

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vsskit/vss"
)

// FaultKind is what a fault does at its site.
type FaultKind int

// The kinds of fault.
const (
	// FaultError makes the participant fail: a writer's handler or a
	// provider's method returns Fault.Code (or, with no code, an error
	// that carries no HRESULT).
	FaultError FaultKind = iota + 1
	// FaultDelay makes the participant take Fault.Delay more virtual time.
	FaultDelay
	// FaultHang makes the participant never answer.
	FaultHang
	// FaultPanic makes the participant panic.
	FaultPanic
	// FaultCancel makes the requestor cancel the call in progress when the
	// site is reached (its context ends).
	FaultCancel
	// FaultAbort makes the requestor call AbortBackup right after the
	// requestor call named by the site, and give up the backup.
	FaultAbort
)

var faultKindNames = [...]string{FaultError: "error", FaultDelay: "delay", FaultHang: "hang",
	FaultPanic: "panic", FaultCancel: "cancel", FaultAbort: "abort"}

func (k FaultKind) String() string {
	if k > 0 && int(k) < len(faultKindNames) {
		return faultKindNames[k]
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault is one injected fault, as data: who (Actor), where (Site), what
// (Kind and its argument) and whether before or after the participant's
// own effect. Its text form, which String prints and ParseFault reads, is
//
//	writer:Front Freeze error(VSS_E_WRITERERROR_RETRYABLE)
//	writer:Back Thaw hang after
//	provider:system CommitSnapshots delay(11s)
//	writer:Front Freeze cancel
//	requestor PrepareForBackup abort
//
// Actor is "writer:NAME", "provider:NAME" or "requestor"; a name with
// spaces is quoted. Site is a writer event (writer.EventKind names), a
// provider method or a requestor call.
type Fault struct {
	Actor string
	Site  string
	Kind  FaultKind
	// Code is the HRESULT of a FaultError; zero means a plain error.
	Code vss.HRESULT
	// Delay is the extra virtual time of a FaultDelay.
	Delay time.Duration
	// After applies the fault once the participant did its work (a writer
	// that froze and then reports failure), instead of before.
	After bool
}

// WriterActor names a writer in a Fault.
func WriterActor(name string) string { return "writer:" + name }

// ProviderActor names a provider in a Fault.
func ProviderActor(name string) string { return "provider:" + name }

// RequestorActor is the requestor in a Fault.
const RequestorActor = "requestor"

// String prints the fault in the form ParseFault reads.
func (f Fault) String() string {
	var b strings.Builder
	kind, name, _ := strings.Cut(f.Actor, ":")
	b.WriteString(kind)
	if name != "" {
		b.WriteByte(':')
		if strings.ContainsAny(name, " \t;\"") || name == "" {
			b.WriteString(strconv.Quote(name))
		} else {
			b.WriteString(name)
		}
	}
	b.WriteByte(' ')
	b.WriteString(f.Site)
	b.WriteByte(' ')
	b.WriteString(f.Kind.String())
	switch {
	case f.Kind == FaultError && f.Code != 0:
		b.WriteString("(" + f.Code.Name() + ")")
	case f.Kind == FaultDelay:
		b.WriteString("(" + f.Delay.String() + ")")
	}
	if f.After {
		b.WriteString(" after")
	}
	return b.String()
}

// ParseFault reads a fault in the form String prints.
func ParseFault(s string) (Fault, error) {
	var f Fault
	rest := strings.TrimSpace(s)
	bad := func(format string, args ...any) (Fault, error) {
		return Fault{}, fmt.Errorf("simulate: fault %q: %s", s, fmt.Sprintf(format, args...))
	}
	// Actor, possibly with a quoted name.
	kind, after, ok := strings.Cut(rest, ":")
	if ok && (kind == "writer" || kind == "provider") {
		var name string
		if strings.HasPrefix(after, `"`) {
			q, err := strconv.QuotedPrefix(after)
			if err != nil {
				return bad("unterminated quoted name")
			}
			name, _ = strconv.Unquote(q)
			after = after[len(q):]
		} else {
			name, after, _ = strings.Cut(after, " ")
			after = " " + after
		}
		if name == "" {
			return bad("empty %s name", kind)
		}
		f.Actor, rest = kind+":"+name, after
	} else {
		word, r, _ := strings.Cut(rest, " ")
		if word != RequestorActor {
			return bad("actor must be writer:NAME, provider:NAME or requestor")
		}
		f.Actor, rest = RequestorActor, " "+r
	}
	fields := strings.Fields(rest)
	if len(fields) < 2 || len(fields) > 3 {
		return bad("want ACTOR SITE KIND[(ARG)] [after]")
	}
	f.Site = fields[0]
	if len(fields) == 3 {
		if fields[2] != "after" {
			return bad("unknown word %q (only \"after\" may follow the kind)", fields[2])
		}
		f.After = true
	}
	name, arg, hasArg := strings.Cut(fields[1], "(")
	if hasArg {
		if !strings.HasSuffix(arg, ")") {
			return bad("unclosed parenthesis")
		}
		arg = strings.TrimSuffix(arg, ")")
	}
	for k, n := range faultKindNames {
		if n != "" && n == name {
			f.Kind = FaultKind(k)
		}
	}
	switch f.Kind {
	case 0:
		return bad("unknown kind %q", name)
	case FaultError:
		if hasArg {
			code, err := vss.ParseHRESULT(arg)
			if err != nil {
				return bad("%v", err)
			}
			f.Code = code
		}
	case FaultDelay:
		d, err := time.ParseDuration(arg)
		if err != nil || d <= 0 {
			return bad("delay needs a positive duration, as delay(11s)")
		}
		f.Delay = d
	default:
		if hasArg {
			return bad("%s takes no argument", name)
		}
	}
	if (f.Kind == FaultAbort) != (f.Actor == RequestorActor) {
		return bad("only the requestor aborts, and the requestor only aborts")
	}
	return f, nil
}

// Plan is a list of faults, injected together in one run.
type Plan []Fault

// String prints the plan as its faults separated by "; ".
func (p Plan) String() string {
	parts := make([]string, len(p))
	for i, f := range p {
		parts[i] = f.String()
	}
	return strings.Join(parts, "; ")
}

// ParsePlan reads a plan in the form String prints; the empty string is
// the empty plan.
func ParsePlan(s string) (Plan, error) {
	var p Plan
	for _, part := range splitPlan(s) {
		if strings.TrimSpace(part) == "" {
			continue
		}
		f, err := ParseFault(part)
		if err != nil {
			return nil, err
		}
		p = append(p, f)
	}
	return p, nil
}

// splitPlan splits on semicolons outside quoted names.
func splitPlan(s string) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if quoted {
				i++
			}
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// at returns the faults of the plan for one actor and site.
func (p Plan) at(actor, site string) []Fault {
	var fs []Fault
	for _, f := range p {
		if f.Actor == actor && f.Site == site {
			fs = append(fs, f)
		}
	}
	return fs
}
