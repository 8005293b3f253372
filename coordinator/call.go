package coordinator

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// CallKind names a requestor call (an IVssBackupComponents method).
type CallKind int

// The requestor calls a coordinator session answers.
const (
	CallInitializeForBackup CallKind = iota + 1
	CallSetContext
	CallSetBackupState
	CallGatherWriterMetadata
	CallWriterMetadata
	CallStartSnapshotSet
	CallAddToSnapshotSet
	CallAddComponent
	CallPrepareForBackup
	CallDoSnapshotSet
	CallGatherWriterStatus
	CallWriterStatus
	CallGetSnapshotProperties
	CallSnapshotFS
	CallSetBackupSucceeded
	CallBackupComplete
	CallAbortBackup
	CallDeleteSnapshots
	CallSaveAsXML
	CallClose
	CallEnableWriterClasses
	CallDisableWriterClasses
	CallDisableWriterInstances
	CallSetPreviousBackupStamp
	CallSetBackupOptions
	// The calls of a restore session (restore.go).
	CallInitializeForRestore
	CallSetSelectedForRestore
	CallAddRestoreSubcomponent
	CallSetRestoreOptions
	CallSetAdditionalRestores
	CallAddAlternativeLocationMapping
	CallAddNewTarget
	CallPreRestore
	CallSetFileRestoreStatus
	CallPostRestore
	CallWriterComponents
	CallSetRestoreState
)

var callNames = [...]string{
	CallInitializeForBackup: "InitializeForBackup", CallSetContext: "SetContext", CallSetBackupState: "SetBackupState",
	CallGatherWriterMetadata: "GatherWriterMetadata", CallWriterMetadata: "WriterMetadata",
	CallStartSnapshotSet: "StartSnapshotSet", CallAddToSnapshotSet: "AddToSnapshotSet", CallAddComponent: "AddComponent",
	CallPrepareForBackup: "PrepareForBackup", CallDoSnapshotSet: "DoSnapshotSet",
	CallGatherWriterStatus: "GatherWriterStatus", CallWriterStatus: "WriterStatus",
	CallGetSnapshotProperties: "GetSnapshotProperties", CallSnapshotFS: "SnapshotFS",
	CallSetBackupSucceeded: "SetBackupSucceeded", CallBackupComplete: "BackupComplete", CallAbortBackup: "AbortBackup",
	CallDeleteSnapshots: "DeleteSnapshots", CallSaveAsXML: "SaveAsXML", CallClose: "Close",
	CallEnableWriterClasses: "EnableWriterClasses", CallDisableWriterClasses: "DisableWriterClasses",
	CallDisableWriterInstances: "DisableWriterInstances",
	CallSetPreviousBackupStamp: "SetPreviousBackupStamp", CallSetBackupOptions: "SetBackupOptions",
	CallInitializeForRestore: "InitializeForRestore", CallSetSelectedForRestore: "SetSelectedForRestore",
	CallAddRestoreSubcomponent: "AddRestoreSubcomponent", CallSetRestoreOptions: "SetRestoreOptions",
	CallSetAdditionalRestores: "SetAdditionalRestores", CallAddAlternativeLocationMapping: "AddAlternativeLocationMapping",
	CallAddNewTarget: "AddNewTarget", CallPreRestore: "PreRestore", CallSetFileRestoreStatus: "SetFileRestoreStatus",
	CallPostRestore: "PostRestore", CallWriterComponents: "WriterComponents", CallSetRestoreState: "SetRestoreState",
}

// String returns the name of the requestor.Requestor (or
// requestor.Restorer) method, which is the IVssBackupComponents method's
// name but for three: WriterMetadata, WriterStatus and WriterComponents
// drop the Get of GetWriterMetadata, GetWriterStatus and
// GetWriterComponents.
func (k CallKind) String() string {
	if k > 0 && int(k) < len(callNames) {
		return callNames[k]
	}
	return fmt.Sprintf("CallKind(%d)", int(k))
}

// step is the step of the backup (1 to 11, numbered as the package
// documentation lists them) a call belongs to. AbortBackup belongs to
// whatever step it interrupts (0).
func (k CallKind) step() int {
	if k > 0 && int(k) < len(callSteps) {
		return int(callSteps[k])
	}
	return 0
}

// callSteps is step's table, made once from requestor.CallStep, the one
// table of the calls' steps, which the Windows requestor's trace numbers
// its calls with too: real and simulated traces number a call alike.
var callSteps = func() (t [len(callNames)]uint8) {
	for k, name := range callNames {
		t[k] = uint8(requestor.CallStep(name))
	}
	return t
}()

// Call is one requestor call with its arguments, as the state machine
// receives it. Only the fields of the call's kind are read.
type Call struct {
	Kind        CallKind
	BCDXML      string                // InitializeForBackup
	Context     vss.SnapshotContext   // SetContext
	BackupState requestor.BackupState // SetBackupState
	Volume      string                // AddToSnapshotSet
	ProviderID  vss.ID                // AddToSnapshotSet: vss.NilID lets VSS choose
	WriterID    vss.ID                // AddComponent, SetBackupSucceeded: writer instance
	ClassID     vss.ID                // AddComponent, SetBackupSucceeded: writer class
	Component   writer.ComponentKey   // AddComponent, SetBackupSucceeded
	Succeeded   bool                  // SetBackupSucceeded
	Text        string                // SetPreviousBackupStamp: the stamp; SetBackupOptions: the options
	ID          vss.ID                // GetSnapshotProperties, SnapshotFS, DeleteSnapshots
	Object      provider.ObjectType   // DeleteSnapshots
	// Writers lists writer classes (EnableWriterClasses,
	// DisableWriterClasses) or writer instances (DisableWriterInstances).
	Writers []vss.ID
	// The restore calls name a component by writer class (ClassID) and
	// key (Component); InitializeForRestore reads BCDXML.
	Selected     bool                  // SetSelectedForRestore, SetAdditionalRestores
	Subcomponent writer.ComponentKey   // AddRestoreSubcomponent: its LogicalPath and Name
	Options      string                // SetRestoreOptions
	Files        writer.FileSpec       // AddAlternativeLocationMapping, AddNewTarget: the file set, AlternatePath its destination
	FileStatus   vss.FileRestoreStatus // SetFileRestoreStatus
	RestoreType  vss.RestoreType       // SetRestoreState
}

// Reply is the answer to a Call. Err is nil on success; the other fields
// are set by the calls that return them.
type Reply struct {
	Kind     CallKind
	Err      error
	ID       vss.ID                   // StartSnapshotSet, AddToSnapshotSet
	Metadata []*writer.Metadata       // GetWriterMetadata
	Status   []requestor.WriterStatus // GetWriterStatus
	Snapshot *provider.Snapshot       // GetSnapshotProperties
	FS       fs.FS                    // SnapshotFS
	Count    int                      // DeleteSnapshots
	XML      string                   // SaveAsXML
	// Components are the writers' parts of the backup components
	// document of a restore (WriterComponents).
	Components []*requestor.WriterComponents
}

// Calls lists every requestor call, in the order of the constants.
func Calls() []CallKind {
	ks := make([]CallKind, 0, len(callNames)-1)
	for k := CallInitializeForBackup; int(k) < len(callNames); k++ {
		ks = append(ks, k)
	}
	return ks
}

// ParseCallKind returns the call named name: its Go method name (String)
// or its IVssBackupComponents name (GetWriterMetadata, GetWriterStatus).
// The error names the valid choices.
func ParseCallKind(name string) (CallKind, error) {
	switch name {
	case "GetWriterMetadata":
		return CallWriterMetadata, nil
	case "GetWriterStatus":
		return CallWriterStatus, nil
	case "GetWriterComponents":
		return CallWriterComponents, nil
	}
	var names []string
	for _, k := range Calls() {
		if k.String() == name {
			return k, nil
		}
		names = append(names, k.String())
	}
	return 0, fmt.Errorf("coordinator: no requestor call %q; the calls are %s", name, strings.Join(names, ", "))
}
