package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a progress bar on one terminal line as bytes are copied.
type progress struct {
	w             io.Writer
	off           bool
	total, copied int64
	last          time.Time
}

func newProgress(w io.Writer, quiet bool) *progress { return &progress{w: w, off: quiet} }

func (p *progress) start(total int64) { p.total = total; p.draw(true) }

// Write counts copied bytes (progress sits behind an io.TeeReader).
func (p *progress) Write(b []byte) (int, error) {
	p.add(len(b))
	return len(b), nil
}

// add counts n copied bytes.
func (p *progress) add(n int) {
	p.copied += int64(n)
	p.draw(false)
}

func (p *progress) draw(force bool) {
	if p.off || (!force && time.Since(p.last) < 100*time.Millisecond) {
		return
	}
	p.last = time.Now()
	const width = 30
	frac := 1.0
	if p.total > 0 {
		frac = float64(p.copied) / float64(p.total)
	}
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %s/%s", strings.Repeat("#", n), strings.Repeat(" ", width-n),
		frac*100, humanBytes(p.copied), humanBytes(p.total))
}

// done draws the final state and ends the line.
func (p *progress) done() {
	if p.off {
		return
	}
	p.draw(true)
	fmt.Fprintln(p.w)
}

// humanBytes prints a size as people read it: 1.5 MB.
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
