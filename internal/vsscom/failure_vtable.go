package vsscom

import "github.com/vsskit/vss"

// The interfaces through which a requestor reads the failures writers
// record (CVssWriterEx2::SetWriterFailureEx, IVssComponentEx2::SetFailure).
// Each derives from the interface the session already holds, whose vtable
// it extends: QueryInterface on the same object returns a pointer whose
// vtable holds the base interface's slots, then these. Windows 7 and
// Windows Server 2008 R2 and later have them; an older VSS answers
// QueryInterface with E_NOINTERFACE.

// IVssBackupComponentsEx3 (vsbackup.h), derived from IVssBackupComponents
// through IVssBackupComponentsEx and IVssBackupComponentsEx2.
const (
	BCEx3GetWriterStatusEx = 60 // (UINT, VSS_ID* instance, VSS_ID* writer, BSTR* name, VSS_WRITER_STATE*, HRESULT* writer, HRESULT* application, BSTR* message)
	BCEx3Slots             = 64 // GetSessionId is the last, 63
)

// IVssComponentEx2 (vswriter.h), derived from IVssComponent through
// IVssComponentEx.
const (
	CompEx2GetFailure = 49 // (HRESULT* hr, HRESULT* application, BSTR* message, DWORD* reserved)
	CompEx2Slots      = 50
)

// QueryInterface's failures (winerror.h): ENoInterface (E_NOINTERFACE)
// for an interface the object does not have, EPointer (E_POINTER) for a
// NULL interface identifier or out pointer.
const (
	ENoInterface vss.HRESULT = 0x80004002
	EPointer     vss.HRESULT = 0x80004003
)

// Interface identifiers (the IID_* of the headers) this project passes to
// QueryInterface or answers to in its fakes.
var (
	IIDIUnknown            = vss.MustParseID("00000000-0000-0000-C000-000000000046")
	IIDBackupComponents    = vss.MustParseID("665c1d5f-c218-414d-a05d-7fef5f9d5c86")
	IIDBackupComponentsEx  = vss.MustParseID("963f03ad-9e4c-4a34-ac15-e4b6174e5036")
	IIDBackupComponentsEx2 = vss.MustParseID("acfe2b3a-22c9-4ef8-bd03-2f9ca230084e")
	IIDBackupComponentsEx3 = vss.MustParseID("c191bfbc-b602-4675-8bd1-67d642f529d5")
	IIDComponent           = vss.MustParseID("d2c72c96-c121-4518-b627-e5a93d010ead")
	IIDComponentEx         = vss.MustParseID("156c8b5e-f131-4bd7-9c97-d1923be7e1fa")
	IIDComponentEx2        = vss.MustParseID("3b5be0f2-07a9-4e4b-bdd3-cfdc8e2c0d2d")
)

// IID is an interface identifier as a header declares it
// (DEFINE_GUID(IID_<Name>, ...)).
type IID struct {
	Name   string // the interface, for example "IVssBackupComponentsEx3"
	Header string // the mingw-w64 header declaring it
	ID     vss.ID
}

// IIDs lists the identifiers above in the form headers_test.go checks.
var IIDs = []IID{
	{"IUnknown", "unknwn.h", IIDIUnknown},
	{"IVssBackupComponents", "vsbackup.h", IIDBackupComponents},
	{"IVssBackupComponentsEx", "vsbackup.h", IIDBackupComponentsEx},
	{"IVssBackupComponentsEx2", "vsbackup.h", IIDBackupComponentsEx2},
	{"IVssBackupComponentsEx3", "vsbackup.h", IIDBackupComponentsEx3},
	{"IVssComponent", "vswriter.h", IIDComponent},
	{"IVssComponentEx", "vswriter.h", IIDComponentEx},
	{"IVssComponentEx2", "vswriter.h", IIDComponentEx2},
}

// Derived pairs an interface with the base interface whose slots its
// vtable begins with, as the header declares both; headers_test.go checks
// that the base's methods come first, in order.
type Derived struct {
	Interface, Base, Header string
}

// DerivedInterfaces lists the interfaces this project reaches through
// QueryInterface and calls by their own slots.
var DerivedInterfaces = []Derived{
	{"IVssBackupComponentsEx3", "IVssBackupComponents", "vsbackup.h"},
	{"IVssComponentEx2", "IVssComponent", "vswriter.h"},
}

func init() {
	Methods = append(Methods,
		Method{"IVssBackupComponentsEx3", "vsbackup.h", "QueryInterface", QueryInterface},
		Method{"IVssBackupComponentsEx3", "vsbackup.h", "Release", Release},
		Method{"IVssBackupComponentsEx3", "vsbackup.h", "GetWriterStatusEx", BCEx3GetWriterStatusEx},
		Method{"IVssBackupComponentsEx3", "vsbackup.h", "GetSessionId", BCEx3Slots - 1},
		Method{"IVssComponentEx2", "vswriter.h", "GetFailure", CompEx2GetFailure}, // also the last slot, CompEx2Slots - 1
	)
}
