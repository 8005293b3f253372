// Package vssfake is a fake of the VSS COM API for tests: a COM object
// that looks like an IVssBackupComponents from vssapi.dll, with vtables
// made of syscall.NewCallback functions, whose behaviour comes from any
// requestor.Requestor, usually a simulated session (package simulate).
// The Windows requestor's tests hand it to a session through
// requestor.NewWindowsForTest, a constructor that exists only in the
// requestor test binary, so that the whole backup sequence runs through
// the real ABI code: vtable calls, GUIDs by value, BSTRs, CoTaskMem
// strings, IVssAsync.
//
// It is as strict as the SDK pages where a caller can get a call wrong:
// IVssAsync::QueryStatus refuses a non-NULL reserved pointer with
// E_INVALIDARG, so every asynchronous call of a test fails if the caller
// passes one. QueryInterface is COM's: E_POINTER for a NULL out pointer,
// E_NOINTERFACE (and a NULL interface) for an interface the object lacks,
// the object itself for IUnknown and the interfaces derived from its own
// that VSS's object has (IVssBackupComponentsEx3, IVssComponentEx2), which
// Fake.Legacy withholds, as VSS before Windows 7 does. Panic and Hang
// make a method panic or block, for the session's clean-up paths.
//
// It also keeps count: every COM object it handed out and not released,
// every IVssAsync cancelled, every call made, so tests can prove that
// nothing leaked. It builds on windows/amd64 and windows/arm64 only.
package vssfake
