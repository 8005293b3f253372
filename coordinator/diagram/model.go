package diagram

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

// Option tunes a diagram.
type Option func(*options)

type options struct {
	title string
	width int
}

// Title puts a title above the diagram.
func Title(s string) Option { return func(o *options) { o.title = s } }

// Width sets the width of the SVG timeline in pixels (1200 by default, at
// least 600). Mermaid sizes its diagrams itself.
func Width(px int) Option { return func(o *options) { o.width = px } }

func buildOptions(opts []Option) options {
	o := options{width: 1200}
	for _, f := range opts {
		f(&o)
	}
	o.width = max(o.width, 600)
	return o
}

// laneKind orders the participants of a diagram: the requestor, VSS, the
// writers, the providers, the volumes.
type laneKind int

const (
	laneRequestor laneKind = iota
	laneVSS
	laneWriter
	laneProvider
	laneVolume
)

// lane is one participant of a diagram.
type lane struct {
	kind   laneKind
	index  int    // the writer's or provider's index in its session
	name   string // the writer's or provider's name, or the volume
	first  int    // the first record that names it, to order lanes
	window time.Duration
}

func (l lane) label() string {
	switch l.kind {
	case laneRequestor:
		return "Requestor"
	case laneVSS:
		return "VSS"
	case laneWriter:
		return l.name
	case laneProvider:
		return l.name
	}
	return "volume " + l.name
}

// role says what a lane is, for lane labels.
func (l lane) role() string {
	switch l.kind {
	case laneWriter:
		return "writer"
	case laneProvider:
		return "provider"
	case laneVolume:
		return "volume"
	}
	return ""
}

// interval is a span of a trace during which a writer was frozen or writes
// were held: from the record that opened it to the one that closed it, or
// to the end of the trace.
type interval struct {
	lane     int
	from, to time.Duration
	// fromRec and toRec are the records that open and close it; toRec is
	// len(trace) when the trace ends first.
	fromRec, toRec int
	open           bool          // the trace ended with it still open
	window         time.Duration // how long it may last: the freeze or hold window
}

// model is what both diagrams draw, read once from the trace.
type model struct {
	trace []coordinator.Record
	lanes []lane
	// laneOf maps each record to the lane of its actor; for a hold or
	// release, the first volume of the set (or VSS when none is known).
	laneOf []int
	// setVolumes lists, for each record, the volume lanes of the snapshot
	// set being built at that moment.
	setVolumes [][]int
	// provVolumes lists, for each CommitSnapshots result, the volume lanes
	// the provider prepared for the set.
	provVolumes map[int][]int
	frozen      []interval
	held        []interval
	end         time.Duration
}

func actorKey(a coordinator.Actor) string { return fmt.Sprintf("%d/%d/%s", a.Kind, a.Index, a.Name) }

func volumeKey(v string) string { return strings.ToUpper(v) }

func newModel(trace []coordinator.Record) *model {
	m := &model{trace: trace, laneOf: make([]int, len(trace)), setVolumes: make([][]int, len(trace)),
		provVolumes: map[int][]int{}}
	m.lanes = []lane{{kind: laneRequestor}, {kind: laneVSS}}
	actors := map[string]int{}
	volumes := map[string]int{}
	for i, r := range trace {
		m.end = max(m.end, r.At)
		switch r.Actor.Kind {
		case coordinator.ActorWriter, coordinator.ActorProvider:
			k := actorKey(r.Actor)
			if _, ok := actors[k]; !ok {
				kind := laneWriter
				if r.Actor.Kind == coordinator.ActorProvider {
					kind = laneProvider
				}
				actors[k] = len(m.lanes)
				m.lanes = append(m.lanes, lane{kind: kind, index: r.Actor.Index, name: r.Actor.Name, first: i})
			}
		}
		if r.Volume != "" {
			if _, ok := volumes[volumeKey(r.Volume)]; !ok {
				volumes[volumeKey(r.Volume)] = len(m.lanes)
				m.lanes = append(m.lanes, lane{kind: laneVolume, name: r.Volume, first: i})
			}
		}
	}
	// Lanes in a stable order: kind, then the session's index, then first
	// appearance.
	order := make([]int, len(m.lanes))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		la, lb := m.lanes[order[a]], m.lanes[order[b]]
		if la.kind != lb.kind {
			return la.kind < lb.kind
		}
		if la.kind != laneVolume && la.index != lb.index {
			return la.index < lb.index
		}
		return la.first < lb.first
	})
	renumber := make([]int, len(m.lanes))
	lanes := make([]lane, len(m.lanes))
	for to, from := range order {
		renumber[from] = to
		lanes[to] = m.lanes[from]
	}
	m.lanes = lanes
	for k, v := range actors {
		actors[k] = renumber[v]
	}
	for k, v := range volumes {
		volumes[k] = renumber[v]
	}

	// Walk the trace: lanes of records, the set's volumes, frozen and held
	// intervals.
	var set []int               // volume lanes of the set being built
	provSet := map[int][]int{}  // provider lane -> its volume lanes in the set
	frozenOpen := map[int]int{} // writer lane -> index into m.frozen
	holdOpen := []int(nil)      // indexes into m.held
	addUnique := func(s []int, v int) []int {
		for _, x := range s {
			if x == v {
				return s
			}
		}
		return append(s, v)
	}
	for i, r := range trace {
		switch r.Actor.Kind {
		case coordinator.ActorRequestor:
			m.laneOf[i] = 0
		case coordinator.ActorWriter, coordinator.ActorProvider:
			m.laneOf[i] = actors[actorKey(r.Actor)]
		default:
			m.laneOf[i] = 1
		}
		switch {
		case r.Kind == coordinator.RecState && r.Decision == coordinator.DecisionSetStarted:
			set, provSet = nil, map[int][]int{}
		case r.Kind == coordinator.RecState && r.Decision == coordinator.DecisionProviderChosen && r.Volume != "":
			set = addUnique(set, volumes[volumeKey(r.Volume)])
		case r.Kind == coordinator.RecProviderCall && r.Method == provider.MethodBeginPrepareSnapshot && r.Volume != "":
			p := m.laneOf[i]
			provSet[p] = addUnique(provSet[p], volumes[volumeKey(r.Volume)])
			set = addUnique(set, volumes[volumeKey(r.Volume)])
		case r.Kind == coordinator.RecProviderResult && r.Method == provider.MethodCommitSnapshots && r.OK():
			m.provVolumes[i] = provSet[m.laneOf[i]]
		}
		m.setVolumes[i] = set
		if r.Kind == coordinator.RecWrites && len(set) > 0 {
			m.laneOf[i] = set[0]
		}

		switch {
		case r.Kind == coordinator.RecWriterEvent && r.Event == writer.EventFreeze:
			w := m.laneOf[i]
			if _, ok := frozenOpen[w]; ok {
				continue // frozen already: a second Freeze changes nothing
			}
			window := r.Timeout
			if window <= 0 {
				window = writer.DefaultFreezeTimeout
			}
			m.lanes[w].window = window
			frozenOpen[w] = len(m.frozen)
			m.frozen = append(m.frozen, interval{lane: w, from: r.At, fromRec: i, window: window})
		case r.Kind == coordinator.RecWriterEvent && (r.Event == writer.EventThaw || r.Event == writer.EventAbort):
			w := m.laneOf[i]
			if j, ok := frozenOpen[w]; ok {
				m.frozen[j].to, m.frozen[j].toRec = r.At, i
				delete(frozenOpen, w)
			}
		case r.Kind == coordinator.RecWrites && !r.Result && r.Decision == coordinator.DecisionHoldWrites:
			if holdOpen != nil {
				continue
			}
			window := r.Timeout
			if window <= 0 {
				window = coordinator.DefaultHoldTimeout
			}
			lanes := set
			if len(lanes) == 0 {
				lanes = []int{1}
			}
			for _, l := range lanes {
				holdOpen = append(holdOpen, len(m.held))
				m.held = append(m.held, interval{lane: l, from: r.At, fromRec: i, window: window})
			}
		case r.Kind == coordinator.RecWrites && !r.Result && r.Decision == coordinator.DecisionReleaseWrites:
			for _, j := range holdOpen {
				m.held[j].to, m.held[j].toRec = r.At, i
			}
			holdOpen = nil
		}
	}
	for _, j := range frozenOpen {
		m.frozen[j].to, m.frozen[j].toRec, m.frozen[j].open = m.end, len(trace), true
	}
	for _, j := range holdOpen {
		m.held[j].to, m.held[j].toRec, m.held[j].open = m.end, len(trace), true
	}
	sort.SliceStable(m.frozen, func(a, b int) bool { return m.frozen[a].fromRec < m.frozen[b].fromRec })
	return m
}

// failure reports whether record r went wrong, and says how in a few
// words: a failed answer, a writer's failure or timeout, a set given up,
// work that timed out, a call cancelled or abandoned.
func failure(r coordinator.Record) (string, bool) {
	if r.Result && r.Err != nil {
		if r.Kind == coordinator.RecWriterResult && r.Timeout > 0 {
			return "no answer within " + r.Timeout.String(), true
		}
		return r.Code.Name(), true
	}
	switch r.Decision {
	case coordinator.DecisionWriterFailed:
		return strings.TrimPrefix(r.State.String(), "VSS_WS_") + " (" + r.Code.Name() + ")", true
	case coordinator.DecisionFreezeTimeout:
		return "frozen longer than " + short(r.Timeout), true
	case coordinator.DecisionAbortSet:
		return "snapshot set given up: " + r.Code.Name(), true
	case coordinator.DecisionTimedOut:
		return r.What() + " timed out", true
	case coordinator.DecisionCancel:
		return "call cancelled: " + r.Code.Name(), true
	case coordinator.DecisionAbandon:
		return "abandoned: " + r.Code.Name(), true
	}
	return "", false
}

// seconds prints a duration since the start of the session as trace lines
// do: +1.250s.
func seconds(d time.Duration) string { return fmt.Sprintf("+%.3fs", d.Seconds()) }

// short prints a window's length: 60s, 10s, 1m30s, 250ms.
func short(d time.Duration) string {
	if d%time.Second == 0 && d < time.Minute*2 {
		return fmt.Sprintf("%ds", int(d/time.Second))
	}
	return d.String()
}
