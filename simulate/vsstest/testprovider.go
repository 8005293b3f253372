package vsstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// ProviderEnv is the simulated machine the provider under test copies:
// the volumes C:\ and D:\, each holding some files, gathered in Volumes.
// A provider over simulated volumes takes its shadow copies of these.
type ProviderEnv struct {
	Volumes *simulate.VolumeSet
	C, D    *simulate.Volume
}

// ProviderTestOptions tunes TestProvider and CheckProvider.
type ProviderTestOptions struct {
	// Skip names rules to leave out, or groups of them by prefix.
	Skip []string
	// Seed is the first seed (default 1) and Seeds how many each rule
	// runs with (default 1); VSS_SEED and VSS_SEEDS override them. The
	// seed chooses the volumes' contents and the writes made around the
	// commit.
	Seed  uint64
	Seeds int
	// StrictShould reports breaches of SHOULD rules as failures; by
	// default they are only logged.
	StrictShould bool
}

// providerRule is a provider rule with the code that checks it.
type providerRule struct {
	rule Rule
	run  func(pr *providerRun)
}

func providerRules() []providerRule {
	return []providerRule{
		{Rule{"Info/Identity", true, "Info names the provider: a non-nil provider ID, a name, and a type VSS selects by (hardware, software or system)"}, ruleProviderInfo},
		{Rule{"IsVolumeSupported/Stable", true, "IsVolumeSupported answers the same for the same volume, every time, and supports at least one volume of the machine"}, ruleSupportedStable},
		{Rule{"Commit/Sequence", true, "the whole creation sequence succeeds on every supported volume, in order, and leaves shadow copies in state VSS_SS_CREATED that Query and GetSnapshotProperties report with the set's ID and count"}, ruleCommitSequence},
		{Rule{"Commit/PointInTime", true, "a shadow copy equals its volume at the CommitSnapshots instant: no write made before it is missing, no write made after it shows"}, rulePointInTime},
		{Rule{"Commit/OutOfOrder", false, "a call out of the sequence's order fails with VSS_E_BAD_STATE rather than corrupting the set"}, ruleOutOfOrder},
		{Rule{"Abort/Releases", true, "AbortSnapshots at any point of the sequence once DoSnapshotSet began (right after BeginPrepareSnapshot stands for an EndPrepareSnapshots that failed) leaves nothing of the set, succeeds twice, succeeds for an unknown set, and leaves a set created before alone"}, ruleAbortReleases},
		{Rule{"Abort/Abandoned", true, "a set abandoned after BeginPrepareSnapshot, before DoSnapshotSet, gets no AbortSnapshots: the provider accepts BeginPrepareSnapshot of a new set on the same volumes, creates it, and keeps nothing of the abandoned set once the new one is created"}, ruleAbortAbandoned},
		{Rule{"Delete/Works", true, "DeleteSnapshots deletes one shadow copy or a whole set, reports how many, and answers VSS_E_OBJECT_NOT_FOUND for what does not exist"}, ruleDelete},
		{Rule{"Backup/Succeeds", true, "a whole backup through the coordinator with this provider alone succeeds and, the session closed, leaves no shadow copy"}, ruleProviderBackup},
	}
}

// ProviderRules lists the rules TestProvider checks, in order.
func ProviderRules() []Rule {
	rs := providerRules()
	out := make([]Rule, len(rs))
	for i, r := range rs {
		out[i] = r.rule
	}
	return out
}

// TestProvider checks a provider against the VSS provider rules
// (ProviderRules): stable volume support, the creation sequence, shadow
// copies equal to their volumes at the commit instant, abort at any point
// releasing everything, delete, and a whole backup through the
// coordinator. newProvider is called for every rule and seed with a fresh
// machine (ProviderEnv), so each rule starts clean. Given a *testing.T,
// rules are sub-tests named after them; otherwise they run one after
// another and their names prefix the messages.
//
// Point-in-time contents are checked when the provider implements
// provider.FSOpener (as the simulated providers do); otherwise that rule
// is skipped.
func TestProvider(t SuiteT, newProvider func(env ProviderEnv) provider.Provider, opts ProviderTestOptions) {
	t.Helper()
	ps := newProviderSuite(t.Name(), newProvider, opts)
	rules := providerRules()
	run := func(i int, seed uint64) ([]Breach, string) { return ps.run(rules[i], seed) }
	if tt, ok := t.(*testing.T); ok {
		ps.subTests(tt, ProviderRules(), "ProviderTestOptions.Skip", func(_ *testing.T, i int, seed uint64) ([]Breach, string) { return run(i, seed) })
		return
	}
	ps.plainRuns(t, ProviderRules(), run)
}

// CheckProvider runs the rules of TestProvider and returns a *CheckError
// listing every breach (SHOULD breaches only with StrictShould), or nil.
// The verdict unwraps to its breaches and they to their causes, the
// errors the provider returned among them: errors.Is(err,
// vss.ErrFlushWritesTimeout), say, reports a commit that outlasted the
// flush-and-hold window in a backup (see CheckError and Breach).
func CheckProvider(newProvider func(env ProviderEnv) provider.Provider, opts ProviderTestOptions) error {
	ps := newProviderSuite("TestProvider", newProvider, opts)
	rules := providerRules()
	return ps.check(ProviderRules(), func(i int, seed uint64) ([]Breach, string) { return ps.run(rules[i], seed) })
}

// providerSuite is one TestProvider or CheckProvider run; it shares the
// writer suite's seed, skip and report handling.
type providerSuite struct {
	*writerSuite
	newProvider func(env ProviderEnv) provider.Provider
}

func newProviderSuite(test string, newProvider func(env ProviderEnv) provider.Provider, opts ProviderTestOptions) *providerSuite {
	ws := newWriterSuite(test, nil, WriterTestOptions{Skip: opts.Skip, Seed: opts.Seed, Seeds: opts.Seeds, StrictShould: opts.StrictShould})
	return &providerSuite{writerSuite: ws, newProvider: newProvider}
}

// providerRun is one provider rule checked with one seed.
type providerRun struct {
	*ruleRun
	ps  *providerSuite
	rng *rand.Rand
}

func (ps *providerSuite) run(r providerRule, seed uint64) ([]Breach, string) {
	pr := &providerRun{ruleRun: &ruleRun{test: ps.test, rule: r.rule, seed: seed}, ps: ps,
		rng: rand.New(rand.NewPCG(seed, 0x5851f42d4c957f2d))}
	func() {
		defer func() {
			if v := recover(); v != nil {
				pr.breachAtErr("", panicErr(v), "the provider panicked: %v", v)
			}
		}()
		r.run(pr)
	}()
	return pr.result()
}

// machine builds a fresh ProviderEnv whose volumes hold a few files of
// seeded contents, and the provider under test over it.
func (pr *providerRun) machine() (ProviderEnv, provider.Provider) {
	c, d := simulate.NewVolume(`C:\`), simulate.NewVolume(`D:\`)
	for _, v := range []*simulate.Volume{c, d} {
		if err := v.MkdirAll("data"); err != nil {
			panic(err)
		}
		for i := range 3 {
			if err := v.WriteFile(fmt.Sprintf("data/f%d", i), pr.bytes(1+pr.rng.IntN(3*simulate.BlockSize))); err != nil {
				panic(err)
			}
		}
	}
	env := ProviderEnv{Volumes: simulate.NewVolumeSet(c, d), C: c, D: d}
	return env, pr.ps.newProvider(env)
}

func (pr *providerRun) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(pr.rng.Uint32())
	}
	return b
}

// newID returns a seeded ID.
func (pr *providerRun) newID() vss.ID {
	var id vss.ID
	for i := range id {
		id[i] = byte(pr.rng.Uint32())
	}
	return id
}

// noVolume is why a rule that needs a supported volume is skipped.
const noVolume = "the provider supports no volume (IsVolumeSupported/Stable)"

// machineWithVolumes is machine and the volumes the provider supports; ok
// is false, and the rule skipped, when it supports none.
func (pr *providerRun) machineWithVolumes() (env ProviderEnv, p provider.Provider, vols []string, ok bool) {
	env, p = pr.machine()
	vols = pr.supported(env, p)
	if len(vols) == 0 {
		pr.skip = noVolume
		return env, p, nil, false
	}
	return env, p, vols, true
}

// supported returns the machine's volumes the provider supports.
func (pr *providerRun) supported(env ProviderEnv, p provider.Provider) []string {
	var out []string
	for _, v := range []string{`C:\`, `D:\`} {
		if ok, err := p.IsVolumeSupported(context.Background(), v, vss.ContextBackup); err == nil && ok {
			out = append(out, v)
		}
	}
	return out
}

// creation is the creation sequence after BeginPrepareSnapshot.
var creation = []struct {
	name string
	call func(ctx context.Context, p provider.Provider, set vss.ID, n int) error
}{
	{"EndPrepareSnapshots", func(ctx context.Context, p provider.Provider, s vss.ID, _ int) error {
		return p.EndPrepareSnapshots(ctx, s)
	}},
	{"PreCommitSnapshots", func(ctx context.Context, p provider.Provider, s vss.ID, _ int) error {
		return p.PreCommitSnapshots(ctx, s)
	}},
	{"CommitSnapshots", func(ctx context.Context, p provider.Provider, s vss.ID, _ int) error {
		return p.CommitSnapshots(ctx, s)
	}},
	{"PostCommitSnapshots", func(ctx context.Context, p provider.Provider, s vss.ID, n int) error {
		return p.PostCommitSnapshots(ctx, s, n)
	}},
	{"PreFinalCommitSnapshots", func(ctx context.Context, p provider.Provider, s vss.ID, _ int) error {
		return p.PreFinalCommitSnapshots(ctx, s)
	}},
	{"PostFinalCommitSnapshots", func(ctx context.Context, p provider.Provider, s vss.ID, _ int) error {
		return p.PostFinalCommitSnapshots(ctx, s)
	}},
}

// begin starts a set on vols and returns its ID and the snapshot IDs by
// volume; ok is false (and a breach reported) if the provider refused.
func (pr *providerRun) begin(p provider.Provider, vols []string) (set vss.ID, snaps map[string]vss.ID, ok bool) {
	set, snaps = pr.newID(), map[string]vss.ID{}
	for _, v := range vols {
		id := pr.newID()
		if err := p.BeginPrepareSnapshot(context.Background(), set, id, v, vss.ContextBackup); err != nil {
			pr.breachAtErr("BeginPrepareSnapshot", err, "BeginPrepareSnapshot of supported volume %s failed: %v", v, err)
			return set, snaps, false
		}
		snaps[v] = id
	}
	return set, snaps, true
}

// create runs the creation sequence on set through step upto (exclusive);
// before runs ahead of each step. It reports a failing step.
func (pr *providerRun) create(p provider.Provider, set vss.ID, n, upto int, before func(step string)) bool {
	for _, s := range creation[:upto] {
		if before != nil {
			before(s.name)
		}
		if err := s.call(context.Background(), p, set, n); err != nil {
			pr.breachAtErr(s.name, err, "%s failed in the legal sequence: %v", s.name, err)
			return false
		}
	}
	return true
}

// snapshotsOf returns the shadow copies Query lists for set.
func (pr *providerRun) snapshotsOf(p provider.Provider, set vss.ID) ([]provider.Snapshot, error) {
	all, err := p.Query(context.Background())
	if err != nil {
		return nil, err
	}
	var out []provider.Snapshot
	for _, s := range all {
		if s.SetID == set {
			out = append(out, s)
		}
	}
	return out, nil
}

// liveSnapshots counts the volume snapshots still held on env's volumes.
func liveSnapshots(env ProviderEnv) int { return env.C.LiveSnapshots() + env.D.LiveSnapshots() }

func ruleProviderInfo(pr *providerRun) {
	_, p := pr.machine()
	info := p.Info()
	if info.ID.IsNil() {
		pr.breachAt("Info", "the provider ID is nil: VSS names providers by ID (AddToSnapshotSet's ProviderId)")
	}
	if info.Name == "" {
		pr.breachAt("Info", "the provider has no name")
	}
	switch info.Type {
	case vss.ProviderHardware, vss.ProviderSoftware, vss.ProviderSystem:
	default:
		pr.breachAt("Info", "the provider type %v is not hardware, software or system: VSS cannot place it in its selection order", info.Type)
	}
}

func ruleSupportedStable(pr *providerRun) {
	ctx := context.Background()
	_, p := pr.machine()
	any := false
	for _, v := range []string{`C:\`, `D:\`, `Z:\`} {
		first, err1 := p.IsVolumeSupported(ctx, v, vss.ContextBackup)
		for i := range 3 {
			again, err2 := p.IsVolumeSupported(ctx, v, vss.ContextBackup)
			if again != first || (err1 == nil) != (err2 == nil) {
				pr.breachAtErr("IsVolumeSupported", errors.Join(err2, err1), "asked about %s again (call %d), the provider answered %v (%v) after %v (%v)", v, i+2, again, err2, first, err1)
				break
			}
		}
		if v != `Z:\` && err1 == nil && first {
			any = true
		}
	}
	if !any {
		pr.breachAt("IsVolumeSupported", "the provider supports neither C:\\ nor D:\\ of the machine it was given")
	}
}

func ruleCommitSequence(pr *providerRun) {
	ctx := context.Background()
	_, p, vols, ok := pr.machineWithVolumes()
	if !ok {
		return
	}
	set, ids, ok := pr.begin(p, vols)
	if !ok || !pr.create(p, set, len(vols), len(creation), nil) {
		return
	}
	snaps, err := pr.snapshotsOf(p, set)
	if err != nil {
		pr.breachAtErr("Query", err, "Query failed: %v", err)
		return
	}
	if len(snaps) != len(vols) {
		pr.breachAt("Query", "Query lists %d shadow copies of the set, want %d (one per volume)", len(snaps), len(vols))
	}
	for _, v := range vols {
		s, err := p.GetSnapshotProperties(ctx, ids[v])
		if err != nil {
			pr.breachAtErr("GetSnapshotProperties", err, "the shadow copy of %s: %v", v, err)
			continue
		}
		switch {
		case s.ID != ids[v] || s.SetID != set:
			pr.breachAt("GetSnapshotProperties", "the shadow copy of %s has ID %v in set %v, want %v in %v", v, s.ID, s.SetID, ids[v], set)
		case s.State != vss.SnapshotCreated:
			pr.breachAt("GetSnapshotProperties", "the shadow copy of %s is %v after PostFinalCommitSnapshots, want VSS_SS_CREATED", v, s.State)
		case s.SnapshotsCount != len(vols):
			pr.breachAt("GetSnapshotProperties", "the shadow copy of %s counts %d in its set, want %d", v, s.SnapshotsCount, len(vols))
		case s.DeviceObject == "":
			pr.breachAt("GetSnapshotProperties", "the shadow copy of %s has no device object to read it through", v)
		case s.ProviderID != p.Info().ID:
			pr.breachAt("GetSnapshotProperties", "the shadow copy of %s names provider %v, not this provider (%v)", v, s.ProviderID, p.Info().ID)
		}
	}
	_, _ = p.DeleteSnapshots(ctx, set, provider.ObjectSnapshotSet)
}

func rulePointInTime(pr *providerRun) {
	ctx := context.Background()
	env, p := pr.machine()
	opener, ok := p.(provider.FSOpener)
	if !ok {
		pr.skip = "the provider does not implement provider.FSOpener: its shadow copies cannot be read in process"
		return
	}
	vols := pr.supported(env, p)
	if len(vols) == 0 {
		pr.skip = noVolume
		return
	}
	set, ids, ok := pr.begin(p, vols)
	if !ok {
		return
	}
	// Write to every volume before each step; at CommitSnapshots, hold
	// writes as VSS does and keep the reference: the volume as it is.
	ref := map[string]*simulate.VolumeSnapshot{}
	write := func(step string) {
		for _, name := range vols {
			v, _ := env.Volumes.Get(name)
			path := fmt.Sprintf("data/f%d", pr.rng.IntN(4))
			data := pr.bytes(1 + pr.rng.IntN(2*simulate.BlockSize))
			if step == "CommitSnapshots" {
				ref[name] = v.Snapshot()
				continue
			}
			if err := v.WriteAt(path, int64(pr.rng.IntN(simulate.BlockSize)), data); err != nil {
				panic(err)
			}
		}
	}
	defer func() {
		for _, s := range ref {
			s.Release()
		}
	}()
	if !pr.create(p, set, len(vols), len(creation), write) {
		return
	}
	write("after") // a write after the sequence must not show either
	for _, name := range vols {
		got, err := opener.SnapshotFS(ctx, ids[name])
		if err != nil {
			pr.breachAtErr("SnapshotFS", err, "the shadow copy of %s cannot be read: %v", name, err)
			continue
		}
		if d := diffFS(ref[name].FS(), got); d != "" {
			pr.breachAt("CommitSnapshots", "the shadow copy of %s is not the volume at the commit instant: %s", name, d)
		}
	}
	_, _ = p.DeleteSnapshots(ctx, set, provider.ObjectSnapshotSet)
}

// diffFS describes the first difference between want and got, or "".
func diffFS(want, got fs.FS) string {
	var diff string
	seen := map[string]bool{}
	_ = fs.WalkDir(want, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			diff = fmt.Sprintf("reading %s: %v", path, err)
			return fs.SkipAll
		}
		seen[path] = true
		if d.IsDir() {
			if st, err := fs.Stat(got, path); err != nil || !st.IsDir() {
				diff = fmt.Sprintf("directory %s is missing", path)
				return fs.SkipAll
			}
			return nil
		}
		w, _ := fs.ReadFile(want, path)
		g, err := fs.ReadFile(got, path)
		switch {
		case err != nil:
			diff = fmt.Sprintf("file %s is missing: %v", path, err)
		case !bytes.Equal(w, g):
			diff = fmt.Sprintf("file %s differs: %d bytes, want %d, first difference at byte %d", path, len(g), len(w), firstDiff(w, g))
		default:
			return nil
		}
		return fs.SkipAll
	})
	if diff != "" {
		return diff
	}
	_ = fs.WalkDir(got, ".", func(path string, _ fs.DirEntry, err error) error {
		if err == nil && !seen[path] {
			diff = fmt.Sprintf("%s is there, but was not on the volume at the commit instant", path)
			return fs.SkipAll
		}
		return nil
	})
	return diff
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func ruleOutOfOrder(pr *providerRun) {
	_, p, vols, ok := pr.machineWithVolumes()
	if !ok {
		return
	}
	set, _, ok := pr.begin(p, vols)
	if !ok {
		return
	}
	defer func() { _ = p.AbortSnapshots(context.Background(), set) }()
	// CommitSnapshots before EndPrepareSnapshots and PreCommitSnapshots.
	if err := p.CommitSnapshots(context.Background(), set); !errors.Is(err, vss.ErrBadState) {
		pr.breachAtErr("CommitSnapshots", err, "CommitSnapshots straight after BeginPrepareSnapshot returned %v, want VSS_E_BAD_STATE", err)
	}
	if err := p.EndPrepareSnapshots(context.Background(), pr.newID()); err == nil {
		pr.breachAt("EndPrepareSnapshots", "EndPrepareSnapshots of a set never begun succeeded")
	}
}

func ruleAbortReleases(pr *providerRun) {
	ctx := context.Background()
	for done := 0; done <= len(creation); done++ {
		env, p, vols, ok := pr.machineWithVolumes()
		if !ok {
			return
		}
		point := "after BeginPrepareSnapshot"
		if done > 0 {
			point = "after " + creation[done-1].name
		}
		// VSS creates one set at a time on a machine (Microsoft's "State
		// Transitions in Shadow Copy Providers"): the other set is one
		// created before.
		other, _, ok := pr.begin(p, vols[:1])
		if !ok || !pr.create(p, other, 1, len(creation), nil) {
			return
		}
		set, ids, ok := pr.begin(p, vols)
		if !ok || !pr.create(p, set, len(vols), done, nil) {
			return
		}
		mark := pr.count()
		if err := p.AbortSnapshots(ctx, set); err != nil {
			pr.breachAtErr("AbortSnapshots", err, "AbortSnapshots failed: %v", err)
		}
		if err := p.AbortSnapshots(ctx, set); err != nil {
			pr.breachAtErr("AbortSnapshots", err, "a second AbortSnapshots failed: %v", err)
		}
		if snaps, err := pr.snapshotsOf(p, set); err != nil || len(snaps) > 0 {
			pr.breachAtErr("AbortSnapshots", err, "after it, Query lists %d shadow copies of the aborted set (%v)", len(snaps), err)
		}
		for v, id := range ids {
			if _, err := p.GetSnapshotProperties(ctx, id); !errors.Is(err, vss.ErrObjectNotFound) {
				pr.breachAtErr("AbortSnapshots", err, "after it, GetSnapshotProperties of the shadow copy of %s returned %v, want VSS_E_OBJECT_NOT_FOUND", v, err)
			}
		}
		if snaps, err := pr.snapshotsOf(p, other); err != nil || len(snaps) != 1 {
			pr.breachAtErr("AbortSnapshots", err, "another set, created on %s before, lost its shadow copy (Query lists %d, %v)", vols[0], len(snaps), err)
		}
		_, _ = p.DeleteSnapshots(ctx, other, provider.ObjectSnapshotSet)
		if n := liveSnapshots(env); n > 0 {
			pr.breachAt("AbortSnapshots", "%d volume snapshot(s) are still held on the machine's volumes", n)
		}
		if err := p.AbortSnapshots(ctx, pr.newID()); err != nil {
			pr.breachAtErr("AbortSnapshots", err, "AbortSnapshots of an unknown set failed: %v", err)
		}
		pr.note(mark, point)
	}
}

// ruleAbortAbandoned abandons a set after BeginPrepareSnapshot, as a
// requestor that aborts or closes before DoSnapshotSet does: VSS "will
// only call AbortSnapshots after the requester has called DoSnapshotSet",
// and "the provider must be prepared to handle an out-of-sequence call to
// BeginPrepareSnapshot at any point", which starts a new set (Microsoft's
// "State Transitions in Shadow Copy Providers").
func ruleAbortAbandoned(pr *providerRun) {
	ctx := context.Background()
	env, p, vols, ok := pr.machineWithVolumes()
	if !ok {
		return
	}
	old, oldIDs, ok := pr.begin(p, vols)
	if !ok {
		return
	}
	mark := pr.count()
	set, snaps := pr.newID(), map[string]vss.ID{}
	for _, v := range vols {
		id := pr.newID()
		if err := p.BeginPrepareSnapshot(ctx, set, id, v, vss.ContextBackup); err != nil {
			pr.breachAtErr("BeginPrepareSnapshot", err, "BeginPrepareSnapshot of a new set on %s, after a set abandoned before DoSnapshotSet, failed: %v", v, err)
			pr.note(mark, "after an abandoned set")
			_ = p.AbortSnapshots(ctx, set)
			_ = p.AbortSnapshots(ctx, old)
			return
		}
		snaps[v] = id
	}
	if !pr.create(p, set, len(vols), len(creation), nil) {
		_ = p.AbortSnapshots(ctx, set)
		_ = p.AbortSnapshots(ctx, old)
		return
	}
	if got, err := pr.snapshotsOf(p, set); err != nil || len(got) != len(vols) {
		pr.breachAtErr("Query", err, "the new set has %d shadow copies, want %d (%v)", len(got), len(vols), err)
	}
	if left, err := pr.snapshotsOf(p, old); err != nil || len(left) > 0 {
		pr.breachAtErr("Query", err, "once a new set is created, Query still lists %d shadow copies of the set abandoned before DoSnapshotSet (%v)", len(left), err)
	}
	for v, id := range oldIDs {
		if _, err := p.GetSnapshotProperties(ctx, id); !errors.Is(err, vss.ErrObjectNotFound) {
			pr.breachAtErr("GetSnapshotProperties", err, "GetSnapshotProperties of the abandoned set's snapshot of %s returned %v, want VSS_E_OBJECT_NOT_FOUND", v, err)
		}
	}
	_, _ = p.DeleteSnapshots(ctx, set, provider.ObjectSnapshotSet)
	if n := liveSnapshots(env); n > 0 {
		pr.breachAt("DeleteSnapshots", "%d volume snapshot(s) are still held on the machine's volumes", n)
	}
	pr.note(mark, "after an abandoned set")
}

func ruleDelete(pr *providerRun) {
	ctx := context.Background()
	env, p, vols, ok := pr.machineWithVolumes()
	if !ok {
		return
	}
	var sets []vss.ID
	var ids []map[string]vss.ID
	for range 2 {
		set, m, ok := pr.begin(p, vols)
		if !ok || !pr.create(p, set, len(vols), len(creation), nil) {
			return
		}
		sets, ids = append(sets, set), append(ids, m)
	}
	one := ids[0][vols[0]]
	if n, err := p.DeleteSnapshots(ctx, one, provider.ObjectSnapshot); err != nil || n != 1 {
		pr.breachAtErr("DeleteSnapshots", err, "deleting one shadow copy returned %d, %v; want 1, nil", n, err)
	}
	if _, err := p.GetSnapshotProperties(ctx, one); !errors.Is(err, vss.ErrObjectNotFound) {
		pr.breachAtErr("DeleteSnapshots", err, "after deleting it, GetSnapshotProperties of the shadow copy returned %v, want VSS_E_OBJECT_NOT_FOUND", err)
	}
	if _, err := p.DeleteSnapshots(ctx, one, provider.ObjectSnapshot); !errors.Is(err, vss.ErrObjectNotFound) {
		pr.breachAtErr("DeleteSnapshots", err, "deleting the same shadow copy again returned %v, want VSS_E_OBJECT_NOT_FOUND", err)
	}
	if len(vols) > 1 {
		if n, err := p.DeleteSnapshots(ctx, sets[0], provider.ObjectSnapshotSet); err != nil || n != len(vols)-1 {
			pr.breachAtErr("DeleteSnapshots", err, "deleting the rest of the set returned %d, %v; want %d, nil", n, err, len(vols)-1)
		}
	} else if _, err := p.DeleteSnapshots(ctx, sets[0], provider.ObjectSnapshotSet); !errors.Is(err, vss.ErrObjectNotFound) {
		pr.breachAtErr("DeleteSnapshots", err, "deleting a set whose only shadow copy was deleted returned %v, want VSS_E_OBJECT_NOT_FOUND", err)
	}
	if snaps, err := pr.snapshotsOf(p, sets[1]); err != nil || len(snaps) != len(vols) {
		pr.breachAtErr("DeleteSnapshots", err, "the other set has %d shadow copies after deleting the first set, want %d (%v)", len(snaps), len(vols), err)
	}
	if n, err := p.DeleteSnapshots(ctx, sets[1], provider.ObjectSnapshotSet); err != nil || n != len(vols) {
		pr.breachAtErr("DeleteSnapshots", err, "deleting the second set returned %d, %v; want %d, nil", n, err, len(vols))
	}
	if _, err := p.DeleteSnapshots(ctx, sets[1], provider.ObjectSnapshotSet); !errors.Is(err, vss.ErrObjectNotFound) {
		pr.breachAtErr("DeleteSnapshots", err, "deleting a set already deleted returned %v, want VSS_E_OBJECT_NOT_FOUND", err)
	}
	if all, err := p.Query(ctx); err != nil || len(all) != 0 {
		pr.breachAtErr("Query", err, "after deleting everything, Query lists %d shadow copies (%v)", len(all), err)
	}
	if n := liveSnapshots(env); n > 0 {
		pr.breachAt("DeleteSnapshots", "%d volume snapshot(s) are still held on the machine's volumes", n)
	}
}

func ruleProviderBackup(pr *providerRun) {
	ctx := context.Background()
	env, p, vols, ok := pr.machineWithVolumes()
	if !ok {
		return
	}
	s, _, err := simulate.NewSession(simulate.Config{Seed: pr.seed, Volumes: env.Volumes, Providers: []provider.Provider{p},
		Writers: []writer.Writer{simulate.NewScriptedWriter("Application", simulate.WithLevel(vss.AppFrontEnd))}})
	if err != nil {
		panic(fmt.Sprintf("the suite cannot build its session: %v", err))
	}
	pr.inSession(s)
	var read []string
	_, err = requestor.Backup(ctx, s, requestor.Plan{Volumes: vols, Copy: func(_ context.Context, src *requestor.CopySource) error {
		for _, sn := range src.Snapshots {
			if sn.FS != nil {
				if _, err := fs.ReadFile(sn.FS, "data/f0"); err != nil {
					return fmt.Errorf("reading data/f0 of the shadow copy of %s: %w", sn.Volume, err)
				}
			}
			read = append(read, sn.Volume)
		}
		return nil
	}})
	if err != nil {
		pr.breachAtErr("", err, "the backup failed: %v", err)
	}
	_ = s.Close()
	slices.Sort(read)
	if err == nil && len(read) != len(vols) {
		pr.breachAt("", "the backup copied shadow copies of %v, want %v", read, vols)
	}
	if all, err := p.Query(ctx); err != nil || len(all) != 0 {
		pr.breachAtErr("Query", err, "after the session closed, the provider still lists %d shadow copies (%v): the non-persistent set was not released", len(all), err)
	}
	if n := liveSnapshots(env); n > 0 {
		pr.breachAt("", "after the session closed, %d volume snapshot(s) are still held", n)
	}
}
