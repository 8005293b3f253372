package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// show is a name from a document, or a file name, as printed: as it is
// when every character in it is printable, else quoted and escaped like a
// Go string ("a\u202eb"), so control characters, bidirectional overrides
// (U+202A–U+202E, U+2066–U+2069) and other invisible characters are seen,
// not acted on by the terminal. An empty name, or one that starts with a
// quote, is quoted too, so a printed name is never ambiguous.
func show(s string) string {
	if s == "" || strings.HasPrefix(s, `"`) || !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// escaper passes what it is given to w with every character that is not
// printable, other than newline and tab, escaped as \uXXXX (a UTF-16 pair
// above U+FFFF, as JSON spells it) and every byte that is not UTF-8 as
// \xNN. It is the last guard between a document's contents and the
// terminal for what show does not cover: JSON, diffs, error messages.
type escaper struct {
	w       io.Writer
	pending []byte // an incomplete UTF-8 sequence, completed by the next Write
}

func (e *escaper) Write(p []byte) (int, error) {
	b := append(e.pending, p...)
	e.pending = nil
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size <= 1 && !utf8.FullRune(b):
			e.pending = append([]byte(nil), b...)
			b = nil
			continue
		case r == utf8.RuneError && size <= 1:
			out = fmt.Appendf(out, `\x%02x`, b[0])
		case r == '\n' || r == '\t' || strconv.IsPrint(r):
			out = append(out, b[:size]...)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		default:
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		b = b[size:]
	}
	if _, err := e.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// flush writes an incomplete UTF-8 sequence left at the end, escaped.
func (e *escaper) flush() {
	var out []byte
	for _, c := range e.pending {
		out = fmt.Appendf(out, `\x%02x`, c)
	}
	e.pending = nil
	if len(out) > 0 {
		e.w.Write(out)
	}
}
