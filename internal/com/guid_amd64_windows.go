//go:build windows && amd64

package com

import (
	"unsafe"

	"github.com/vsskit/vss"
)

// GUIDSlots is how many argument slots a GUID passed by value takes: on
// windows/amd64 a 16-byte struct is passed as a pointer to a copy the
// caller made.
const GUIDSlots = 1

// GUID appends a VSS_ID passed by value.
func (a *Args) GUID(id vss.ID) *Args {
	w := new([16]byte)
	*w = id.WindowsBytes()
	return a.Ptr(unsafe.Pointer(w))
}

// ArgGUID reads a VSS_ID passed by value from the raw arguments a COM
// method received (in a callback), starting at args[i]; it returns the ID
// and the index of the next argument.
func ArgGUID(args []uintptr, i int) (vss.ID, int) {
	if i >= len(args) || args[i] == 0 {
		return vss.NilID, i + 1
	}
	return FromPtr(args[i]), i + 1
}
