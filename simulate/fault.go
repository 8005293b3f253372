package simulate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
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
//	writer "Front" Freeze error(VSS_E_WRITERERROR_RETRYABLE)
//	writer "Back" Thaw hang after
//	provider "vss simulated system provider" CommitSnapshots delay(11s)
//	writer "Front" Freeze cancel
//	requestor PrepareForBackup abort
//
// The actor is spelt as trace records spell it (coordinator.Actor's
// String): `writer "NAME"`, `provider "NAME"` or requestor. Site is a
// writer event (writer.Events), a provider method (provider.Methods) or,
// for the requestor, one of RequestorSites; ParseFault refuses anything
// else, naming the valid choices.
type Fault struct {
	// Actor is the participant, by kind and name (its Index is ignored):
	// WriterActor, ProviderActor or RequestorActor.
	Actor coordinator.Actor
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

// WriterActor names the writer called name in a Fault.
func WriterActor(name string) coordinator.Actor {
	return coordinator.Actor{Kind: coordinator.ActorWriter, Name: name}
}

// ProviderActor names the provider called name in a Fault.
func ProviderActor(name string) coordinator.Actor {
	return coordinator.Actor{Kind: coordinator.ActorProvider, Name: name}
}

// RequestorActor is the requestor in a Fault.
func RequestorActor() coordinator.Actor { return coordinator.Actor{Kind: coordinator.ActorRequestor} }

// sameActor reports whether a names the participant b names (kind and
// name; trace records also carry an index, which plans do not).
func sameActor(a, b coordinator.Actor) bool { return a.Kind == b.Kind && a.Name == b.Name }

// requestorSites are the requestor calls after which a plan may make the
// requestor abort: the calls Injector.Requestor wraps.
var requestorSites = [...]coordinator.CallKind{coordinator.CallInitializeForBackup, coordinator.CallGatherWriterMetadata,
	coordinator.CallStartSnapshotSet, coordinator.CallAddToSnapshotSet, coordinator.CallPrepareForBackup,
	coordinator.CallDoSnapshotSet, coordinator.CallBackupComplete}

// RequestorSites returns the requestor calls after which a plan may make
// the requestor abort (FaultAbort), by their IVssBackupComponents names.
func RequestorSites() []string {
	out := make([]string, len(requestorSites))
	for i, c := range requestorSites {
		out[i] = c.String()
	}
	return out
}

// Sites returns the sites a fault of an actor of kind k may name: the
// writer events, the provider methods or RequestorSites.
func Sites(k coordinator.ActorKind) []string {
	var out []string
	switch k {
	case coordinator.ActorWriter:
		for _, e := range writer.Events() {
			out = append(out, e.String())
		}
	case coordinator.ActorProvider:
		for _, m := range provider.Methods() {
			out = append(out, m.String())
		}
	case coordinator.ActorRequestor:
		out = RequestorSites()
	}
	return out
}

// String prints the fault in the form ParseFault reads.
func (f Fault) String() string {
	var b strings.Builder
	b.WriteString(f.Actor.String())
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

// ParseFault reads a fault in the form String prints. It refuses an
// unknown actor kind, site or fault kind with an error that names it and
// the valid choices.
func ParseFault(s string) (Fault, error) {
	var f Fault
	rest := strings.TrimSpace(s)
	bad := func(format string, args ...any) (Fault, error) {
		return Fault{}, fmt.Errorf("simulate: fault %q: %s", s, fmt.Sprintf(format, args...))
	}
	word, after, _ := strings.Cut(rest, " ")
	switch word {
	case "writer", "provider":
		after = strings.TrimLeft(after, " ")
		q, err := strconv.QuotedPrefix(after)
		if err != nil {
			return bad("the %s's name must be quoted, as in %s \"NAME\"", word, word)
		}
		name, _ := strconv.Unquote(q)
		if name == "" {
			return bad("empty %s name", word)
		}
		if word == "writer" {
			f.Actor = WriterActor(name)
		} else {
			f.Actor = ProviderActor(name)
		}
		rest = after[len(q):]
	case "requestor":
		f.Actor, rest = RequestorActor(), after
	default:
		return bad("unknown actor %q: the actor is writer \"NAME\", provider \"NAME\" or requestor", word)
	}
	fields := strings.Fields(rest)
	if len(fields) < 2 || len(fields) > 3 {
		return bad("want ACTOR SITE KIND[(ARG)] [after]")
	}
	f.Site = fields[0]
	if sites := Sites(f.Actor.Kind); !slices.Contains(sites, f.Site) {
		return bad("unknown site %q for %v; the sites are %s", f.Site, f.Actor, strings.Join(sites, ", "))
	}
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
		return bad("unknown kind %q; the kinds are %s", name, strings.Join(faultKindNames[1:], ", "))
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
	if (f.Kind == FaultAbort) != (f.Actor.Kind == coordinator.ActorRequestor) {
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
func (p Plan) at(actor coordinator.Actor, site string) []Fault {
	var fs []Fault
	for _, f := range p {
		if sameActor(f.Actor, actor) && f.Site == site {
			fs = append(fs, f)
		}
	}
	return fs
}
