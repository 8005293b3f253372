// Package com is the little of COM that the VSS requestor needs, in pure
// Go over golang.org/x/sys/windows: calling a method through an
// interface's vtable, passing GUIDs by value as the 64-bit Windows ABIs
// want them, BSTRs and CoTaskMem strings with live counts (so tests can
// prove nothing leaked), and one OS thread per session initialised for the
// multithreaded apartment.
//
// It builds on windows/amd64 and windows/arm64 only; elsewhere the package
// is empty.
package com
