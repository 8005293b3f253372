package vss

import (
	"fmt"
	"strings"
)

// enumName returns the VSS name of v from names, or "PREFIX(v)" for a value
// Microsoft does not define.
func enumName[T ~int32 | ~uint32](v T, prefix string, names map[T]string) string {
	if n, ok := names[v]; ok {
		return n
	}
	return fmt.Sprintf("%s(%d)", prefix, int64(v))
}

// flagNames prints a bit mask as the names of its set bits joined by "|",
// with any undefined bits printed in hex.
func flagNames[T ~int32 | ~uint32](v T, zero string, bits []T, names map[T]string) string {
	if v == 0 {
		return zero
	}
	var parts []string
	rest := v
	for _, b := range bits {
		if v&b == b && b != 0 {
			parts = append(parts, names[b])
			rest &^= b
		}
	}
	if rest != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", uint32(rest)))
	}
	return strings.Join(parts, "|")
}

// BackupType is VSS_BACKUP_TYPE: the kind of backup the requestor declares
// with SetBackupState, which writers read to decide what to do.
type BackupType int32

// The VSS_BACKUP_TYPE values.
const (
	BackupUndefined    BackupType = 0 // VSS_BT_UNDEFINED
	BackupFull         BackupType = 1 // VSS_BT_FULL: all files, backup history updated
	BackupIncremental  BackupType = 2 // VSS_BT_INCREMENTAL: files changed since the last full or incremental backup
	BackupDifferential BackupType = 3 // VSS_BT_DIFFERENTIAL: files changed since the last full backup
	BackupLog          BackupType = 4 // VSS_BT_LOG: only log files
	BackupCopy         BackupType = 5 // VSS_BT_COPY: all files, backup history not updated
	BackupOther        BackupType = 6 // VSS_BT_OTHER
)

var backupTypeNames = map[BackupType]string{
	BackupUndefined: "VSS_BT_UNDEFINED", BackupFull: "VSS_BT_FULL", BackupIncremental: "VSS_BT_INCREMENTAL",
	BackupDifferential: "VSS_BT_DIFFERENTIAL", BackupLog: "VSS_BT_LOG", BackupCopy: "VSS_BT_COPY", BackupOther: "VSS_BT_OTHER",
}

// String returns the VSS name, for example "VSS_BT_FULL".
func (t BackupType) String() string { return enumName(t, "VSS_BT", backupTypeNames) }

// SnapshotAttributes is VSS_VOLUME_SNAPSHOT_ATTRIBUTES: a bit mask
// describing a shadow copy. A SnapshotContext is a combination of these bits.
type SnapshotAttributes uint32

// The VSS_VOLUME_SNAPSHOT_ATTRIBUTES bits.
const (
	AttrPersistent          SnapshotAttributes = 0x1       // VSS_VOLSNAP_ATTR_PERSISTENT: survives the end of the backup session
	AttrNoAutoRecovery      SnapshotAttributes = 0x2       // VSS_VOLSNAP_ATTR_NO_AUTORECOVERY
	AttrClientAccessible    SnapshotAttributes = 0x4       // VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE
	AttrNoAutoRelease       SnapshotAttributes = 0x8       // VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE
	AttrNoWriters           SnapshotAttributes = 0x10      // VSS_VOLSNAP_ATTR_NO_WRITERS: no writer takes part
	AttrTransportable       SnapshotAttributes = 0x20      // VSS_VOLSNAP_ATTR_TRANSPORTABLE
	AttrNotSurfaced         SnapshotAttributes = 0x40      // VSS_VOLSNAP_ATTR_NOT_SURFACED
	AttrNotTransacted       SnapshotAttributes = 0x80      // VSS_VOLSNAP_ATTR_NOT_TRANSACTED
	AttrHardwareAssisted    SnapshotAttributes = 0x10000   // VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED
	AttrDifferential        SnapshotAttributes = 0x20000   // VSS_VOLSNAP_ATTR_DIFFERENTIAL: copy-on-write
	AttrPlex                SnapshotAttributes = 0x40000   // VSS_VOLSNAP_ATTR_PLEX: full copy
	AttrImported            SnapshotAttributes = 0x80000   // VSS_VOLSNAP_ATTR_IMPORTED
	AttrExposedLocally      SnapshotAttributes = 0x100000  // VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY
	AttrExposedRemotely     SnapshotAttributes = 0x200000  // VSS_VOLSNAP_ATTR_EXPOSED_REMOTELY
	AttrAutoRecover         SnapshotAttributes = 0x400000  // VSS_VOLSNAP_ATTR_AUTORECOVER
	AttrRollbackRecovery    SnapshotAttributes = 0x800000  // VSS_VOLSNAP_ATTR_ROLLBACK_RECOVERY
	AttrDelayedPostSnapshot SnapshotAttributes = 0x1000000 // VSS_VOLSNAP_ATTR_DELAYED_POSTSNAPSHOT
	AttrTxFRecovery         SnapshotAttributes = 0x2000000 // VSS_VOLSNAP_ATTR_TXF_RECOVERY
	AttrFileShare           SnapshotAttributes = 0x4000000 // VSS_VOLSNAP_ATTR_FILE_SHARE
)

var attrBits = []SnapshotAttributes{
	AttrPersistent, AttrNoAutoRecovery, AttrClientAccessible, AttrNoAutoRelease, AttrNoWriters,
	AttrTransportable, AttrNotSurfaced, AttrNotTransacted, AttrHardwareAssisted, AttrDifferential,
	AttrPlex, AttrImported, AttrExposedLocally, AttrExposedRemotely, AttrAutoRecover,
	AttrRollbackRecovery, AttrDelayedPostSnapshot, AttrTxFRecovery, AttrFileShare,
}

var attrNames = map[SnapshotAttributes]string{
	AttrPersistent: "PERSISTENT", AttrNoAutoRecovery: "NO_AUTORECOVERY", AttrClientAccessible: "CLIENT_ACCESSIBLE",
	AttrNoAutoRelease: "NO_AUTO_RELEASE", AttrNoWriters: "NO_WRITERS", AttrTransportable: "TRANSPORTABLE",
	AttrNotSurfaced: "NOT_SURFACED", AttrNotTransacted: "NOT_TRANSACTED", AttrHardwareAssisted: "HARDWARE_ASSISTED",
	AttrDifferential: "DIFFERENTIAL", AttrPlex: "PLEX", AttrImported: "IMPORTED", AttrExposedLocally: "EXPOSED_LOCALLY",
	AttrExposedRemotely: "EXPOSED_REMOTELY", AttrAutoRecover: "AUTORECOVER", AttrRollbackRecovery: "ROLLBACK_RECOVERY",
	AttrDelayedPostSnapshot: "DELAYED_POSTSNAPSHOT", AttrTxFRecovery: "TXF_RECOVERY", AttrFileShare: "FILE_SHARE",
}

// String prints the set bits, for example "PERSISTENT|NO_AUTO_RELEASE".
func (a SnapshotAttributes) String() string { return flagNames(a, "0", attrBits, attrNames) }

// SnapshotContext is VSS_SNAPSHOT_CONTEXT: what kind of shadow copy a
// requestor asks for with SetContext. The values are bit masks of
// SnapshotAttributes, not a sequence 0..6.
type SnapshotContext uint32

// The VSS_SNAPSHOT_CONTEXT values.
const (
	// ContextBackup (VSS_CTX_BACKUP) is the default: an auto-release shadow
	// copy with writers, deleted when the backup session ends.
	ContextBackup SnapshotContext = 0
	// ContextFileShareBackup (VSS_CTX_FILE_SHARE_BACKUP): no writers.
	ContextFileShareBackup = SnapshotContext(AttrNoWriters)
	// ContextNASRollback (VSS_CTX_NAS_ROLLBACK): persistent, no writers.
	ContextNASRollback = SnapshotContext(AttrPersistent | AttrNoAutoRelease | AttrNoWriters)
	// ContextAppRollback (VSS_CTX_APP_ROLLBACK): persistent, with writers.
	ContextAppRollback = SnapshotContext(AttrPersistent | AttrNoAutoRelease)
	// ContextClientAccessible (VSS_CTX_CLIENT_ACCESSIBLE): persistent,
	// visible to Shadow Copies for Shared Folders, no writers.
	ContextClientAccessible = SnapshotContext(AttrPersistent | AttrClientAccessible | AttrNoAutoRelease | AttrNoWriters)
	// ContextClientAccessibleWriters (VSS_CTX_CLIENT_ACCESSIBLE_WRITERS):
	// as ContextClientAccessible, with writers.
	ContextClientAccessibleWriters = SnapshotContext(AttrPersistent | AttrClientAccessible | AttrNoAutoRelease)
	// ContextAll (VSS_CTX_ALL) matches every context in queries.
	ContextAll SnapshotContext = 0xffffffff
)

var contextNames = map[SnapshotContext]string{
	ContextBackup: "VSS_CTX_BACKUP", ContextFileShareBackup: "VSS_CTX_FILE_SHARE_BACKUP",
	ContextNASRollback: "VSS_CTX_NAS_ROLLBACK", ContextAppRollback: "VSS_CTX_APP_ROLLBACK",
	ContextClientAccessible: "VSS_CTX_CLIENT_ACCESSIBLE", ContextClientAccessibleWriters: "VSS_CTX_CLIENT_ACCESSIBLE_WRITERS",
	ContextAll: "VSS_CTX_ALL",
}

// String returns the VSS name, for example "VSS_CTX_BACKUP"; a context that
// is not one of the named combinations prints as its attribute bits.
func (c SnapshotContext) String() string {
	if n, ok := contextNames[c]; ok {
		return n
	}
	return "VSS_CTX(" + SnapshotAttributes(c).String() + ")"
}

// Persistent reports whether shadow copies of this context outlive the
// backup session (VSS_VOLSNAP_ATTR_PERSISTENT).
func (c SnapshotContext) Persistent() bool {
	return c != ContextAll && c&SnapshotContext(AttrPersistent) != 0
}

// WithWriters reports whether writers take part in shadow copies of this
// context (VSS_VOLSNAP_ATTR_NO_WRITERS clear).
func (c SnapshotContext) WithWriters() bool { return c&SnapshotContext(AttrNoWriters) == 0 }

// Valid reports whether c is a context a requestor may pass to SetContext:
// one of the documented combinations (VSS_CTX_ALL is for queries only).
func (c SnapshotContext) Valid() bool {
	_, ok := contextNames[c]
	return ok && c != ContextAll
}

// WriterState is VSS_WRITER_STATE: where a writer is in the backup or
// restore sequence, as GatherWriterStatus reports it.
type WriterState int32

// The VSS_WRITER_STATE values.
const (
	WriterStateUnknown             WriterState = 0  // VSS_WS_UNKNOWN
	WriterStable                   WriterState = 1  // VSS_WS_STABLE: idle, ready for a backup
	WriterWaitingForFreeze         WriterState = 2  // VSS_WS_WAITING_FOR_FREEZE
	WriterWaitingForThaw           WriterState = 3  // VSS_WS_WAITING_FOR_THAW: frozen
	WriterWaitingForPostSnapshot   WriterState = 4  // VSS_WS_WAITING_FOR_POST_SNAPSHOT
	WriterWaitingForBackupComplete WriterState = 5  // VSS_WS_WAITING_FOR_BACKUP_COMPLETE
	WriterFailedAtIdentify         WriterState = 6  // VSS_WS_FAILED_AT_IDENTIFY
	WriterFailedAtPrepareBackup    WriterState = 7  // VSS_WS_FAILED_AT_PREPARE_BACKUP
	WriterFailedAtPrepareSnapshot  WriterState = 8  // VSS_WS_FAILED_AT_PREPARE_SNAPSHOT
	WriterFailedAtFreeze           WriterState = 9  // VSS_WS_FAILED_AT_FREEZE
	WriterFailedAtThaw             WriterState = 10 // VSS_WS_FAILED_AT_THAW
	WriterFailedAtPostSnapshot     WriterState = 11 // VSS_WS_FAILED_AT_POST_SNAPSHOT
	WriterFailedAtBackupComplete   WriterState = 12 // VSS_WS_FAILED_AT_BACKUP_COMPLETE
	WriterFailedAtPreRestore       WriterState = 13 // VSS_WS_FAILED_AT_PRE_RESTORE
	WriterFailedAtPostRestore      WriterState = 14 // VSS_WS_FAILED_AT_POST_RESTORE
	WriterFailedAtBackupShutdown   WriterState = 15 // VSS_WS_FAILED_AT_BACKUPSHUTDOWN
)

var writerStateNames = map[WriterState]string{
	WriterStateUnknown: "VSS_WS_UNKNOWN", WriterStable: "VSS_WS_STABLE", WriterWaitingForFreeze: "VSS_WS_WAITING_FOR_FREEZE",
	WriterWaitingForThaw: "VSS_WS_WAITING_FOR_THAW", WriterWaitingForPostSnapshot: "VSS_WS_WAITING_FOR_POST_SNAPSHOT",
	WriterWaitingForBackupComplete: "VSS_WS_WAITING_FOR_BACKUP_COMPLETE", WriterFailedAtIdentify: "VSS_WS_FAILED_AT_IDENTIFY",
	WriterFailedAtPrepareBackup: "VSS_WS_FAILED_AT_PREPARE_BACKUP", WriterFailedAtPrepareSnapshot: "VSS_WS_FAILED_AT_PREPARE_SNAPSHOT",
	WriterFailedAtFreeze: "VSS_WS_FAILED_AT_FREEZE", WriterFailedAtThaw: "VSS_WS_FAILED_AT_THAW",
	WriterFailedAtPostSnapshot: "VSS_WS_FAILED_AT_POST_SNAPSHOT", WriterFailedAtBackupComplete: "VSS_WS_FAILED_AT_BACKUP_COMPLETE",
	WriterFailedAtPreRestore: "VSS_WS_FAILED_AT_PRE_RESTORE", WriterFailedAtPostRestore: "VSS_WS_FAILED_AT_POST_RESTORE",
	WriterFailedAtBackupShutdown: "VSS_WS_FAILED_AT_BACKUPSHUTDOWN",
}

// String returns the VSS name, for example "VSS_WS_STABLE".
func (s WriterState) String() string { return enumName(s, "VSS_WS", writerStateNames) }

// Failed reports whether s is one of the VSS_WS_FAILED_AT_* states.
func (s WriterState) Failed() bool {
	return s >= WriterFailedAtIdentify && s <= WriterFailedAtBackupShutdown
}

// UsageType is VSS_USAGE_TYPE: what a writer's data is used for.
type UsageType int32

// The VSS_USAGE_TYPE values.
const (
	UsageUndefined           UsageType = 0 // VSS_UT_UNDEFINED
	UsageBootableSystemState UsageType = 1 // VSS_UT_BOOTABLESYSTEMSTATE: needed to boot the system
	UsageSystemService       UsageType = 2 // VSS_UT_SYSTEMSERVICE: a system service
	UsageUserData            UsageType = 3 // VSS_UT_USERDATA: user data
	UsageOther               UsageType = 4 // VSS_UT_OTHER
)

var usageNames = map[UsageType]string{
	UsageUndefined: "VSS_UT_UNDEFINED", UsageBootableSystemState: "VSS_UT_BOOTABLESYSTEMSTATE",
	UsageSystemService: "VSS_UT_SYSTEMSERVICE", UsageUserData: "VSS_UT_USERDATA", UsageOther: "VSS_UT_OTHER",
}

// String returns the VSS name, for example "VSS_UT_USERDATA".
func (u UsageType) String() string { return enumName(u, "VSS_UT", usageNames) }

// SourceType is VSS_SOURCE_TYPE: the kind of data a writer manages.
type SourceType int32

// The VSS_SOURCE_TYPE values.
const (
	SourceUndefined       SourceType = 0 // VSS_ST_UNDEFINED
	SourceTransactedDB    SourceType = 1 // VSS_ST_TRANSACTEDDB: a database with transactions
	SourceNonTransactedDB SourceType = 2 // VSS_ST_NONTRANSACTEDDB: a database without transactions
	SourceOther           SourceType = 3 // VSS_ST_OTHER: files
)

var sourceNames = map[SourceType]string{
	SourceUndefined: "VSS_ST_UNDEFINED", SourceTransactedDB: "VSS_ST_TRANSACTEDDB",
	SourceNonTransactedDB: "VSS_ST_NONTRANSACTEDDB", SourceOther: "VSS_ST_OTHER",
}

// String returns the VSS name, for example "VSS_ST_TRANSACTEDDB".
func (s SourceType) String() string { return enumName(s, "VSS_ST", sourceNames) }

// AppLevel is VSS_APPLICATION_LEVEL: the level at which a writer is frozen.
// VSS freezes front-end writers first, then back-end, then system writers;
// this library thaws them in the reverse order.
type AppLevel int32

// The VSS_APPLICATION_LEVEL values.
const (
	AppUnknown  AppLevel = 0  // VSS_APP_UNKNOWN
	AppSystem   AppLevel = 1  // VSS_APP_SYSTEM: frozen last
	AppBackEnd  AppLevel = 2  // VSS_APP_BACK_END: frozen second, for example a database engine
	AppFrontEnd AppLevel = 3  // VSS_APP_FRONT_END: frozen first, for example an application over a database
	AppSystemRM AppLevel = 4  // VSS_APP_SYSTEM_RM: a system resource manager
	AppAuto     AppLevel = -1 // VSS_APP_AUTO: let VSS choose (front end for ordinary writers)
)

var appLevelNames = map[AppLevel]string{
	AppUnknown: "VSS_APP_UNKNOWN", AppSystem: "VSS_APP_SYSTEM", AppBackEnd: "VSS_APP_BACK_END",
	AppFrontEnd: "VSS_APP_FRONT_END", AppSystemRM: "VSS_APP_SYSTEM_RM", AppAuto: "VSS_APP_AUTO",
}

// String returns the VSS name, for example "VSS_APP_FRONT_END".
func (l AppLevel) String() string { return enumName(l, "VSS_APP", appLevelNames) }

// FreezeRank is the position of the level in the Freeze order: 0 is frozen
// first (front end), 1 second (back end), 2 last (system and system
// resource managers). VSS_APP_AUTO and unknown levels rank as front end.
func (l AppLevel) FreezeRank() int {
	switch l {
	case AppBackEnd:
		return 1
	case AppSystem, AppSystemRM:
		return 2
	default:
		return 0
	}
}

// RestoreMethod is VSS_RESTOREMETHOD_ENUM: how a writer's data must be
// restored.
type RestoreMethod int32

// The VSS_RESTOREMETHOD_ENUM values.
const (
	RestoreMethodUndefined         RestoreMethod = 0 // VSS_RME_UNDEFINED
	RestoreIfNotThere              RestoreMethod = 1 // VSS_RME_RESTORE_IF_NOT_THERE
	RestoreIfCanReplace            RestoreMethod = 2 // VSS_RME_RESTORE_IF_CAN_REPLACE
	RestoreStopRestoreStart        RestoreMethod = 3 // VSS_RME_STOP_RESTORE_START
	RestoreToAlternateLocation     RestoreMethod = 4 // VSS_RME_RESTORE_TO_ALTERNATE_LOCATION
	RestoreAtReboot                RestoreMethod = 5 // VSS_RME_RESTORE_AT_REBOOT
	RestoreAtRebootIfCannotReplace RestoreMethod = 6 // VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE
	RestoreCustom                  RestoreMethod = 7 // VSS_RME_CUSTOM
	RestoreStopStart               RestoreMethod = 8 // VSS_RME_RESTORE_STOP_START
)

var restoreMethodNames = map[RestoreMethod]string{
	RestoreMethodUndefined: "VSS_RME_UNDEFINED", RestoreIfNotThere: "VSS_RME_RESTORE_IF_NOT_THERE",
	RestoreIfCanReplace: "VSS_RME_RESTORE_IF_CAN_REPLACE", RestoreStopRestoreStart: "VSS_RME_STOP_RESTORE_START",
	RestoreToAlternateLocation: "VSS_RME_RESTORE_TO_ALTERNATE_LOCATION", RestoreAtReboot: "VSS_RME_RESTORE_AT_REBOOT",
	RestoreAtRebootIfCannotReplace: "VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE", RestoreCustom: "VSS_RME_CUSTOM",
	RestoreStopStart: "VSS_RME_RESTORE_STOP_START",
}

// String returns the VSS name, for example "VSS_RME_RESTORE_IF_CAN_REPLACE".
func (m RestoreMethod) String() string { return enumName(m, "VSS_RME", restoreMethodNames) }

// WriterRestore is VSS_WRITERRESTORE_ENUM: whether a writer takes part in
// restores.
type WriterRestore int32

// The VSS_WRITERRESTORE_ENUM values.
const (
	WriterRestoreUndefined      WriterRestore = 0 // VSS_WRE_UNDEFINED
	WriterRestoreNever          WriterRestore = 1 // VSS_WRE_NEVER
	WriterRestoreIfReplaceFails WriterRestore = 2 // VSS_WRE_IF_REPLACE_FAILS
	WriterRestoreAlways         WriterRestore = 3 // VSS_WRE_ALWAYS
)

var writerRestoreNames = map[WriterRestore]string{
	WriterRestoreUndefined: "VSS_WRE_UNDEFINED", WriterRestoreNever: "VSS_WRE_NEVER",
	WriterRestoreIfReplaceFails: "VSS_WRE_IF_REPLACE_FAILS", WriterRestoreAlways: "VSS_WRE_ALWAYS",
}

// String returns the VSS name, for example "VSS_WRE_ALWAYS".
func (w WriterRestore) String() string { return enumName(w, "VSS_WRE", writerRestoreNames) }

// ComponentType is VSS_COMPONENT_TYPE: what a writer component holds.
type ComponentType int32

// The VSS_COMPONENT_TYPE values.
const (
	ComponentUndefined ComponentType = 0 // VSS_CT_UNDEFINED
	ComponentDatabase  ComponentType = 1 // VSS_CT_DATABASE: database files and log files
	ComponentFileGroup ComponentType = 2 // VSS_CT_FILEGROUP: a group of files
)

var componentTypeNames = map[ComponentType]string{
	ComponentUndefined: "VSS_CT_UNDEFINED", ComponentDatabase: "VSS_CT_DATABASE", ComponentFileGroup: "VSS_CT_FILEGROUP",
}

// String returns the VSS name, for example "VSS_CT_FILEGROUP".
func (t ComponentType) String() string { return enumName(t, "VSS_CT", componentTypeNames) }

// ProviderType is VSS_PROVIDER_TYPE. When several providers support a
// volume, VSS prefers hardware, then software, then the system provider.
type ProviderType int32

// The VSS_PROVIDER_TYPE values.
const (
	ProviderUnknown   ProviderType = 0 // VSS_PROV_UNKNOWN
	ProviderSystem    ProviderType = 1 // VSS_PROV_SYSTEM: the in-box copy-on-write provider
	ProviderSoftware  ProviderType = 2 // VSS_PROV_SOFTWARE
	ProviderHardware  ProviderType = 3 // VSS_PROV_HARDWARE: a storage array
	ProviderFileShare ProviderType = 4 // VSS_PROV_FILESHARE
)

var providerTypeNames = map[ProviderType]string{
	ProviderUnknown: "VSS_PROV_UNKNOWN", ProviderSystem: "VSS_PROV_SYSTEM", ProviderSoftware: "VSS_PROV_SOFTWARE",
	ProviderHardware: "VSS_PROV_HARDWARE", ProviderFileShare: "VSS_PROV_FILESHARE",
}

// String returns the VSS name, for example "VSS_PROV_SYSTEM".
func (t ProviderType) String() string { return enumName(t, "VSS_PROV", providerTypeNames) }

// SelectionRank is the position of the type in VSS's provider preference:
// 0 is tried first (hardware), then software, then system; other types last.
func (t ProviderType) SelectionRank() int {
	switch t {
	case ProviderHardware:
		return 0
	case ProviderSoftware:
		return 1
	case ProviderSystem:
		return 2
	default:
		return 3
	}
}

// SnapshotState is VSS_SNAPSHOT_STATE: where a shadow copy is in its
// creation sequence.
type SnapshotState int32

// The VSS_SNAPSHOT_STATE values.
const (
	SnapshotStateUnknown              SnapshotState = 0  // VSS_SS_UNKNOWN
	SnapshotPreparing                 SnapshotState = 1  // VSS_SS_PREPARING
	SnapshotProcessingPrepare         SnapshotState = 2  // VSS_SS_PROCESSING_PREPARE
	SnapshotPrepared                  SnapshotState = 3  // VSS_SS_PREPARED
	SnapshotProcessingPrecommit       SnapshotState = 4  // VSS_SS_PROCESSING_PRECOMMIT
	SnapshotPrecommitted              SnapshotState = 5  // VSS_SS_PRECOMMITTED
	SnapshotProcessingCommit          SnapshotState = 6  // VSS_SS_PROCESSING_COMMIT
	SnapshotCommitted                 SnapshotState = 7  // VSS_SS_COMMITTED
	SnapshotProcessingPostcommit      SnapshotState = 8  // VSS_SS_PROCESSING_POSTCOMMIT
	SnapshotProcessingPrefinalcommit  SnapshotState = 9  // VSS_SS_PROCESSING_PREFINALCOMMIT
	SnapshotPrefinalcommitted         SnapshotState = 10 // VSS_SS_PREFINALCOMMITTED
	SnapshotProcessingPostfinalcommit SnapshotState = 11 // VSS_SS_PROCESSING_POSTFINALCOMMIT
	SnapshotCreated                   SnapshotState = 12 // VSS_SS_CREATED: complete and usable
	SnapshotAborted                   SnapshotState = 13 // VSS_SS_ABORTED
	SnapshotDeleted                   SnapshotState = 14 // VSS_SS_DELETED
	SnapshotPostcommitted             SnapshotState = 15 // VSS_SS_POSTCOMMITTED
)

var snapshotStateNames = map[SnapshotState]string{
	SnapshotStateUnknown: "VSS_SS_UNKNOWN", SnapshotPreparing: "VSS_SS_PREPARING", SnapshotProcessingPrepare: "VSS_SS_PROCESSING_PREPARE",
	SnapshotPrepared: "VSS_SS_PREPARED", SnapshotProcessingPrecommit: "VSS_SS_PROCESSING_PRECOMMIT",
	SnapshotPrecommitted: "VSS_SS_PRECOMMITTED", SnapshotProcessingCommit: "VSS_SS_PROCESSING_COMMIT",
	SnapshotCommitted: "VSS_SS_COMMITTED", SnapshotProcessingPostcommit: "VSS_SS_PROCESSING_POSTCOMMIT",
	SnapshotProcessingPrefinalcommit: "VSS_SS_PROCESSING_PREFINALCOMMIT", SnapshotPrefinalcommitted: "VSS_SS_PREFINALCOMMITTED",
	SnapshotProcessingPostfinalcommit: "VSS_SS_PROCESSING_POSTFINALCOMMIT", SnapshotCreated: "VSS_SS_CREATED",
	SnapshotAborted: "VSS_SS_ABORTED", SnapshotDeleted: "VSS_SS_DELETED", SnapshotPostcommitted: "VSS_SS_POSTCOMMITTED",
}

// String returns the VSS name, for example "VSS_SS_CREATED".
func (s SnapshotState) String() string { return enumName(s, "VSS_SS", snapshotStateNames) }

// RestoreType is VSS_RESTORE_TYPE, set by InitializeForRestore's caller.
type RestoreType int32

// The VSS_RESTORE_TYPE values.
const (
	RestoreTypeUndefined RestoreType = 0 // VSS_RTYPE_UNDEFINED
	RestoreByCopy        RestoreType = 1 // VSS_RTYPE_BY_COPY: the default, files copied back
	RestoreImport        RestoreType = 2 // VSS_RTYPE_IMPORT: a transportable shadow copy imported
	RestoreTypeOther     RestoreType = 3 // VSS_RTYPE_OTHER
)

var restoreTypeNames = map[RestoreType]string{
	RestoreTypeUndefined: "VSS_RTYPE_UNDEFINED", RestoreByCopy: "VSS_RTYPE_BY_COPY",
	RestoreImport: "VSS_RTYPE_IMPORT", RestoreTypeOther: "VSS_RTYPE_OTHER",
}

// String returns the VSS name, for example "VSS_RTYPE_BY_COPY".
func (t RestoreType) String() string { return enumName(t, "VSS_RTYPE", restoreTypeNames) }

// RestoreTarget is VSS_RESTORE_TARGET: where a writer wants a component
// restored.
type RestoreTarget int32

// The VSS_RESTORE_TARGET values.
const (
	RestoreTargetUndefined        RestoreTarget = 0 // VSS_RT_UNDEFINED
	RestoreTargetOriginal         RestoreTarget = 1 // VSS_RT_ORIGINAL
	RestoreTargetAlternate        RestoreTarget = 2 // VSS_RT_ALTERNATE
	RestoreTargetDirected         RestoreTarget = 3 // VSS_RT_DIRECTED
	RestoreTargetOriginalLocation RestoreTarget = 4 // VSS_RT_ORIGINAL_LOCATION
)

var restoreTargetNames = map[RestoreTarget]string{
	RestoreTargetUndefined: "VSS_RT_UNDEFINED", RestoreTargetOriginal: "VSS_RT_ORIGINAL",
	RestoreTargetAlternate: "VSS_RT_ALTERNATE", RestoreTargetDirected: "VSS_RT_DIRECTED",
	RestoreTargetOriginalLocation: "VSS_RT_ORIGINAL_LOCATION",
}

// String returns the VSS name, for example "VSS_RT_ORIGINAL".
func (t RestoreTarget) String() string { return enumName(t, "VSS_RT", restoreTargetNames) }

// FileRestoreStatus is VSS_FILE_RESTORE_STATUS: how much of a component's
// files a requestor restored.
type FileRestoreStatus int32

// The VSS_FILE_RESTORE_STATUS values.
const (
	FileRestoreUndefined FileRestoreStatus = 0 // VSS_RS_UNDEFINED
	FileRestoreNone      FileRestoreStatus = 1 // VSS_RS_NONE: nothing was restored
	FileRestoreAll       FileRestoreStatus = 2 // VSS_RS_ALL: everything was restored
	FileRestoreFailed    FileRestoreStatus = 3 // VSS_RS_FAILED: some files were restored
)

var fileRestoreNames = map[FileRestoreStatus]string{
	FileRestoreUndefined: "VSS_RS_UNDEFINED", FileRestoreNone: "VSS_RS_NONE",
	FileRestoreAll: "VSS_RS_ALL", FileRestoreFailed: "VSS_RS_FAILED",
}

// String returns the VSS name, for example "VSS_RS_ALL".
func (s FileRestoreStatus) String() string { return enumName(s, "VSS_RS", fileRestoreNames) }

// BackupSchema is VSS_BACKUP_SCHEMA: a bit mask of the kinds of backup and
// restore a writer supports beyond a full backup.
type BackupSchema uint32

// The VSS_BACKUP_SCHEMA bits.
const (
	SchemaUndefined                        BackupSchema = 0x0    // VSS_BS_UNDEFINED
	SchemaDifferential                     BackupSchema = 0x1    // VSS_BS_DIFFERENTIAL
	SchemaIncremental                      BackupSchema = 0x2    // VSS_BS_INCREMENTAL
	SchemaExclusiveIncrementalDifferential BackupSchema = 0x4    // VSS_BS_EXCLUSIVE_INCREMENTAL_DIFFERENTIAL
	SchemaLog                              BackupSchema = 0x8    // VSS_BS_LOG
	SchemaCopy                             BackupSchema = 0x10   // VSS_BS_COPY
	SchemaTimestamped                      BackupSchema = 0x20   // VSS_BS_TIMESTAMPED
	SchemaLastModify                       BackupSchema = 0x40   // VSS_BS_LAST_MODIFY
	SchemaLSN                              BackupSchema = 0x80   // VSS_BS_LSN
	SchemaWriterSupportsNewTarget          BackupSchema = 0x100  // VSS_BS_WRITER_SUPPORTS_NEW_TARGET
	SchemaWriterSupportsRestoreWithMove    BackupSchema = 0x200  // VSS_BS_WRITER_SUPPORTS_RESTORE_WITH_MOVE
	SchemaIndependentSystemState           BackupSchema = 0x400  // VSS_BS_INDEPENDENT_SYSTEM_STATE
	SchemaRollForwardRestore               BackupSchema = 0x1000 // VSS_BS_ROLLFORWARD_RESTORE
	SchemaRestoreRename                    BackupSchema = 0x2000 // VSS_BS_RESTORE_RENAME
	SchemaAuthoritativeRestore             BackupSchema = 0x4000 // VSS_BS_AUTHORITATIVE_RESTORE
	SchemaWriterSupportsParallelRestores   BackupSchema = 0x8000 // VSS_BS_WRITER_SUPPORTS_PARALLEL_RESTORES
)

var schemaBits = []BackupSchema{
	SchemaDifferential, SchemaIncremental, SchemaExclusiveIncrementalDifferential, SchemaLog, SchemaCopy,
	SchemaTimestamped, SchemaLastModify, SchemaLSN, SchemaWriterSupportsNewTarget, SchemaWriterSupportsRestoreWithMove,
	SchemaIndependentSystemState, SchemaRollForwardRestore, SchemaRestoreRename, SchemaAuthoritativeRestore,
	SchemaWriterSupportsParallelRestores,
}

var schemaNames = map[BackupSchema]string{
	SchemaDifferential: "DIFFERENTIAL", SchemaIncremental: "INCREMENTAL",
	SchemaExclusiveIncrementalDifferential: "EXCLUSIVE_INCREMENTAL_DIFFERENTIAL", SchemaLog: "LOG", SchemaCopy: "COPY",
	SchemaTimestamped: "TIMESTAMPED", SchemaLastModify: "LAST_MODIFY", SchemaLSN: "LSN",
	SchemaWriterSupportsNewTarget: "WRITER_SUPPORTS_NEW_TARGET", SchemaWriterSupportsRestoreWithMove: "WRITER_SUPPORTS_RESTORE_WITH_MOVE",
	SchemaIndependentSystemState: "INDEPENDENT_SYSTEM_STATE", SchemaRollForwardRestore: "ROLLFORWARD_RESTORE",
	SchemaRestoreRename: "RESTORE_RENAME", SchemaAuthoritativeRestore: "AUTHORITATIVE_RESTORE",
	SchemaWriterSupportsParallelRestores: "WRITER_SUPPORTS_PARALLEL_RESTORES",
}

// String prints the set bits, for example "DIFFERENTIAL|INCREMENTAL".
func (s BackupSchema) String() string { return flagNames(s, "UNDEFINED", schemaBits, schemaNames) }

// FileSpecBackupType is VSS_FILE_SPEC_BACKUP_TYPE: a bit mask saying for
// which backup types a file set must be backed up and shadow copied.
type FileSpecBackupType uint32

// The VSS_FILE_SPEC_BACKUP_TYPE bits.
const (
	FSBTFullBackupRequired           FileSpecBackupType = 0x1     // VSS_FSBT_FULL_BACKUP_REQUIRED
	FSBTDifferentialBackupRequired   FileSpecBackupType = 0x2     // VSS_FSBT_DIFFERENTIAL_BACKUP_REQUIRED
	FSBTIncrementalBackupRequired    FileSpecBackupType = 0x4     // VSS_FSBT_INCREMENTAL_BACKUP_REQUIRED
	FSBTLogBackupRequired            FileSpecBackupType = 0x8     // VSS_FSBT_LOG_BACKUP_REQUIRED
	FSBTFullSnapshotRequired         FileSpecBackupType = 0x100   // VSS_FSBT_FULL_SNAPSHOT_REQUIRED
	FSBTDifferentialSnapshotRequired FileSpecBackupType = 0x200   // VSS_FSBT_DIFFERENTIAL_SNAPSHOT_REQUIRED
	FSBTIncrementalSnapshotRequired  FileSpecBackupType = 0x400   // VSS_FSBT_INCREMENTAL_SNAPSHOT_REQUIRED
	FSBTLogSnapshotRequired          FileSpecBackupType = 0x800   // VSS_FSBT_LOG_SNAPSHOT_REQUIRED
	FSBTCreatedDuringBackup          FileSpecBackupType = 0x10000 // VSS_FSBT_CREATED_DURING_BACKUP
	FSBTAllBackupRequired            FileSpecBackupType = 0xf     // VSS_FSBT_ALL_BACKUP_REQUIRED
	FSBTAllSnapshotRequired          FileSpecBackupType = 0xf00   // VSS_FSBT_ALL_SNAPSHOT_REQUIRED
)

var fsbtBits = []FileSpecBackupType{
	FSBTFullBackupRequired, FSBTDifferentialBackupRequired, FSBTIncrementalBackupRequired, FSBTLogBackupRequired,
	FSBTFullSnapshotRequired, FSBTDifferentialSnapshotRequired, FSBTIncrementalSnapshotRequired, FSBTLogSnapshotRequired,
	FSBTCreatedDuringBackup,
}

var fsbtNames = map[FileSpecBackupType]string{
	FSBTFullBackupRequired: "FULL_BACKUP_REQUIRED", FSBTDifferentialBackupRequired: "DIFFERENTIAL_BACKUP_REQUIRED",
	FSBTIncrementalBackupRequired: "INCREMENTAL_BACKUP_REQUIRED", FSBTLogBackupRequired: "LOG_BACKUP_REQUIRED",
	FSBTFullSnapshotRequired: "FULL_SNAPSHOT_REQUIRED", FSBTDifferentialSnapshotRequired: "DIFFERENTIAL_SNAPSHOT_REQUIRED",
	FSBTIncrementalSnapshotRequired: "INCREMENTAL_SNAPSHOT_REQUIRED", FSBTLogSnapshotRequired: "LOG_SNAPSHOT_REQUIRED",
	FSBTCreatedDuringBackup: "CREATED_DURING_BACKUP",
}

// String prints the set bits, for example "FULL_BACKUP_REQUIRED|FULL_SNAPSHOT_REQUIRED".
func (t FileSpecBackupType) String() string { return flagNames(t, "0", fsbtBits, fsbtNames) }

// ComponentFlags is VSS_COMPONENT_FLAGS: what a component supports.
type ComponentFlags uint32

// The VSS_COMPONENT_FLAGS bits.
const (
	ComponentBackupRecovery      ComponentFlags = 0x1 // VSS_CF_BACKUP_RECOVERY
	ComponentAppRollbackRecovery ComponentFlags = 0x2 // VSS_CF_APP_ROLLBACK_RECOVERY
	ComponentNotSystemState      ComponentFlags = 0x4 // VSS_CF_NOT_SYSTEM_STATE
)

var componentFlagBits = []ComponentFlags{ComponentBackupRecovery, ComponentAppRollbackRecovery, ComponentNotSystemState}

var componentFlagNames = map[ComponentFlags]string{
	ComponentBackupRecovery: "BACKUP_RECOVERY", ComponentAppRollbackRecovery: "APP_ROLLBACK_RECOVERY",
	ComponentNotSystemState: "NOT_SYSTEM_STATE",
}

// String prints the set bits, for example "BACKUP_RECOVERY".
func (f ComponentFlags) String() string {
	return flagNames(f, "0", componentFlagBits, componentFlagNames)
}
