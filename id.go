package vss

import (
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

// ID is a VSS_ID: a GUID naming a writer class, writer instance, snapshot,
// snapshot set or provider. The zero ID is GUID_NULL.
//
// The bytes are stored in the order a GUID is printed, so ID values compare
// and sort the way their strings do. Windows stores the first three fields
// of a GUID little-endian in memory; the COM layer converts with
// FromWindowsBytes and WindowsBytes.
type ID [16]byte

// NilID is GUID_NULL, {00000000-0000-0000-0000-000000000000}.
var NilID ID

// ParseID reads a GUID in any of the forms VSS documents use: with or
// without braces, upper, lower or mixed case
// ("{B2014C9E-8711-4C5C-A5A9-3CF384484757}", "b2014c9e-8711-4c5c-a5a9-3cf384484757").
func ParseID(s string) (ID, error) {
	var id ID
	t := s
	if strings.HasPrefix(t, "{") {
		if !strings.HasSuffix(t, "}") {
			return id, fmt.Errorf("vss: bad GUID %q: opening brace without closing brace", s)
		}
		t = t[1 : len(t)-1]
	}
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return id, fmt.Errorf("vss: bad GUID %q: want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", s)
	}
	hexDigits := t[0:8] + t[9:13] + t[14:18] + t[19:23] + t[24:36]
	if _, err := hex.Decode(id[:], []byte(hexDigits)); err != nil {
		return ID{}, fmt.Errorf("vss: bad GUID %q: %v", s, err)
	}
	return id, nil
}

// MustParseID is ParseID for constants written in code; it panics on a
// malformed GUID.
func MustParseID(s string) ID {
	id, err := ParseID(s)
	if err != nil {
		panic(err)
	}
	return id
}

// String prints the ID as StringFromGUID2 does: upper case, in braces.
func (id ID) String() string {
	return "{" + strings.ToUpper(id.text()) + "}"
}

// text is the lower-case form without braces, as VSS XML documents mostly
// write GUIDs.
func (id ID) text() string {
	var b [36]byte
	return string(id.AppendXML(b[:0]))
}

// AppendXML appends the ID in XMLString's form (lower case, no braces) to
// b, without allocating when b has room for its 36 bytes.
func (id ID) AppendXML(b []byte) []byte {
	n := len(b)
	b = append(b, make([]byte, 36)...)
	t := b[n:]
	hex.Encode(t[0:8], id[0:4])
	t[8] = '-'
	hex.Encode(t[9:13], id[4:6])
	t[13] = '-'
	hex.Encode(t[14:18], id[6:8])
	t[18] = '-'
	hex.Encode(t[19:23], id[8:10])
	t[23] = '-'
	hex.Encode(t[24:36], id[10:16])
	return b
}

// XMLString prints the ID the way VSS writes GUIDs in writer metadata and
// backup components documents: lower case, without braces.
func (id ID) XMLString() string { return id.text() }

// IsNil reports whether id is GUID_NULL.
func (id ID) IsNil() bool { return id == NilID }

// MarshalText implements encoding.TextMarshaler with the String form.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts every form
// ParseID accepts.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// WindowsBytes returns the 16 bytes of the GUID structure as Windows lays
// it out in memory (Data1, Data2 and Data3 little-endian).
func (id ID) WindowsBytes() [16]byte {
	var w [16]byte
	w[0], w[1], w[2], w[3] = id[3], id[2], id[1], id[0]
	w[4], w[5] = id[5], id[4]
	w[6], w[7] = id[7], id[6]
	copy(w[8:], id[8:])
	return w
}

// FromWindowsBytes is the inverse of WindowsBytes.
func FromWindowsBytes(w [16]byte) ID {
	var id ID
	id[0], id[1], id[2], id[3] = w[3], w[2], w[1], w[0]
	id[4], id[5] = w[5], w[4]
	id[6], id[7] = w[7], w[6]
	copy(id[8:], w[8:])
	return id
}

// NewID makes a random (version 4) GUID from the bytes of src. Pass
// crypto/rand.Reader for real use, or a seeded source for reproducible
// runs; the simulator passes its own seeded source so that the same seed
// gives the same IDs.
func NewID(src io.Reader) (ID, error) {
	var id ID
	if c, ok := src.(*rand.ChaCha8); ok {
		c.Read(id[:]) // never fails; a direct call leaves id on the stack
	} else {
		var b ID // read through an interface: b escapes, id need not
		if _, err := io.ReadFull(src, b[:]); err != nil {
			return NilID, fmt.Errorf("vss: reading random GUID bytes: %w", err)
		}
		id = b
	}
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id, nil
}
