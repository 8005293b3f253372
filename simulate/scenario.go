package simulate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"sync"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// WriterSpec describes one scripted writer of a Scenario.
type WriterSpec struct {
	Name          string
	Level         vss.AppLevel
	FreezeTimeout time.Duration                      // zero: 60 s
	Costs         map[writer.EventKind]time.Duration // virtual time per event
}

// Scenario is a simulated machine and a backup to run on it: volumes,
// writers, providers and the requestor's plan. Run runs it from a seed with
// a fault plan and checks every invariant of the protocol afterwards.
type Scenario struct {
	// Name identifies the scenario in reports.
	Name string
	// Volumes are created with a few files each and all backed up.
	Volumes []string
	// HardwareVolumes are also supported by a hardware provider, which VSS
	// prefers for them over the system provider.
	HardwareVolumes []string
	// Writers are scripted writers (see WriterSpec).
	Writers []WriterSpec
	// Jitter delays every answer by a seeded amount up to this much.
	Jitter time.Duration

	// Deliberate breakage, for the tests that prove the checker is not
	// vacuous: a runtime or provider that breaks the protocol.
	breakRuntime  func(coordinator.Runtime) coordinator.Runtime
	breakWriter   func(writer.Writer) writer.Writer
	breakProvider func(provider.Provider, *VolumeSet) provider.Provider
	source        Source // replaces the seed, for fuzzing
}

// ThreeWriterScenario is the reference scenario: two volumes, three
// writers (front end, back end, system) that take a little virtual time at
// the freeze, the system provider for both volumes and a hardware provider
// for one.
func ThreeWriterScenario() *Scenario {
	costs := func(freeze time.Duration) map[writer.EventKind]time.Duration {
		return map[writer.EventKind]time.Duration{writer.EventPrepareSnapshot: 100 * time.Millisecond,
			writer.EventFreeze: freeze, writer.EventThaw: 50 * time.Millisecond}
	}
	return &Scenario{
		Name:            "three writers, two volumes",
		Volumes:         []string{`C:\`, `D:\`},
		HardwareVolumes: []string{`D:\`},
		Writers: []WriterSpec{
			{Name: "Front", Level: vss.AppFrontEnd, Costs: costs(200 * time.Millisecond)},
			{Name: "Back", Level: vss.AppBackEnd, FreezeTimeout: 30 * time.Second, Costs: costs(500 * time.Millisecond)},
			{Name: "System", Level: vss.AppSystem, Costs: costs(100 * time.Millisecond)},
		},
		Jitter: 20 * time.Millisecond,
	}
}

// Run is the outcome of one run of a Scenario.
type Run struct {
	Scenario string
	Seed     uint64
	Plan     Plan
	// Err is what requestor.Backup returned.
	Err error
	// Trace is the session's trace.
	Trace []coordinator.Record
	// Fired lists the faults of the plan that fired.
	Fired []Fault
	// Violations lists every invariant the run broke; empty is a pass.
	Violations []Violation
	// Facts are the things that happened that a sweep wants to see at least
	// sometimes ("writer timed out", "commit failed", ...).
	Facts []string
}

// TraceHash is a digest of the trace text: two runs with the same hash
// happened the same way.
func (r *Run) TraceHash() string {
	h := sha256.New()
	for _, rec := range r.Trace {
		fmt.Fprintln(h, rec.String())
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// ReplayLine is a Go statement that reproduces the run in a test.
func (r *Run) ReplayLine() string {
	return fmt.Sprintf("simulate.Replay(t, scenario, %d, %q)", r.Seed, r.Plan.String())
}

// world is the machine of one run.
type runWorld struct {
	sc       *Scenario
	vols     *VolumeSet
	writers  []*Writer
	infos    map[string]writer.Info // by writer name
	provs    []provider.Provider    // as the coordinator sees them
	recorder *recorder
	in       *injector
}

// Run runs the scenario from seed with the faults of plan, and checks the
// invariants (see Violation) after it.
func (sc *Scenario) Run(seed uint64, plan Plan) *Run {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := &injector{plan: plan, cancel: cancel}
	w := sc.build(in)
	var ws []writer.Writer
	for _, wr := range w.writers {
		var x writer.Writer = wr
		if sc.breakWriter != nil {
			x = sc.breakWriter(x)
		}
		ws = append(ws, InjectWriterWith(x, in))
	}
	run := &Run{Scenario: sc.Name, Seed: seed, Plan: plan}
	loop := NewLoop(seed)
	if sc.source != nil {
		loop = NewLoopFrom(sc.source)
	}
	loop.SetJitter(sc.Jitter)
	var rt coordinator.Runtime = loop
	if sc.breakRuntime != nil {
		rt = sc.breakRuntime(loop)
	}
	s, err := coordinator.New(coordinator.Config{Writers: ws, Providers: w.provs, Volumes: w.vols, Runtime: rt, IDs: idStream(loop.Rand())})
	if err != nil {
		run.Err = err
		run.Violations = append(run.Violations, Violation{Rule: "setup", Detail: err.Error()})
		return run
	}
	c := newChecker(w, run)
	req := &faultyRequestor{Requestor: s, in: in}
	_, run.Err = requestor.Backup(ctx, req, requestor.Plan{Volumes: sc.Volumes, Copy: c.checkSnapshots})
	c.afterBackup(s)
	closeErr := s.Close()
	run.Trace = s.Trace()
	run.Fired = in.Fired()
	c.afterClose(closeErr)
	run.Facts = facts(run)
	return run
}

// InjectWriterWith is InjectWriter with a shared injector.
func InjectWriterWith(w writer.Writer, in *injector) writer.Writer {
	return &faultyWriter{inner: w, in: in, actor: WriterActor(w.Info().Name)}
}

// build makes the machine: volumes with data, writers, providers.
func (sc *Scenario) build(in *injector) *runWorld {
	w := &runWorld{sc: sc, vols: NewVolumeSet(), infos: map[string]writer.Info{}, in: in}
	for i, name := range sc.Volumes {
		v := NewVolume(name)
		_ = v.MkdirAll("data")
		_ = v.WriteFile("data/records.db", fmt.Appendf(nil, "volume %d records", i))
		_ = v.WriteFile("readme.txt", []byte(name))
		_ = w.vols.Add(v)
	}
	for _, spec := range sc.Writers {
		opts := []WriterOption{WithLevel(spec.Level)}
		if spec.FreezeTimeout > 0 {
			opts = append(opts, WithFreezeTimeout(spec.FreezeTimeout))
		}
		kinds := make([]writer.EventKind, 0, len(spec.Costs))
		for k := range spec.Costs {
			kinds = append(kinds, k)
		}
		sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
		for _, k := range kinds {
			opts = append(opts, On(k, Behavior{Cost: spec.Costs[k]}))
		}
		wr := NewWriter(spec.Name, opts...)
		w.writers = append(w.writers, wr)
		w.infos[spec.Name] = wr.Info()
	}
	w.recorder = &recorder{vols: w.vols, taken: map[vss.ID]map[string]string{}, volumeOf: map[vss.ID]string{}}
	provs := []provider.Provider{NewSoftwareProvider(w.vols)}
	if len(sc.HardwareVolumes) > 0 {
		provs = append(provs, NewHardwareProvider(w.vols, WithSupportedVolumes(sc.HardwareVolumes...)))
	}
	for _, p := range provs {
		actor := ProviderActor(p.Info().Name)
		if sc.breakProvider != nil {
			p = sc.breakProvider(p, w.vols)
		}
		w.provs = append(w.provs, &ScriptedProvider{Provider: w.recorder.wrap(p), in: in, actor: actor})
	}
	return w
}

// recorder keeps, for every snapshot, the contents of its volume at the
// instant the provider committed it: the checker's model of what the
// shadow copy must hold.
type recorder struct {
	vols *VolumeSet
	mu   sync.Mutex
	// volumeOf maps snapshot IDs to volumes; sets maps set IDs to snapshots.
	volumeOf map[vss.ID]string
	sets     map[vss.ID][]vss.ID
	taken    map[vss.ID]map[string]string // snapshot -> path -> contents
}

func (r *recorder) wrap(p provider.Provider) provider.Provider {
	return &recordingProvider{Provider: p, r: r}
}

// contents reads every file of fsys.
func contents(fsys fs.FS) (map[string]string, error) {
	m := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		m[p] = string(b)
		return err
	})
	return m, err
}

type recordingProvider struct {
	provider.Provider
	r *recorder
}

func (p *recordingProvider) BeginPrepareSnapshot(ctx context.Context, set, snap vss.ID, v string, sc vss.SnapshotContext) error {
	err := p.Provider.BeginPrepareSnapshot(ctx, set, snap, v, sc)
	if err == nil {
		p.r.mu.Lock()
		if p.r.sets == nil {
			p.r.sets = map[vss.ID][]vss.ID{}
		}
		p.r.volumeOf[snap] = v
		p.r.sets[set] = append(p.r.sets[set], snap)
		p.r.mu.Unlock()
	}
	return err
}

func (p *recordingProvider) CommitSnapshots(ctx context.Context, set vss.ID) error {
	p.r.mu.Lock()
	for _, snap := range p.r.sets[set] {
		if v, ok := p.r.vols.Get(p.r.volumeOf[snap]); ok {
			if m, err := contents(v.FS()); err == nil {
				p.r.taken[snap] = m
			}
		}
	}
	p.r.mu.Unlock()
	return p.Provider.CommitSnapshots(ctx, set)
}

func (p *recordingProvider) SnapshotFS(ctx context.Context, id vss.ID) (fs.FS, error) {
	if o, ok := p.Provider.(provider.FSOpener); ok {
		return o.SnapshotFS(ctx, id)
	}
	return nil, vss.Errorf(vss.ErrNotSupported, "SnapshotFS", "not supported")
}

// faultyRequestor gives up the backup where the plan says: after the named
// call it calls AbortBackup and fails.
type faultyRequestor struct {
	requestor.Requestor
	in *injector
}

// errGaveUp is what a requestor that aborts by plan returns.
var errGaveUp = errors.New("the requestor gave up the backup (injected fault)")

func (r *faultyRequestor) after(call string, err error) error {
	if err != nil {
		return err
	}
	for _, f := range r.in.plan.at(RequestorActor, call) {
		if f.Kind == FaultAbort {
			r.in.mu.Lock()
			r.in.fired = append(r.in.fired, f)
			r.in.mu.Unlock()
			_ = r.Requestor.AbortBackup(context.Background())
			return fmt.Errorf("after %s: %w", call, errGaveUp)
		}
	}
	return nil
}

func (r *faultyRequestor) InitializeForBackup(ctx context.Context, bcd string) error {
	return r.after("InitializeForBackup", r.Requestor.InitializeForBackup(ctx, bcd))
}
func (r *faultyRequestor) GatherWriterMetadata(ctx context.Context) error {
	return r.after("GatherWriterMetadata", r.Requestor.GatherWriterMetadata(ctx))
}
func (r *faultyRequestor) StartSnapshotSet(ctx context.Context) (vss.ID, error) {
	id, err := r.Requestor.StartSnapshotSet(ctx)
	return id, r.after("StartSnapshotSet", err)
}
func (r *faultyRequestor) AddToSnapshotSet(ctx context.Context, v string, p vss.ID) (vss.ID, error) {
	id, err := r.Requestor.AddToSnapshotSet(ctx, v, p)
	return id, r.after("AddToSnapshotSet", err)
}
func (r *faultyRequestor) PrepareForBackup(ctx context.Context) error {
	return r.after("PrepareForBackup", r.Requestor.PrepareForBackup(ctx))
}
func (r *faultyRequestor) DoSnapshotSet(ctx context.Context) error {
	return r.after("DoSnapshotSet", r.Requestor.DoSnapshotSet(ctx))
}
func (r *faultyRequestor) BackupComplete(ctx context.Context) error {
	return r.after("BackupComplete", r.Requestor.BackupComplete(ctx))
}

// RequestorSites are the requestor calls after which a plan may abort.
var RequestorSites = []string{"InitializeForBackup", "GatherWriterMetadata", "StartSnapshotSet", "AddToSnapshotSet",
	"PrepareForBackup", "DoSnapshotSet", "BackupComplete"}
