// Package provider is the snapshot provider side of the Volume Shadow Copy
// Service: the calls VSS makes on a provider to create a shadow copy set
// (IVssProviderCreateSnapshotSet) and to manage the shadow copies it holds
// (IVssSoftwareSnapshotProvider), as a Go interface.
//
// # The creation sequence
//
// For each volume added to a set, VSS asks every provider whether it
// supports the volume (IsVolumeSupported) and picks the first that does,
// trying hardware providers, then software providers, then the system
// provider. It then calls, on every provider that holds part of the set:
//
//	BeginPrepareSnapshot      once per volume (step 2)
//	EndPrepareSnapshots       first in DoSnapshotSet, before the writers'
//	                          PrepareForSnapshot (step 6)
//	PreCommitSnapshots        after the writers froze (step 7)
//	   writes to the volumes are flushed and held
//	CommitSnapshots           inside the hold window, at most 10 s (step 8)
//	   writes are released
//	PostCommitSnapshots       (step 8)
//	PreFinalCommitSnapshots   after the writers thawed (step 9)
//	PostFinalCommitSnapshots  (step 9)
//
// If anything fails once DoSnapshotSet has begun, VSS calls AbortSnapshots
// on every provider of the set, and none of its shadow copies may remain.
// A set abandoned before DoSnapshotSet (the requestor aborts, closes its
// session or gives up on a call) sends the provider nothing: it learns of
// it only when BeginPrepareSnapshot starts a new set, with a new set ID,
// and must accept that call whatever state the old set was left in
// (Microsoft's "State Transitions in Shadow Copy Providers").
//
// # Errors and concurrency
//
// VSS calls one provider for one set at a time; a provider is not called
// concurrently for the same set. An error from a creation call fails the
// whole set; the provider should return one of the documented HRESULTs
// (vss.ErrProviderVeto, vss.ErrInsufficientStorage, ...); any other error
// reaches the requestor as vss.ErrUnexpectedProviderError.
package provider

import (
	"context"
	"io/fs"
	"time"

	"github.com/vsskit/vss"
)

// Info identifies a provider (VSS_PROVIDER_PROP).
type Info struct {
	ID      vss.ID           // provider ID
	Name    string           // provider name
	Type    vss.ProviderType // hardware, software or system: drives selection
	Version string           // version string
}

// Provider creates and manages shadow copies of volumes.
type Provider interface {
	// Info returns the provider's identity and type.
	Info() Info

	// IsVolumeSupported reports whether the provider can shadow copy the
	// volume in the given context.
	IsVolumeSupported(ctx context.Context, volume string, sc vss.SnapshotContext) (bool, error)

	// BeginPrepareSnapshot adds a volume to the set being created, with the
	// snapshot ID VSS chose for it. Called once per volume, at
	// AddToSnapshotSet. A call with a new set ID starts a new set even
	// while an earlier one is unfinished: that set was abandoned before
	// DoSnapshotSet, and VSS sends no AbortSnapshots for it.
	BeginPrepareSnapshot(ctx context.Context, setID, snapshotID vss.ID, volume string, sc vss.SnapshotContext) error

	// EndPrepareSnapshots finishes preparation of every volume of the set
	// (for example allocating copy-on-write storage).
	EndPrepareSnapshots(ctx context.Context, setID vss.ID) error

	// PreCommitSnapshots readies the set for a commit that must be fast.
	PreCommitSnapshots(ctx context.Context, setID vss.ID) error

	// CommitSnapshots takes the shadow copies. It runs while writes to the
	// volumes are held and must finish within the hold window. The
	// shadow copies must equal the volumes at this instant.
	CommitSnapshots(ctx context.Context, setID vss.ID) error

	// PostCommitSnapshots is called after writes are released; count is the
	// number of shadow copies in the whole set.
	PostCommitSnapshots(ctx context.Context, setID vss.ID, count int) error

	// PreFinalCommitSnapshots and PostFinalCommitSnapshots close the
	// sequence after the writers thawed; after PostFinalCommitSnapshots the
	// shadow copies are in state VSS_SS_CREATED.
	PreFinalCommitSnapshots(ctx context.Context, setID vss.ID) error
	PostFinalCommitSnapshots(ctx context.Context, setID vss.ID) error

	// AbortSnapshots ends the creation of the set and deletes every shadow
	// copy of it the provider made. VSS calls it only for a set whose
	// DoSnapshotSet began (so after EndPrepareSnapshots was called), at
	// any point of the rest of the sequence, possibly more than once; it
	// must not fail for a set it does not know.
	AbortSnapshots(ctx context.Context, setID vss.ID) error

	// GetSnapshotProperties returns one shadow copy's properties, or an
	// error wrapping vss.ErrObjectNotFound.
	GetSnapshotProperties(ctx context.Context, snapshotID vss.ID) (Snapshot, error)

	// Query lists the shadow copies the provider holds.
	Query(ctx context.Context) ([]Snapshot, error)

	// DeleteSnapshots deletes one shadow copy (kind ObjectSnapshot) or
	// every shadow copy of a set (ObjectSnapshotSet). It returns how
	// many it deleted; deleting what does not exist is vss.ErrObjectNotFound.
	DeleteSnapshots(ctx context.Context, id vss.ID, kind ObjectType) (int, error)
}

// ObjectType is VSS_OBJECT_TYPE, as DeleteSnapshots and Query use it.
type ObjectType int32

// The VSS_OBJECT_TYPE values that name deletable objects.
const (
	ObjectSnapshotSet ObjectType = 2 // VSS_OBJECT_SNAPSHOT_SET
	ObjectSnapshot    ObjectType = 3 // VSS_OBJECT_SNAPSHOT
)

// String returns the VSS name, for example "VSS_OBJECT_SNAPSHOT".
func (t ObjectType) String() string {
	switch t {
	case ObjectSnapshotSet:
		return "VSS_OBJECT_SNAPSHOT_SET"
	case ObjectSnapshot:
		return "VSS_OBJECT_SNAPSHOT"
	}
	return "VSS_OBJECT_UNKNOWN"
}

// Snapshot is the properties of one shadow copy (VSS_SNAPSHOT_PROP).
type Snapshot struct {
	ID             vss.ID // m_SnapshotId
	SetID          vss.ID // m_SnapshotSetId
	SnapshotsCount int    // m_lSnapshotsCount: shadow copies in the set
	// DeviceObject is the shadow copy's device, for example
	// \\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy12; its contents are
	// read through it.
	DeviceObject       string
	OriginalVolume     string // the volume it copies, for example \\?\Volume{...}\
	OriginatingMachine string
	ServiceMachine     string
	ExposedName        string
	ExposedPath        string
	ProviderID         vss.ID
	Attributes         vss.SnapshotAttributes
	Created            time.Time // m_tsCreationTimestamp
	State              vss.SnapshotState
}

// FSOpener is implemented by providers whose shadow copies can be read in
// process, as the simulator's are. On Windows, shadow copies are read
// through their device object instead.
type FSOpener interface {
	// SnapshotFS returns the contents of a shadow copy, rooted at the root
	// of the volume it copies.
	SnapshotFS(ctx context.Context, snapshotID vss.ID) (fs.FS, error)
}
