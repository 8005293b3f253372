//go:build windows && (amd64 || arm64)

package vssfake

import (
	"context"
	"sync"
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// Fake is a fake VSS: each Create makes an IVssBackupComponents whose
// calls go to R. Set the fields before the first Create.
type Fake struct {
	// R gives the behaviour: every backup call is passed on to it,
	// usually a simulated session.
	R requestor.Requestor
	// Block names an asynchronous call (for example "DoSnapshotSet") that
	// never finishes by itself: its IVssAsync stays pending until
	// cancelled, as a hung writer would leave it.
	Block string
	// SnapshotDir, if set, is where shadow copies are laid out as plain
	// directories (one per shadow copy, copied from R's SnapshotFS); their
	// device object is that directory, so reading them goes through the
	// same os.DirFS code as on real Windows.
	SnapshotDir string
	// Panic names an IVssBackupComponents method (for example
	// "SaveAsXML") whose implementation panics, on the caller's thread
	// (the session's COM thread), as a bug in code running there would.
	Panic string
	// Hang names a synchronous IVssBackupComponents method (for example
	// "AbortBackup") that blocks, as a COM call to a hung service would,
	// until Unhang is called.
	Hang string
	// Legacy makes the objects those of VSS before Windows 7 and Windows
	// Server 2008 R2, which lacks IVssBackupComponentsEx3 and
	// IVssComponentEx2: QueryInterface refuses them with E_NOINTERFACE.
	Legacy bool

	hangOnce sync.Once
	unhang   chan struct{}

	mu        sync.Mutex
	calls     []string
	cancelled []string
	enabled   []vss.ID
	disabled  []vss.ID
	restore   []string // components selected for restore, as "class:path\name=bool"
	snapshots []vss.ID // every ID AddToSnapshotSet returned
	metaFreed bool
	forBackup bool // InitializeForBackup succeeded
	metadata  []*writer.Metadata
	status    []requestor.WriterStatus
}

// Create returns a new fake IVssBackupComponents with one reference, for
// the requestor tests' NewWindowsForTest.
func (f *Fake) Create() (unsafe.Pointer, error) {
	return newObject(f.vtable("backup"), &backup{f: f}), nil
}

// Calls returns the IVssBackupComponents methods called, in order.
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Cancelled returns the asynchronous calls whose IVssAsync::Cancel was
// called.
func (f *Fake) Cancelled() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.cancelled...)
}

// WriterClasses returns the classes passed to EnableWriterClasses and
// DisableWriterClasses.
func (f *Fake) WriterClasses() (enabled, disabled []vss.ID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]vss.ID(nil), f.enabled...), append([]vss.ID(nil), f.disabled...)
}

// SelectedForRestore returns the SetSelectedForRestore calls, as
// "{class}:logical\path\name=true".
func (f *Fake) SelectedForRestore() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.restore...)
}

// MetadataFreed reports whether FreeWriterMetadata was called after the
// last GatherWriterMetadata.
func (f *Fake) MetadataFreed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.metaFreed
}

func (f *Fake) record(call string) {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
}

// ctx is the context of synchronous calls: COM has none.
var ctx = context.Background()

// Unhang lets the calls blocked by Hang return, and every later one.
func (f *Fake) Unhang() {
	f.hangOnce.Do(func() { f.unhang = make(chan struct{}) })
	select {
	case <-f.unhang:
	default:
		close(f.unhang)
	}
}

// hang blocks a call named by Hang until Unhang.
func (f *Fake) hang() {
	f.hangOnce.Do(func() { f.unhang = make(chan struct{}) })
	<-f.unhang
}
