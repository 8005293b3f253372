package diagram

import (
	"encoding/xml"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

// The timeline's geometry and colours.
const (
	svgLabelWidth = 250 // the lane labels on the left
	svgRight      = 24
	svgLaneHeight = 40
	svgAxisHeight = 34

	svgFrozen  = "#4285f4"
	svgHeld    = "#ff9800"
	svgFailure = "#d32f2f"
	svgEvent   = "#5f6368"
)

// SVG returns a self-contained SVG timeline of the trace: a lane for the
// requestor, VSS, each writer, each provider and each volume, and the
// time since the session started on the x axis (virtual time for a
// simulated session). Every record is a mark in its actor's lane (hover
// over it for the record's line); each writer's frozen time (from Freeze
// sent to Thaw or Abort sent) is a blue bar inside a dashed box, its
// freeze window, and the held writes (flush and hold to release) an orange
// bar in each volume's lane inside the 10 s hold window. Failures are red
// crosses, labelled. A window that ends after the trace is cut at the
// right edge and says when it would have ended. Every name is XML-escaped,
// and the document needs no stylesheet, script or font of its own.
func SVG(trace []coordinator.Record, opts ...Option) string {
	o := buildOptions(opts)
	m := newModel(trace)
	s := &svgWriter{m: m, o: o}
	s.draw()
	return s.b.String()
}

type svgWriter struct {
	m *model
	o options
	b strings.Builder

	top    int // y of the first lane
	height int
	// x maps time to the x axis.
	t1 float64 // seconds at the right edge
	// labels holds, per lane and row, the x ranges already labelled.
	labels map[[2]int][][2]float64
}

func (s *svgWriter) x(d time.Duration) float64 {
	w := float64(s.o.width - svgLabelWidth - svgRight)
	return svgLabelWidth + w*math.Min(d.Seconds()/s.t1, 1)
}

func (s *svgWriter) laneY(l int) int { return s.top + l*svgLaneHeight }

// esc returns s escaped for XML text and attribute values.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (s *svgWriter) printf(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

func (s *svgWriter) draw() {
	m := s.m
	s.labels = map[[2]int][][2]float64{}
	titleH := 0
	if s.o.title != "" {
		titleH = 30
	}
	s.top = titleH + svgAxisHeight + 8
	s.height = s.top + len(m.lanes)*svgLaneHeight + 44
	// The axis covers the trace, with a little room on the right.
	end := m.end.Seconds()
	if end <= 0 {
		end = 1
	}
	step := niceStep(end / 10)
	s.t1 = math.Ceil(end*1.04/step) * step

	w := s.o.width
	s.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Verdana, Arial, sans-serif" font-size="12">`+"\n",
		w, s.height, w, s.height)
	s.printf(`<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", w, s.height)
	if s.o.title != "" {
		s.printf(`<text x="%d" y="22" font-size="16" font-weight="bold" fill="#202124">%s</text>`+"\n", 12, esc(s.o.title))
	}
	s.axis(step)
	s.lanes()
	s.windows()
	s.marks()
	s.legend()
	s.b.WriteString("</svg>\n")
}

// niceStep rounds d up to 1, 2 or 5 times a power of ten.
func niceStep(d float64) float64 {
	if d <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(d)))
	for _, f := range []float64{1, 2, 5, 10} {
		if d <= f*p {
			return f * p
		}
	}
	return 10 * p
}

func (s *svgWriter) axis(step float64) {
	y0 := s.top - 8
	bottom := s.laneY(len(s.m.lanes))
	s.printf(`<g stroke="#dadce0" stroke-width="1">` + "\n")
	for t := 0.0; t <= s.t1+step/1000; t += step {
		x := s.x(time.Duration(t * float64(time.Second)))
		s.printf(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>`+"\n", x, y0, x, bottom)
	}
	s.printf("</g>\n")
	s.printf(`<g fill="#5f6368" font-size="11" text-anchor="middle">` + "\n")
	for t := 0.0; t <= s.t1+step/1000; t += step {
		x := s.x(time.Duration(t * float64(time.Second)))
		s.printf(`<text x="%.1f" y="%d">+%s</text>`+"\n", x, y0-6, trimFloat(t))
	}
	s.printf("</g>\n")
	s.printf(`<text x="12" y="%d" font-size="11" fill="#5f6368">time since the session started (s)</text>`+"\n", y0-6)
}

// trimFloat prints t with no more digits than it needs.
func trimFloat(t float64) string {
	v := fmt.Sprintf("%.3f", t)
	v = strings.TrimRight(v, "0")
	return strings.TrimSuffix(v, ".") + "s"
}

func (s *svgWriter) lanes() {
	for i, l := range s.m.lanes {
		y := s.laneY(i)
		fill := "#ffffff"
		if i%2 == 1 {
			fill = "#f8f9fa"
		}
		s.printf(`<rect x="0" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", y, s.o.width, svgLaneHeight, fill)
		name := l.label()
		shown := name
		if r := []rune(shown); len(r) > 34 {
			shown = string(r[:33]) + "…"
		}
		mid := y + svgLaneHeight/2
		if role := l.role(); role != "" && l.kind != laneVolume {
			s.printf(`<text x="12" y="%d" font-size="10" fill="#80868b">%s</text>`+"\n", mid-6, role)
			s.printf(`<text x="12" y="%d" fill="#202124"><title>%s</title>%s</text>`+"\n", mid+9, esc(name), esc(shown))
		} else {
			s.printf(`<text x="12" y="%d" fill="#202124"><title>%s</title>%s</text>`+"\n", mid+4, esc(name), esc(shown))
		}
		s.printf(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#e8eaed"/>`+"\n", svgLabelWidth, mid, s.o.width-svgRight, mid)
	}
	s.printf(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#bdc1c6"/>`+"\n", svgLabelWidth, s.top-8, svgLabelWidth, s.laneY(len(s.m.lanes)))
}

// windows draws the frozen and held intervals against their windows.
func (s *svgWriter) windows() {
	for _, iv := range s.m.frozen {
		s.interval(iv, svgFrozen, "frozen", "freeze")
	}
	for _, iv := range s.m.held {
		s.interval(iv, svgHeld, "held", "hold")
	}
}

func (s *svgWriter) interval(iv interval, color, what, window string) {
	y := s.laneY(iv.lane)
	x0, x1 := s.x(iv.from), s.x(iv.to)
	ends := iv.from + iv.window
	xw := s.x(ends)
	// The window: a dashed box, with an arrow at the right edge when it
	// ends after the axis.
	tip := fmt.Sprintf("%s window of %s from %s: ends at %s", window, short(iv.window), seconds(iv.from), seconds(ends))
	s.printf(`<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" fill-opacity="0.07" stroke="%s" stroke-width="1.2" stroke-dasharray="5 3"><title>%s</title></rect>`+"\n",
		x0, y+3, math.Max(xw-x0, 1), svgLaneHeight-6, color, color, esc(tip))
	if ends.Seconds() > s.t1 {
		my := y + svgLaneHeight/2
		s.printf(`<path d="M %.1f %d l 7 5 l -7 5 z" fill="%s"><title>%s</title></path>`+"\n", xw-8, my-5, color, esc(tip))
	}
	// The interval itself: a solid bar, labelled with its length against
	// the window's.
	d := iv.to - iv.from
	bar := fmt.Sprintf("%s %.3fs of %s", what, d.Seconds(), short(iv.window))
	if iv.open {
		bar = fmt.Sprintf("%s %.3fs of %s, still when the trace ends", what, d.Seconds(), short(iv.window))
	}
	s.printf(`<rect x="%.1f" y="%d" width="%.1f" height="%d" rx="2" fill="%s" fill-opacity="0.75"><title>%s</title></rect>`+"\n",
		x0, y+svgLaneHeight/2-5, math.Max(x1-x0, 2), 10, color, esc(bar+", from "+seconds(iv.from)+"; "+tip))
	s.label(iv.lane, 1, x1+4, bar, "#202124", false)
}

// label writes text in a lane's row (0 above the middle, 1 below) at x,
// or as near to x as it fits beside the labels already in that row; it
// reports whether it found room.
func (s *svgWriter) label(lane, row int, x float64, text, color string, bold bool) bool {
	perChar, reach := 6.3, 60.0 // a label strays at most reach from its mark
	if bold {
		perChar, reach = 7.2, 400
	}
	wid := float64(len([]rune(text)))*perChar + 4
	lo, hi := float64(svgLabelWidth+2), float64(s.o.width-4)-wid
	key := [2]int{lane, row}
	fits := func(x float64) bool {
		if x < lo || x > hi {
			return false
		}
		for _, r := range s.labels[key] {
			if x < r[1] && x+wid > r[0] {
				return false
			}
		}
		return true
	}
	want := math.Max(lo, math.Min(x, hi))
	candidates := []float64{want}
	for _, r := range s.labels[key] {
		candidates = append(candidates, r[1]+4, r[0]-wid-4)
	}
	best, found := 0.0, false
	for _, c := range candidates {
		if fits(c) && math.Abs(c-want) <= reach && (!found || math.Abs(c-want) < math.Abs(best-want)) {
			best, found = c, true
		}
	}
	if !found {
		return false
	}
	x = best
	s.labels[key] = append(s.labels[key], [2]float64{x, x + wid})
	y := s.laneY(lane) + svgLaneHeight/2 - 7
	if row == 1 {
		y = s.laneY(lane) + svgLaneHeight/2 + 15
	}
	weight := ""
	if bold {
		weight = ` font-weight="bold"`
	}
	s.printf(`<text x="%.1f" y="%d" font-size="10.5" fill="%s"%s>%s</text>`+"\n", x, y, color, weight, esc(text))
	return true
}

// worthALabel says which records are named on the timeline besides
// failures: the moves of the creation and the requestor's decisive calls.
func worthALabel(r coordinator.Record) (string, bool) {
	switch r.Kind {
	case coordinator.RecCall:
		switch r.Call {
		case coordinator.CallDoSnapshotSet, coordinator.CallAbortBackup, coordinator.CallBackupComplete,
			coordinator.CallPrepareForBackup, coordinator.CallGatherWriterMetadata:
			return r.Call.String(), true
		}
	case coordinator.RecWriterEvent:
		switch r.Event {
		case writer.EventFreeze, writer.EventThaw, writer.EventAbort:
			return r.Event.String(), true
		}
	case coordinator.RecProviderResult:
		if r.Method == provider.MethodCommitSnapshots && r.OK() {
			return "committed", true
		}
	case coordinator.RecState:
		switch r.Decision {
		case coordinator.DecisionSetCreated:
			return "set created", true
		}
	}
	return "", false
}

// marks draws a mark for every record in its actor's lane: the failures'
// labels first, so that they always find room, then the other records,
// then the failures' crosses, on top.
func (s *svgWriter) marks() {
	m := s.m
	lanesOf := func(i int) []int {
		if m.trace[i].Kind == coordinator.RecWrites && len(m.setVolumes[i]) > 0 {
			return m.setVolumes[i]
		}
		return []int{m.laneOf[i]}
	}
	for i, r := range m.trace {
		if why, failed := failure(r); failed {
			for _, l := range lanesOf(i) {
				x := s.x(r.At) + 7
				if !s.label(l, 0, x, why, svgFailure, true) {
					s.label(l, 1, x, why, svgFailure, true)
				}
			}
		}
	}
	for i, r := range m.trace {
		if _, failed := failure(r); failed {
			continue
		}
		for _, l := range lanesOf(i) {
			x := s.x(r.At)
			y := float64(s.laneY(l) + svgLaneHeight/2)
			tip := esc(r.String())
			if r.Result {
				s.printf(`<circle cx="%.1f" cy="%.1f" r="2.6" fill="#ffffff" stroke="%s" stroke-width="1.2"><title>%s</title></circle>`+"\n", x, y, svgEvent, tip)
			} else {
				s.printf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.6"><title>%s</title></line>`+"\n", x, y-6, x, y+6, svgEvent, tip)
			}
			if text, ok := worthALabel(r); ok {
				s.label(l, 0, x+3, text, "#3c4043", false)
			}
		}
	}
	for i, r := range m.trace {
		if _, failed := failure(r); !failed {
			continue
		}
		for _, l := range lanesOf(i) {
			x := s.x(r.At)
			y := float64(s.laneY(l) + svgLaneHeight/2)
			s.printf(`<g stroke="%s" stroke-width="2.4"><title>%s</title><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/></g>`+"\n",
				svgFailure, esc(r.String()), x-5, y-5, x+5, y+5, x-5, y+5, x+5, y-5)
		}
	}
}

func (s *svgWriter) legend() {
	y := s.laneY(len(s.m.lanes)) + 26
	x := 12.0
	item := func(draw func(x float64), text string) {
		draw(x)
		s.printf(`<text x="%.1f" y="%d" font-size="11" fill="#3c4043">%s</text>`+"\n", x+26, y+4, esc(text))
		x += 26 + float64(len(text))*6.4 + 22
	}
	item(func(x float64) {
		s.printf(`<rect x="%.1f" y="%d" width="20" height="10" rx="2" fill="%s" fill-opacity="0.75"/>`+"\n", x, y-5, svgFrozen)
	}, "writer frozen (Freeze sent to Thaw or Abort sent)")
	item(func(x float64) {
		s.printf(`<rect x="%.1f" y="%d" width="20" height="14" fill="%s" fill-opacity="0.07" stroke="%s" stroke-dasharray="5 3"/>`+"\n", x, y-7, svgFrozen, svgFrozen)
	}, "freeze window")
	item(func(x float64) {
		s.printf(`<rect x="%.1f" y="%d" width="20" height="10" rx="2" fill="%s" fill-opacity="0.75"/>`+"\n", x, y-5, svgHeld)
	}, "writes held")
	item(func(x float64) {
		s.printf(`<rect x="%.1f" y="%d" width="20" height="14" fill="%s" fill-opacity="0.07" stroke="%s" stroke-dasharray="5 3"/>`+"\n", x, y-7, svgHeld, svgHeld)
	}, "hold window")
	item(func(x float64) {
		s.printf(`<g stroke="%s" stroke-width="2.4"><line x1="%.1f" y1="%d" x2="%.1f" y2="%d"/><line x1="%.1f" y1="%d" x2="%.1f" y2="%d"/></g>`+"\n",
			svgFailure, x+5, y-5, x+15, y+5, x+5, y+5, x+15, y-5)
	}, "failure")
	item(func(x float64) {
		s.printf(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="1.6"/><circle cx="%.1f" cy="%d" r="2.6" fill="#ffffff" stroke="%s" stroke-width="1.2"/>`+"\n",
			x+6, y-6, x+6, y+6, svgEvent, x+14, y, svgEvent)
	}, "call or event, answer")
}
