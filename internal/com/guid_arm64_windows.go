//go:build windows && arm64

package com

import (
	"encoding/binary"

	"github.com/vsskit/vss"
)

// GUIDSlots is how many argument slots a GUID passed by value takes: on
// windows/arm64 a 16-byte struct travels in two general registers (or two
// stack slots once the eight registers are used up).
const GUIDSlots = 2

// GUID appends a VSS_ID passed by value. A 16-byte struct never straddles
// the last register (x7) and the stack: when only x7 is left, the ABI
// skips it and passes the whole struct on the stack.
func (a *Args) GUID(id vss.ID) *Args {
	if len(a.list)+1 == 7 { // this pointer + args would put the GUID in x7 and on the stack
		a.list = append(a.list, 0)
	}
	w := id.WindowsBytes()
	a.list = append(a.list, uintptr(binary.LittleEndian.Uint64(w[0:8])), uintptr(binary.LittleEndian.Uint64(w[8:16])))
	return a
}

// ArgGUID reads a VSS_ID passed by value from the raw arguments a COM
// method received (in a callback), starting at args[i]; it returns the ID
// and the index of the next argument.
func ArgGUID(args []uintptr, i int) (vss.ID, int) {
	if i == 7 {
		i++
	}
	if i+1 >= len(args) {
		return vss.NilID, i + 2
	}
	var w [16]byte
	binary.LittleEndian.PutUint64(w[0:8], uint64(args[i]))
	binary.LittleEndian.PutUint64(w[8:16], uint64(args[i+1]))
	return vss.FromWindowsBytes(w), i + 2
}
