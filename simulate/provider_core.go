package simulate

import (
	"cmp"
	"context"
	"io/fs"
	"slices"
	"sync"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
)

// maxShadowsPerVolume is VSS's limit of shadow copies of one volume.
const maxShadowsPerVolume = 64

// ProviderOption configures a simulated provider.
type ProviderOption func(*providerConfig)

type providerConfig struct {
	info       provider.Info
	attrs      vss.SnapshotAttributes
	clock      func() time.Time
	supported  map[string]bool // nil: every volume of the set
	commitCost time.Duration
}

// WithProviderClock sets the clock that stamps shadow copies' creation
// time, usually the simulation's virtual clock. Without it every shadow
// copy is stamped 2026-01-01 UTC: the simulator never reads the wall clock.
func WithProviderClock(now func() time.Time) ProviderOption {
	return func(c *providerConfig) {
		if now != nil {
			c.clock = now
		}
	}
}

// WithSupportedVolumes limits the volumes the provider supports
// (IsVolumeSupported) to the named ones; names match without regard to
// case. Without it the provider supports every volume of its VolumeSet.
func WithSupportedVolumes(names ...string) ProviderOption {
	return func(c *providerConfig) {
		c.supported = map[string]bool{}
		for _, n := range names {
			c.supported[volumeKey(n)] = true
		}
	}
}

// WithCommitCost sets how long the provider's CommitSnapshots takes, the
// virtual time the simulator's Loop charges inside the flush-and-hold
// window. A cost longer than the window (10 s by default) makes every
// commit by this provider exceed it.
func WithCommitCost(d time.Duration) ProviderOption {
	return func(c *providerConfig) { c.commitCost = max(d, 0) }
}

// WithProviderIdentity gives the provider another ID and name, for worlds
// with several providers of one kind (VSS requires distinct IDs).
func WithProviderIdentity(id vss.ID, name string) ProviderOption {
	return func(c *providerConfig) {
		c.info.ID = id
		if name != "" {
			c.info.Name = name
		}
	}
}

// snapProvider is the engine of the simulated providers: the creation
// sequence per snapshot set and the shadow copies it holds, over the
// volumes of a VolumeSet.
type snapProvider struct {
	cfg  providerConfig
	vols *VolumeSet

	mu    sync.Mutex
	sets  map[vss.ID]*shadowSet
	snaps map[vss.ID]*shadow
	seq   uint64
}

// shadowSet is a snapshot set as one provider sees it; every shadow copy
// of it is in the set's state.
type shadowSet struct {
	id      vss.ID
	state   vss.SnapshotState
	shadows []*shadow
}

// shadow is one shadow copy: its properties and, once committed, the
// point-in-time copy of its volume.
type shadow struct {
	prop provider.Snapshot
	seq  uint64
	vol  *Volume
	copy *VolumeSnapshot
}

func newSnapProvider(vols *VolumeSet, cfg providerConfig, opts []ProviderOption) *snapProvider {
	cfg.clock = func() time.Time { return volumeEpoch }
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if vols == nil {
		vols = NewVolumeSet()
	}
	return &snapProvider{cfg: cfg, vols: vols, sets: map[vss.ID]*shadowSet{}, snaps: map[vss.ID]*shadow{}}
}

// Info returns the provider's identity and type.
func (p *snapProvider) Info() provider.Info { return p.cfg.info }

// CommitCost returns how long CommitSnapshots takes, for the simulator to
// charge in virtual time inside the flush-and-hold window.
func (p *snapProvider) CommitCost() time.Duration { return p.cfg.commitCost }

// supports reports whether the provider can shadow copy the named volume.
func (p *snapProvider) supports(volume string) (*Volume, bool) {
	v, ok := p.vols.Get(volume)
	if !ok || (p.cfg.supported != nil && !p.cfg.supported[volumeKey(volume)]) {
		return nil, false
	}
	return v, true
}

// IsVolumeSupported reports whether the volume is one the provider can
// shadow copy: a volume of its VolumeSet (and of WithSupportedVolumes).
func (p *snapProvider) IsVolumeSupported(ctx context.Context, volume string, _ vss.SnapshotContext) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	_, ok := p.supports(volume)
	return ok, nil
}

// BeginPrepareSnapshot adds the volume to the set with the snapshot ID VSS
// chose. The first call for a set creates it in state VSS_SS_PREPARING;
// later calls are legal only while it stays there.
//
// The first call for a new set also ends any set still in creation: VSS
// creates one set at a time, so that set was abandoned before its
// DoSnapshotSet (an aborted backup, a closed session), and VSS tells a
// provider of that only by starting the next set, as Microsoft's "State
// Transitions in Shadow Copy Providers" says. Its shadow copies, none of
// them committed, are freed.
func (p *snapProvider) BeginPrepareSnapshot(ctx context.Context, setID, snapshotID vss.ID, volume string, sc vss.SnapshotContext) error {
	const op = "BeginPrepareSnapshot"
	if err := ctx.Err(); err != nil {
		return err
	}
	switch {
	case setID.IsNil() || snapshotID.IsNil():
		return vss.Errorf(vss.ErrInvalidArg, op, "the snapshot set and snapshot IDs must not be GUID_NULL")
	case sc == vss.ContextAll:
		return vss.Errorf(vss.ErrUnsupportedContext, op, "a shadow copy cannot be created in %v", sc)
	}
	v, ok := p.supports(volume)
	if !ok {
		return vss.Errorf(vss.ErrVolumeNotSupportedByProvider, op, "%s does not support volume %s", p.cfg.info.Name, volume)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	set := p.sets[setID]
	if set != nil && set.state != vss.SnapshotPreparing {
		return vss.Errorf(vss.ErrBadState, op, "snapshot set %v is %v, not preparing", setID, set.state)
	}
	if set == nil {
		p.dropAbandoned()
	}
	if _, dup := p.snaps[snapshotID]; dup {
		return vss.Errorf(vss.ErrObjectAlreadyExists, op, "snapshot %v already exists", snapshotID)
	}
	n := 0
	for _, s := range p.snaps {
		if s.vol == v {
			n++
			if s.prop.SetID == setID {
				return vss.Errorf(vss.ErrObjectAlreadyExists, op, "volume %s is already in snapshot set %v", volume, setID)
			}
		}
	}
	if n >= maxShadowsPerVolume {
		return vss.Errorf(vss.ErrMaximumNumberOfSnapshotsReached, op, "volume %s already has %d shadow copies", volume, n)
	}
	if set == nil {
		set = &shadowSet{id: setID, state: vss.SnapshotPreparing}
		p.sets[setID] = set
	}
	p.seq++
	s := &shadow{seq: p.seq, vol: v, prop: provider.Snapshot{
		ID: snapshotID, SetID: setID, OriginalVolume: v.Name(), ProviderID: p.cfg.info.ID,
		Attributes: vss.SnapshotAttributes(sc) | p.cfg.attrs, State: vss.SnapshotPreparing,
	}}
	set.shadows = append(set.shadows, s)
	p.snaps[snapshotID] = s
	return nil
}

// dropAbandoned frees the shadow copies of every set still in creation,
// which a new set's first BeginPrepareSnapshot shows was abandoned; p.mu
// is held.
func (p *snapProvider) dropAbandoned() {
	for _, set := range p.sets {
		if !set.creating() {
			continue
		}
		var buf [8]*shadow // drop changes set.shadows
		for _, s := range append(buf[:0], set.shadows...) {
			p.drop(s)
		}
	}
}

// creating reports whether the set is between BeginPrepareSnapshot and the
// end of PostFinalCommitSnapshots.
func (s *shadowSet) creating() bool {
	return s.state >= vss.SnapshotPreparing && s.state < vss.SnapshotCreated
}

// advance moves the set from state from to state to, doing act (if not
// nil) first; a set in any other state fails with VSS_E_BAD_STATE.
func (p *snapProvider) advance(ctx context.Context, op string, setID vss.ID, from, to vss.SnapshotState, act func(*shadowSet) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	set := p.sets[setID]
	switch {
	case set == nil:
		return vss.Errorf(vss.ErrBadState, op, "snapshot set %v is not being created by %s", setID, p.cfg.info.Name)
	case set.state != from:
		return vss.Errorf(vss.ErrBadState, op, "snapshot set %v is %v, not %v", setID, set.state, from)
	}
	if act != nil {
		if err := act(set); err != nil {
			return err
		}
	}
	set.state = to
	for _, s := range set.shadows {
		s.prop.State = to
	}
	return nil
}

// EndPrepareSnapshots ends the preparation of the set: VSS_SS_PREPARED.
func (p *snapProvider) EndPrepareSnapshots(ctx context.Context, setID vss.ID) error {
	return p.advance(ctx, "EndPrepareSnapshots", setID, vss.SnapshotPreparing, vss.SnapshotPrepared, nil)
}

// PreCommitSnapshots readies the set for the commit: VSS_SS_PRECOMMITTED.
func (p *snapProvider) PreCommitSnapshots(ctx context.Context, setID vss.ID) error {
	return p.advance(ctx, "PreCommitSnapshots", setID, vss.SnapshotPrepared, vss.SnapshotPrecommitted, nil)
}

// CommitSnapshots takes the point-in-time copy of every volume of the set
// at this instant (writes are held), gives each shadow copy its device
// object and creation time: VSS_SS_COMMITTED. Under the simulator's Loop
// the call takes CommitCost of virtual time, inside the flush-and-hold
// window; a cost over the window (10 s) fails the set with
// VSS_E_FLUSH_WRITES_TIMEOUT. Called directly, it takes no time.
func (p *snapProvider) CommitSnapshots(ctx context.Context, setID vss.ID) error {
	spendVirtual(ctx, p.cfg.commitCost)
	return p.advance(ctx, "CommitSnapshots", setID, vss.SnapshotPrecommitted, vss.SnapshotCommitted, func(set *shadowSet) error {
		now := p.cfg.clock()
		for _, s := range set.shadows {
			s.copy = s.vol.Snapshot()
			s.prop.DeviceObject = p.vols.bindDevice(s.copy)
			s.prop.Created = now
			s.prop.SnapshotsCount = len(set.shadows)
		}
		return nil
	})
}

// PostCommitSnapshots records the number of shadow copies in the whole
// set (count, across providers): VSS_SS_POSTCOMMITTED.
func (p *snapProvider) PostCommitSnapshots(ctx context.Context, setID vss.ID, count int) error {
	return p.advance(ctx, "PostCommitSnapshots", setID, vss.SnapshotCommitted, vss.SnapshotPostcommitted, func(set *shadowSet) error {
		if count > 0 {
			for _, s := range set.shadows {
				s.prop.SnapshotsCount = count
			}
		}
		return nil
	})
}

// PreFinalCommitSnapshots is called after the writers thawed:
// VSS_SS_PREFINALCOMMITTED.
func (p *snapProvider) PreFinalCommitSnapshots(ctx context.Context, setID vss.ID) error {
	return p.advance(ctx, "PreFinalCommitSnapshots", setID, vss.SnapshotPostcommitted, vss.SnapshotPrefinalcommitted, nil)
}

// PostFinalCommitSnapshots completes the set: its shadow copies are
// VSS_SS_CREATED.
func (p *snapProvider) PostFinalCommitSnapshots(ctx context.Context, setID vss.ID) error {
	return p.advance(ctx, "PostFinalCommitSnapshots", setID, vss.SnapshotPrefinalcommitted, vss.SnapshotCreated, nil)
}

// AbortSnapshots ends the creation of the set in whatever state it is and
// frees every shadow copy of it. It never fails: aborting an unknown set,
// or twice, does nothing.
func (p *snapProvider) AbortSnapshots(_ context.Context, setID vss.ID) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if set := p.sets[setID]; set != nil {
		var buf [8]*shadow // drop changes set.shadows
		for _, s := range append(buf[:0], set.shadows...) {
			p.drop(s)
		}
	}
	return nil
}

// drop frees shadow copy s and forgets it, and its set once empty; p.mu
// is held.
func (p *snapProvider) drop(s *shadow) {
	if s.copy != nil {
		s.copy.Release()
	}
	s.prop.State = vss.SnapshotDeleted
	delete(p.snaps, s.prop.ID)
	set := p.sets[s.prop.SetID]
	set.shadows = slices.DeleteFunc(set.shadows, func(o *shadow) bool { return o == s })
	if len(set.shadows) == 0 {
		delete(p.sets, set.id)
	}
}

// GetSnapshotProperties returns the properties of one shadow copy the
// provider holds, in whatever state of creation it is.
func (p *snapProvider) GetSnapshotProperties(ctx context.Context, snapshotID vss.ID) (provider.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return provider.Snapshot{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.snaps[snapshotID]
	if !ok {
		return provider.Snapshot{}, vss.Errorf(vss.ErrObjectNotFound, "GetSnapshotProperties", "no shadow copy %v", snapshotID)
	}
	return s.prop, nil
}

// Query lists the shadow copies the provider holds, including those of a
// set being created, in the order they were added.
func (p *snapProvider) Query(ctx context.Context) ([]provider.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	list := make([]*shadow, 0, len(p.snaps))
	for _, s := range p.snaps {
		list = append(list, s)
	}
	slices.SortFunc(list, func(a, b *shadow) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]provider.Snapshot, len(list))
	for i, s := range list {
		out[i] = s.prop
	}
	return out, nil
}

// DeleteSnapshots deletes one shadow copy (provider.ObjectSnapshot) or
// every shadow copy of a set (provider.ObjectSnapshotSet), freeing their
// copy-on-write storage, and returns how many it deleted.
func (p *snapProvider) DeleteSnapshots(ctx context.Context, id vss.ID, kind provider.ObjectType) (int, error) {
	const op = "DeleteSnapshots"
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch kind {
	case provider.ObjectSnapshot:
		s, ok := p.snaps[id]
		if !ok {
			return 0, vss.Errorf(vss.ErrObjectNotFound, op, "no shadow copy %v", id)
		}
		p.drop(s)
		return 1, nil
	case provider.ObjectSnapshotSet:
		set, ok := p.sets[id]
		if !ok {
			return 0, vss.Errorf(vss.ErrObjectNotFound, op, "no snapshot set %v", id)
		}
		n := len(set.shadows)
		var buf [8]*shadow // drop changes set.shadows
		for _, s := range append(buf[:0], set.shadows...) {
			p.drop(s)
		}
		return n, nil
	}
	return 0, vss.Errorf(vss.ErrInvalidArg, op, "cannot delete objects of type %v", kind)
}

// SnapshotFS returns the contents of a committed shadow copy, rooted at
// the root of its volume. It implements fs.ReadFileFS, fs.StatFS and
// fs.ReadDirFS; once the shadow copy is deleted, reads fail with
// fs.ErrClosed.
func (p *snapProvider) SnapshotFS(ctx context.Context, snapshotID vss.ID) (fs.FS, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.snaps[snapshotID]
	if !ok || s.copy == nil {
		return nil, vss.Errorf(vss.ErrObjectNotFound, "SnapshotFS", "no committed shadow copy %v", snapshotID)
	}
	return s.copy.FS(), nil
}
