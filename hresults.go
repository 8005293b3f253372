package vss

import "sort"

// This file is the one table of the HRESULTs this package defines: their
// VSS names and meanings (what Name and Error print) and what Explain says
// about them. Causes and actions quote or follow Microsoft's VSS
// documentation, naming the page (Reason.From); what Microsoft does not
// say is marked as this library's own (Reason.From empty).

// Explanation is what this package knows about an HRESULT, for people and
// for tools deciding what to do: what it means, in which steps of a backup
// it arises, what usually causes it and what a backup tool should do.
type Explanation struct {
	Code HRESULT
	Name string // the VSS name, for example "VSS_E_BAD_STATE"
	Text string // what the code means, as Error prints it
	// Steps are the steps of a backup in which the code arises, numbered
	// 1 to 11 as trace records number them (see coordinator.Steps); empty
	// for a code no step in particular returns.
	Steps   []int
	Causes  []Reason // what usually causes it
	Actions []Reason // what a backup tool should do about it
}

// Reason is one cause or one piece of advice of an Explanation, with where
// it comes from.
type Reason struct {
	Text string
	// From names the page of Microsoft's VSS documentation the reason is
	// taken from, for example "IVssBackupComponents::DoSnapshotSet"; it is
	// empty when the reason is this library's own.
	From string
}

// Ours reports whether the reason is this library's own reading or advice
// rather than Microsoft's.
func (r Reason) Ours() bool { return r.From == "" }

// Explain returns what this package knows about h; ok is false for a code
// it does not define.
func Explain(h HRESULT) (e Explanation, ok bool) {
	i, ok := hresults[h]
	if !ok {
		return Explanation{Code: h, Name: h.Name()}, false
	}
	return Explanation{Code: h, Name: i.name, Text: i.text, Steps: append([]int(nil), i.steps...),
		Causes: append([]Reason(nil), i.causes...), Actions: append([]Reason(nil), i.actions...)}, true
}

// HRESULTs returns every HRESULT this package defines, in ascending order
// of value.
func HRESULTs() []HRESULT {
	out := make([]HRESULT, 0, len(hresults))
	for h := range hresults {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// hresultInfo is one row of the table.
type hresultInfo struct {
	name, text string
	steps      []int
	causes     []Reason
	actions    []Reason
}

// ms is a reason taken from Microsoft's page; ours is this library's own.
func ms(page, text string) Reason { return Reason{Text: text, From: page} }
func ours(text string) Reason     { return Reason{Text: text} }

// Pages of Microsoft's VSS documentation the table cites.
const (
	pageAddToSnapshotSet     = "IVssBackupComponents::AddToSnapshotSet"
	pageAddComponent         = "IVssBackupComponents::AddComponent"
	pageBackupComplete       = "IVssBackupComponents::BackupComplete"
	pageDoSnapshotSet        = "IVssBackupComponents::DoSnapshotSet"
	pageGatherWriterMetadata = "IVssBackupComponents::GatherWriterMetadata"
	pageGetSnapshotProps     = "IVssBackupComponents::GetSnapshotProperties"
	pageGetWriterStatus      = "IVssBackupComponents::GetWriterStatus"
	pageGetWriterStatusEx    = "IVssBackupComponentsEx3::GetWriterStatusEx"
	pageStartSnapshotSet     = "IVssBackupComponents::StartSnapshotSet"
	// pageMethodTables is the return values table that most
	// IVssBackupComponents methods share, word for word.
	pageMethodTables        = "IVssBackupComponents methods (return values)"
	pageQueryStatus         = "IVssAsync::QueryStatus"
	pageEndPrepare          = "IVssProviderCreateSnapshotSet::EndPrepareSnapshots"
	pageBeginPrepare        = "IVssSoftwareSnapshotProvider::BeginPrepareSnapshot"
	pageProviderErrors      = "Error Handling in Shadow Copy Providers"
	pageRegisterProvider    = "IVssAdmin::RegisterProvider"
	pageUnregisterProvider  = "IVssAdmin::UnregisterProvider"
	pageWriterErrors        = "Writer Errors and Vetoes"
	pageSetWriterFailure    = "CVssWriter::SetWriterFailure"
	pageSubscribe           = "CVssWriter::Subscribe"
	pageRequestorSecurity   = "Security Considerations for Requesters"
	pageChangeDiffArea      = "IVssDifferentialSoftwareSnapshotMgmt::ChangeDiffAreaMaximumSize"
	pageSetContext          = "IVssSoftwareSnapshotProvider::SetContext"
	pageRevert              = "IVssBackupComponents::RevertToSnapshot"
	pageQueryProviders      = "IVssAdmin::QueryProviders"
	pageAddFilesToFileGroup = "IVssCreateWriterMetadata::AddFilesToFileGroup"
)

// retryLater is Microsoft's advice for the transient failures of
// DoSnapshotSet and of writers.
const retryLater = "Wait ten minutes and try again, up to three times."

var hresults = map[HRESULT]hresultInfo{
	OK: {name: "S_OK", text: "success",
		actions: []Reason{ours("Nothing: the call succeeded.")}},
	False: {name: "S_FALSE", text: "success (false)",
		causes:  []Reason{ours("The call worked and its answer is no (for example a provider that does not support a volume).")},
		actions: []Reason{ours("Nothing failed: read the call's answer.")}},
	AsyncPending: {name: "VSS_S_ASYNC_PENDING", text: "the asynchronous operation is still running",
		causes:  []Reason{ms(pageQueryStatus, "The asynchronous operation is still running.")},
		actions: []Reason{ours("Wait for it (IVssAsync::Wait); this library's requestor waits before it returns.")}},
	AsyncFinished: {name: "VSS_S_ASYNC_FINISHED", text: "the asynchronous operation finished",
		causes:  []Reason{ms(pageQueryStatus, "The asynchronous operation was completed successfully.")},
		actions: []Reason{ours("Nothing: the call succeeded.")}},
	AsyncCancelled: {name: "VSS_S_ASYNC_CANCELLED", text: "the asynchronous operation was cancelled",
		steps: []int{1, 3, 5, 6, 7, 8, 9, 11},
		causes: []Reason{ms(pageQueryStatus, "The asynchronous operation was canceled by a previous call to IVssAsync::Cancel."),
			ours("In this library: the context of the call in progress ended; a shadow copy set being created is aborted.")},
		actions: []Reason{ours("The backup did not happen. Close the session; start a new one if the backup is still wanted.")}},

	ErrAbort: {name: "E_ABORT", text: "the operation was aborted",
		causes:  []Reason{ours("In this library: the context of requestor.Backup ended (cancelled, or past its deadline) before the backup was done; the error wraps the context's error.")},
		actions: []Reason{ours("Nothing is left to clean up: Backup aborted the backup and deleted its shadow copies. The data is stored only if Backup returned a Result with the error. Run the backup again when it is still wanted.")}},
	ErrNotImpl: {name: "E_NOTIMPL", text: "not implemented",
		steps: []int{1},
		causes: []Reason{ms(pageSetContext, "The call is not supported here: on Windows XP, SetContext with any context but the default VSS_CTX_BACKUP."),
			ours("Wine's vssapi.dll answers CreateVssBackupComponentsInternal with it: there is no Volume Shadow Copy Service to talk to.")},
		actions: []Reason{ours("Run on Windows, with the Volume Shadow Copy service; retrying will not help.")}},
	ErrFail: {name: "E_FAIL", text: "unspecified failure",
		causes: []Reason{ms(pageRevert, "There is an internal error."),
			ours("In this library: an error that carries no HRESULT (vss.CodeOf).")},
		actions: []Reason{ours("Read the error's detail; treat it as a failure that retrying will not fix unless the detail says otherwise.")}},
	ErrAccessDenied: {name: "E_ACCESSDENIED", text: "access denied: the caller needs administrator or backup operator rights",
		steps: []int{1, 2, 5},
		causes: []Reason{ms(pageMethodTables, "The caller does not have sufficient backup privileges or is not an administrator."),
			ms(pageRequestorSecurity, "A requester typically needs to run under a user that is a member of either the Administrators group or the Backup Operators group, or run as the Local System account.")},
		actions: []Reason{ms(pageRequestorSecurity, "Run the backup tool as a member of Administrators or Backup Operators, or as Local System."),
			ours("Fix the privileges (an elevated process); retrying as it is will not help.")}},
	ErrOutOfMemory: {name: "E_OUTOFMEMORY", text: "out of memory",
		causes:  []Reason{ms(pageMethodTables, "The caller is out of memory or other system resources.")},
		actions: []Reason{ours("Reduce the load on the machine and retry later.")}},
	ErrInvalidArg: {name: "E_INVALIDARG", text: "a parameter is not valid",
		causes:  []Reason{ms(pageMethodTables, "One of the parameter values is not valid.")},
		actions: []Reason{ours("A bug in the calling program: the error's detail names the argument. Fix it; do not retry.")}},
	ErrUnexpectedCOM: {name: "E_UNEXPECTED", text: "catastrophic failure",
		causes: []Reason{ms(pageQueryProviders, "An unexpected error occurred."),
			ms(pageDoSnapshotSet, "Windows Server 2008, Windows Vista and earlier return it where later versions return VSS_E_UNEXPECTED.")},
		actions: []Reason{ms(pageDoSnapshotSet, "The error code is logged in the error log: read the Application event log."),
			ours("Abort the backup and retry once with a new session.")}},

	ErrBadState: {name: "VSS_E_BAD_STATE", text: "the call is not valid in the current state of the backup or restore",
		steps: []int{1, 2, 3, 4, 5, 10, 11},
		causes: []Reason{ms(pageMethodTables, "The backup components object is not initialized, this method has been called during a restore operation, or this method has not been called within the correct sequence."),
			ours("In this library also: a session is used for a second backup (each is single use).")},
		actions: []Reason{ours("A bug in the calling program: make the calls in the order of the eleven steps (requestor.Backup does) with a new session for each backup; retrying the same call will not help.")}},
	ErrUnexpected: {name: "VSS_E_UNEXPECTED", text: "unexpected error in the shadow copy service",
		steps: []int{2, 5, 6, 7, 8, 9},
		causes: []Reason{ms(pageMethodTables, "Unexpected error. The error code is logged in the error log file."),
			ours("In this library: a writer or provider never answered and the session gave up on it, or snapshot IDs could not be drawn.")},
		actions: []Reason{ours("Read the error log (the Application event log on Windows) for the logged error."),
			ours("Abort the backup, close the session and retry once with a new one; if it recurs, find the participant that never answered in the trace.")}},
	ErrProviderAlreadyRegistered: {name: "VSS_E_PROVIDER_ALREADY_REGISTERED", text: "the provider is already registered",
		causes: []Reason{ms(pageRegisterProvider, "The provider has already been registered on this computer."),
			ours("In this library: two providers of one session have the same ID (coordinator.New).")},
		actions: []Reason{ours("Give every provider its own ID (simulate.WithProviderIdentity for simulated ones).")}},
	ErrProviderNotRegistered: {name: "VSS_E_PROVIDER_NOT_REGISTERED", text: "the provider is not registered",
		steps:   []int{2},
		causes:  []Reason{ms(pageAddToSnapshotSet, "ProviderId does not correspond to a registered provider.")},
		actions: []Reason{ours("Pass vss.NilID to let VSS choose the provider, or the ID of a registered one.")}},
	ErrProviderVeto: {name: "VSS_E_PROVIDER_VETO", text: "the provider refused the operation",
		steps: []int{2, 6, 7, 8, 9},
		causes: []Reason{ms(pageDoSnapshotSet, "The provider was unable to perform the request at this time. This can be a transient problem."),
			ms(pageProviderErrors, "The provider has encountered an internal run-time error that does not map to another return value; it must write an event into the Application event log."),
			ms(pageEndPrepare, "Insufficient disk space can also cause it.")},
		actions: []Reason{ms(pageDoSnapshotSet, retryLater),
			ms(pageProviderErrors, "Read the provider's event in the Application event log: it says how to resolve the problem.")}},
	ErrProviderInUse: {name: "VSS_E_PROVIDER_IN_USE", text: "the provider is in use",
		causes:  []Reason{ms(pageUnregisterProvider, "The provider is in use: it cannot be unregistered now.")},
		actions: []Reason{ours("Not a backup's error: unregister the provider when no shadow copy is being made.")}},
	ErrObjectNotFound: {name: "VSS_E_OBJECT_NOT_FOUND", text: "the object was not found",
		steps: []int{2, 10, 11},
		causes: []Reason{ms(pageGetSnapshotProps, "The specified shadow copy does not exist."),
			ms(pageAddToSnapshotSet, "The volume name does not correspond to an existing volume."),
			ms(pageGetWriterStatus, "The specified writer does not exist."),
			ms(pageEndPrepare, "Insufficient disk space can also cause it."),
			ours("In this library also: SetBackupSucceeded for a component that AddComponent did not select; deleting a set that a failed DoSnapshotSet already removed.")},
		actions: []Reason{ours("Check the ID or volume name. After a failed DoSnapshotSet no shadow copy remains: a deletion that finds nothing then is not an error (requestor.Backup ignores it).")}},
	ErrVolumeNotSupported: {name: "VSS_E_VOLUME_NOT_SUPPORTED", text: "no provider supports shadow copies of the volume",
		steps: []int{2},
		causes: []Reason{ms(pageAddToSnapshotSet, "The ProviderId is GUID_NULL and no VSS provider indicates that it supports the specified volume."),
			ms(pageProviderErrors, "No provider on this computer supports the requested operation on the volume.")},
		actions: []Reason{ours("Leave the volume out of the shadow copy set and back it up another way; retrying will not help.")}},
	ErrObjectAlreadyExists: {name: "VSS_E_OBJECT_ALREADY_EXISTS", text: "the object already exists",
		steps: []int{2, 4},
		causes: []Reason{ms(pageAddComponent, "A component with the same logical path and component name already exists."),
			ours("In this library also: AddToSnapshotSet of a volume that is already in the set (a set holds one shadow copy per volume).")},
		actions: []Reason{ours("Add each volume and each component once.")}},
	ErrVolumeNotSupportedByProvider: {name: "VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER", text: "the provider does not support the volume",
		steps: []int{2},
		causes: []Reason{ms(pageAddToSnapshotSet, "The volume is not supported by the specified provider."),
			ms(pageBeginPrepare, "The provider does not support the specified volume.")},
		actions: []Reason{ours("Pass vss.NilID to AddToSnapshotSet to let VSS choose a provider that supports the volume.")}},
	ErrUnexpectedProviderError: {name: "VSS_E_UNEXPECTED_PROVIDER_ERROR", text: "the provider returned an unexpected error",
		steps: []int{2, 6, 7, 8, 9},
		causes: []Reason{ms(pageProviderErrors, "The provider returned an error code it should not (for example E_FAIL or E_UNEXPECTED); VSS logs an event naming the provider and the failed method and translates the error."),
			ms(pageDoSnapshotSet, "This can be a transient problem.")},
		actions: []Reason{ms(pageDoSnapshotSet, retryLater),
			ours("If you write the provider: return only the codes Microsoft lists for provider methods (the error's detail holds the original error).")}},
	ErrCorruptXMLDocument: {name: "VSS_E_CORRUPT_XML_DOCUMENT", text: "the XML document is corrupt",
		steps:   []int{1, 4, 11},
		causes:  []Reason{ours("Microsoft's pages do not describe it. In this library: a writer metadata or backup components document that is not XML at all (truncated, or in an encoding it cannot read).")},
		actions: []Reason{ours("The document was damaged: use the copy stored with the backup, and never edit these documents by hand; retrying will not help.")}},
	ErrInvalidXMLDocument: {name: "VSS_E_INVALID_XML_DOCUMENT", text: "the XML document is not valid",
		steps: []int{1, 4, 11},
		causes: []Reason{ms(pageMethodTables, "The XML document is not valid. Check the event log for details."),
			ms(pageMethodTables, "Either it is not a correctly formed XML string or it does not match the schema."),
			ours("In this library: the error names the element and the problem.")},
		actions: []Reason{ours("Fix or regenerate the document (the error names the element); retrying will not help.")}},
	ErrMaximumNumberOfVolumesReached: {name: "VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED", text: "the shadow copy set already holds the maximum of 64 volumes",
		steps: []int{2},
		causes: []Reason{ms(pageAddToSnapshotSet, "The maximum number of volumes have been added to the shadow copy set. The specified volume was not added."),
			ours("In this library the maximum is 64 volumes a set (coordinator.MaxVolumesPerSet).")},
		actions: []Reason{ours("Split the volumes into several shadow copy sets, backed up one after the other.")}},
	ErrFlushWritesTimeout: {name: "VSS_E_FLUSH_WRITES_TIMEOUT", text: "the shadow copy was not committed within the flush-and-hold window",
		steps: []int{7, 8},
		causes: []Reason{ms(pageDoSnapshotSet, "The system was unable to flush I/O writes. This can be a transient problem."),
			ours("In this library: the providers did not commit within the 10 s flush-and-hold window (a slow provider or a busy disk); the whole set fails and no shadow copy remains.")},
		actions: []Reason{ms(pageDoSnapshotSet, retryLater),
			ours("If it recurs, lighten the load on the volumes during the backup, or find the slow provider in the trace (CommitSnapshots).")}},
	ErrHoldWritesTimeout: {name: "VSS_E_HOLD_WRITES_TIMEOUT", text: "writes could not be held long enough to create the shadow copy",
		steps: []int{7},
		causes: []Reason{ms(pageDoSnapshotSet, "The system was unable to hold I/O writes. This can be a transient problem."),
			ours("In this library: holding the writes of a volume of the set failed.")},
		actions: []Reason{ms(pageDoSnapshotSet, retryLater)}},
	ErrUnexpectedWriterError: {name: "VSS_E_UNEXPECTED_WRITER_ERROR", text: "a writer returned an unexpected error",
		steps:  []int{11},
		causes: []Reason{ms(pageBackupComplete, "An unexpected error occurred during communication with writers. The error code is logged in the error log file.")},
		actions: []Reason{ms(pageBackupComplete, "Read the Application event log for the logged error."),
			ours("Check every writer's status (GatherWriterStatus) to see which one failed.")}},
	ErrSnapshotSetInProgress: {name: "VSS_E_SNAPSHOT_SET_IN_PROGRESS", text: "another shadow copy set is being created",
		steps: []int{2, 5},
		causes: []Reason{ms(pageStartSnapshotSet, "The creation of a shadow copy is in progress, and only one shadow copy creation operation can be in progress at one time."),
			ms(pageProviderErrors, "VSS allows one shadow copy set creation in progress, from StartSnapshotSet to the return of DoSnapshotSet, on the machine, whoever asked for it."),
			ms(pageAddToSnapshotSet, "A volume is added to a snapshot set from several cluster nodes at the same time."),
			ours("In this library also: a call made while another call of the same session is still in progress.")},
		actions: []Reason{ms(pageStartSnapshotSet, "Either wait to try again or return with a failure error code."),
			ours("Retry StartSnapshotSet after a pause (another backup tool or a scheduled shadow copy is making a set), and give up after a few minutes.")}},
	ErrMaximumNumberOfSnapshotsReached: {name: "VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED", text: "the volume has the maximum number of shadow copies",
		steps: []int{2},
		causes: []Reason{ms(pageAddToSnapshotSet, "The volume has been added to the maximum number of shadow copy sets. The specified volume was not added."),
			ms(pageProviderErrors, "The provider has reached the maximum number of shadow copies that it can support.")},
		actions: []Reason{ours("Delete old shadow copies of the volume (DeleteSnapshots), then retry.")}},
	ErrWriterInfrastructure: {name: "VSS_E_WRITER_INFRASTRUCTURE", text: "the writer infrastructure is not working",
		steps:   []int{1, 10},
		causes:  []Reason{ms(pageGatherWriterMetadata, "The writer infrastructure is not operating properly.")},
		actions: []Reason{ms(pageGatherWriterMetadata, "Check that the Event Service and VSS have been started, and check for errors associated with those services in the error log.")}},
	ErrWriterNotResponding: {name: "VSS_E_WRITER_NOT_RESPONDING", text: "a writer did not respond",
		steps: []int{1, 3, 6, 9, 10, 11},
		causes: []Reason{ms(pageGetWriterStatus, "The writer is not responding. VSS, not the writer, reports it."),
			ours("In this library: the writer did not answer an event within the event timeout (5 min by default).")},
		actions: []Reason{ms(pageWriterErrors, "It would likely indicate a writer error so severe as to preclude trying to back up its data with VSS."),
			ours("Restart the writer's application or service; until then back up without it (leave its components out) if its data can wait.")}},
	ErrWriterAlreadySubscribed: {name: "VSS_E_WRITER_ALREADY_SUBSCRIBED", text: "the writer is already subscribed",
		causes:  []Reason{ms(pageSubscribe, "The writer has previously called this method.")},
		actions: []Reason{ours("A bug in the writer, not in the backup: subscribe once.")}},
	ErrUnsupportedContext: {name: "VSS_E_UNSUPPORTED_CONTEXT", text: "the snapshot context is not supported",
		steps:   []int{2},
		causes:  []Reason{ms(pageBeginPrepare, "The specified context is not supported by the provider.")},
		actions: []Reason{ours("Use a context the provider supports (VSS_CTX_BACKUP, the default, for a backup).")}},
	ErrVolumeInUse: {name: "VSS_E_VOLUME_IN_USE", text: "the volume is in use",
		causes:  []Reason{ms(pageChangeDiffArea, "A shadow copy is currently using the shadow copy storage area.")},
		actions: []Reason{ours("Not a backup's error: change the shadow copy storage when no shadow copy uses it.")}},
	ErrInsufficientStorage: {name: "VSS_E_INSUFFICIENT_STORAGE", text: "not enough storage for the shadow copy",
		steps: []int{2, 6, 8},
		causes: []Reason{ms(pageDoSnapshotSet, "The system or provider has insufficient storage space."),
			ms(pageProviderErrors, "The provider cannot perform the operation because there is not enough disk space.")},
		actions: []Reason{ms(pageDoSnapshotSet, "If possible delete any old or unnecessary persistent shadow copies and try again."),
			ours("Or free space on the volume that holds the shadow copy storage.")}},
	ErrNotSupported: {name: "VSS_E_NOT_SUPPORTED", text: "the operation is not supported",
		steps: []int{10},
		causes: []Reason{ms(pageAddFilesToFileGroup, "The operation is not supported (for express writers)."),
			ours("In this library: SnapshotFS on a shadow copy that cannot be read in process (a provider without provider.FSOpener, or a shadow copy without a device object).")},
		actions: []Reason{ours("Read the shadow copy through its device object (Snapshot.DeviceObject) instead; requestor.Backup hands Copy a nil FS then.")}},
	ErrWriterStatusNotAvailable: {name: "VSS_E_WRITER_STATUS_NOT_AVAILABLE", text: "writer status is not available",
		steps:   []int{10},
		causes:  []Reason{ms(pageGetWriterStatus, "The writer status is not available for one or more writers. A writer may have reached the maximum number of available backup and restore sessions.")},
		actions: []Reason{ms(pageWriterErrors, "Retrying might work when the system is less busy.")}},

	ErrWriterInconsistentSnapshot: {name: "VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT", text: "the writer's data in the shadow copy is inconsistent",
		steps:  []int{3, 6, 9},
		causes: []Reason{ms(pageGetWriterStatus, "The shadow copy contains only a subset of the volumes needed by the writer to correctly back up the application component.")},
		actions: []Reason{ms(pageWriterErrors, "Add the missing volumes to the shadow copy set."),
			ours("The writer's metadata document lists its files: add every volume they are on.")}},
	ErrWriterOutOfResources: {name: "VSS_E_WRITERERROR_OUTOFRESOURCES", text: "the writer ran out of resources",
		steps:  []int{1, 3, 6, 9},
		causes: []Reason{ms(pageGetWriterStatus, "The writer ran out of memory or other system resources.")},
		actions: []Reason{ms(pageGetWriterStatus, retryLater),
			ms(pageWriterErrors, "Reduce the load on the system before retrying.")}},
	ErrWriterTimeout: {name: "VSS_E_WRITERERROR_TIMEOUT", text: "the writer timed out (frozen longer than its freeze timeout)",
		steps: []int{6, 7, 8, 9},
		causes: []Reason{ms(pageGetWriterStatus, "The writer operation failed because of a time-out between the Freeze and Thaw events."),
			ms(pageSetWriterFailure, "The time between freeze and thaw exceeded the writer's freeze timeout (dwTimeoutFreeze of CVssWriter::Initialize)."),
			ours("In this library: the writer was frozen longer than its freeze window (60 s unless it asks for another), because it, another writer's Freeze or the commit was slow; VSS sent it Abort at once.")},
		actions: []Reason{ms(pageGetWriterStatus, retryLater),
			ms(pageWriterErrors, "Reduce the load on the system before retrying."),
			ours("If it recurs, find the slow Freeze or commit in the trace (diagram.SVG shows each writer's frozen time against its window).")}},
	ErrWriterRetryable: {name: "VSS_E_WRITERERROR_RETRYABLE", text: "the writer failed; retrying the backup may succeed",
		steps:  []int{1, 3, 6, 9, 11},
		causes: []Reason{ms(pageGetWriterStatus, "The writer failed due to an error that would likely not occur if the entire backup, restore, or shadow copy creation process was restarted.")},
		actions: []Reason{ms(pageGetWriterStatus, retryLater),
			ms(pageWriterErrors, "If the writer keeps failing after several retries, restart the service or application that hosts it.")}},
	ErrWriterNonRetryable: {name: "VSS_E_WRITERERROR_NONRETRYABLE", text: "the writer failed; retrying will not help",
		steps: []int{1, 3, 6, 9, 11},
		causes: []Reason{ms(pageGetWriterStatus, "The writer operation failed because of an error that might recur if another shadow copy is created."),
			ours("In this library also: a writer handler that returned an error carrying no writer failure code, or panicked.")},
		actions: []Reason{ms(pageWriterErrors, "It would likely indicate a writer error so severe as to preclude trying to back up its data with VSS."),
			ours("Fix the application or its writer; meanwhile exclude the writer (leave its components out, or requestor.Plan.IgnoreWriterFailures) knowing its data is then only crash consistent.")}},
	ErrWriterRecoveryFailed: {name: "VSS_E_WRITERERROR_RECOVERY_FAILED", text: "the writer could not recover the shadow copy",
		steps:   []int{9},
		causes:  []Reason{ours("Microsoft's pages do not describe it; the name says the writer failed to recover (repair) the data in the shadow copy after it was made.")},
		actions: []Reason{ours("Treat it as a failure retrying will not fix: the writer's data in the shadow copy cannot be trusted.")}},
	ErrWriterPartialFailure: {name: "VSS_E_WRITERERROR_PARTIAL_FAILURE", text: "the writer failed for some of its components",
		steps:  []int{3, 6, 9, 11},
		causes: []Reason{ms(pageGetWriterStatusEx, "The writer is reporting one or more component-level errors.")},
		actions: []Reason{ms(pageGetWriterStatusEx, "Retrieve the component-level errors with IVssComponentEx2::GetFailure."),
			ours("This library does not report component failures yet: treat every selected component of the writer as failed.")}},
}
