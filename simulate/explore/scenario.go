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

// AppSpec describes one application of a Scenario that writes to its
// volume while the backup runs.
type AppSpec struct {
	// Volume is the volume the application writes to.
	Volume string
	// Writer names the scenario writer that fronts the application: it is
	// then a VSS-aware TransactionalApp that this writer freezes and
	// thaws. Empty means an UnawareApp, which no writer quiesces.
	Writer string
	// Config tunes the application's workload.
	Config AppConfig
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
	// Apps write to the volumes while the backup runs (see AppSpec).
	Apps []AppSpec
	// HardwareCommitCost is how long the hardware provider's commit takes
	// (zero: DefaultHardwareCommitCost). Over the 10 s flush-and-hold
	// window it is a fault of the machine: every commit the provider makes
	// exceeds the window, and the checker expects backups to fail.
	HardwareCommitCost time.Duration

	// Deliberate breakage, for the tests that prove the checker is not
	// vacuous: a runtime or provider that breaks the protocol.
	breakRuntime  func(coordinator.Runtime) coordinator.Runtime
	breakWriter   func(writer.Writer) writer.Writer
	breakProvider func(provider.Provider, *VolumeSet) provider.Provider
	breakApp      func(*TransactionalApp)
	source        Source // replaces the seed, for fuzzing
}

// ThreeWriterScenario is the reference scenario: two volumes, three
// writers (front end, back end, system) that take a little virtual time at
// the freeze, the system provider for both volumes and a hardware provider
// for one (whose 2 s commit keeps the hold long). Two applications write
// all along: a transactional one on C:\ fronted by the front-end writer,
// and one that is not VSS-aware on D:\.
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
		Apps: []AppSpec{
			{Volume: `C:\`, Writer: "Front", Config: AppConfig{Dir: "orders", Requests: 10, Interval: 500 * time.Millisecond}},
			{Volume: `D:\`, Config: AppConfig{Dir: "logs", Requests: 10, Interval: 500 * time.Millisecond}},
		},
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
	fronts   []writer.Writer // writers as the coordinator sees them, before faults
	apps     []*runApp
	infos    map[string]writer.Info // by writer name
	provs    []provider.Provider    // as the coordinator sees them
	recorder *commitRecorder
	in       *injector
}

// Run runs the scenario from seed with the faults of plan, and checks the
// invariants (see Violation) after it.
func (sc *Scenario) Run(seed uint64, plan Plan) *Run {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := &injector{plan: plan, cancel: cancel}
	loop := NewLoop(seed)
	if sc.source != nil {
		loop = NewLoopFrom(sc.source)
	}
	loop.SetJitter(sc.Jitter)
	w := sc.build(in, loop)
	var ws []writer.Writer
	for _, x := range w.fronts {
		if sc.breakWriter != nil {
			x = sc.breakWriter(x)
		}
		ws = append(ws, InjectWriterWith(x, in))
	}
	run := &Run{Scenario: sc.Name, Seed: seed, Plan: plan}
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
	for _, a := range w.apps {
		a.eng.Start(loop)
	}
	c := newChecker(w, run)
	req := &faultyRequestor{Requestor: s, in: in}
	_, run.Err = requestor.Backup(ctx, req, requestor.Plan{Volumes: sc.Volumes, Copy: c.checkSnapshots})
	c.afterBackup(s)
	closeErr := s.Close()
	run.Trace = s.Trace()
	run.Fired = in.Fired()
	c.afterClose(closeErr)
	run.Facts = append(facts(run), c.facts...)
	w.recycle()
	return run
}

// recycle hands the run's volume blocks and read buffers to the next run:
// the run is checked, and nothing of its world is read again.
func (w *runWorld) recycle() {
	for _, a := range w.apps {
		a.eng.releaseBuffers()
	}
	for _, name := range w.vols.Names() {
		if v, ok := w.vols.Get(name); ok {
			v.recycle()
		}
	}
}

// InjectWriterWith is InjectWriter with a shared injector.
func InjectWriterWith(w writer.Writer, in *injector) writer.Writer {
	return hooked{&faultyWriter{inner: w, in: in, actor: WriterActor(w.Info().Name)}}
}

// runApp is one application of a run and the writer that fronts it.
type runApp struct {
	spec    AppSpec
	eng     *appEngine
	aware   *TransactionalApp // nil for an unaware application
	unaware *UnawareApp
}

// checkSnapshot is the application's own consistency check, on its files
// as read from a shadow copy.
func (a *runApp) checkSnapshot(data, clog []byte) error {
	if a.aware != nil {
		return a.aware.checkSnapshotData(data, clog)
	}
	return a.unaware.checkSnapshotData(data, clog)
}

// owns reports whether the file at p, on the application's volume, is one
// of the application's: the checker models those by the application's
// writes rather than by copying them at the commit.
func (a *runApp) owns(p string) bool {
	return p == a.eng.data || p == a.eng.clog
}

// build makes the machine: volumes with data, applications, writers,
// providers, all on the loop's virtual clock.
func (sc *Scenario) build(in *injector, loop *Loop) *runWorld {
	w := &runWorld{sc: sc, vols: NewVolumeSet(), infos: map[string]writer.Info{}, in: in}
	for i, name := range sc.Volumes {
		v := NewVolume(name, WithVolumeClock(loop.Now))
		_ = v.MkdirAll("data")
		_ = v.WriteFile("data/records.db", fmt.Appendf(nil, "volume %d records", i))
		_ = v.WriteFile("readme.txt", []byte(name))
		_ = w.vols.Add(v)
	}
	for _, spec := range sc.Apps {
		v, ok := w.vols.Get(spec.Volume)
		if !ok {
			continue
		}
		a := &runApp{spec: spec}
		if spec.Writer != "" {
			a.aware = NewTransactionalApp(v, spec.Config)
			a.eng = a.aware.appEngine
			if sc.breakApp != nil {
				sc.breakApp(a.aware)
			}
		} else {
			a.unaware = NewUnawareApp(v, spec.Config)
			a.eng = a.unaware.appEngine
		}
		w.apps = append(w.apps, a)
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
		var front writer.Writer = wr
		for _, a := range w.apps {
			if a.aware != nil && a.spec.Writer == spec.Name {
				front = NewAppWriter(a.aware, wr)
			}
		}
		w.fronts = append(w.fronts, front)
	}
	w.recorder = &commitRecorder{vols: w.vols, apps: w.apps, taken: map[vss.ID]map[string]string{}, volumeOf: map[vss.ID]string{},
		cuts: map[vss.ID][]appCut{}}
	clock := WithProviderClock(loop.Now)
	provs := []provider.Provider{NewSoftwareProvider(w.vols, clock)}
	if len(sc.HardwareVolumes) > 0 {
		opts := []ProviderOption{clock, WithSupportedVolumes(sc.HardwareVolumes...)}
		if sc.HardwareCommitCost > 0 {
			opts = append(opts, WithCommitCost(sc.HardwareCommitCost))
		}
		provs = append(provs, NewHardwareProvider(w.vols, opts...))
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

// commitRecorder keeps, for every snapshot, the contents of its volume at the
// instant the provider committed it: the checker's model of what the
// shadow copy must hold.
type commitRecorder struct {
	vols *VolumeSet
	apps []*runApp
	mu   sync.Mutex
	// volumeOf maps snapshot IDs to volumes; sets maps set IDs to snapshots.
	volumeOf map[vss.ID]string
	sets     map[vss.ID][]vss.ID
	taken    map[vss.ID]map[string]string // snapshot -> path -> contents
	cuts     map[vss.ID][]appCut          // snapshot -> its volume's applications
}

// appCut is an application as it was at the commit instant of a shadow
// copy of its volume: how many of its writes were applied, and whether it
// was frozen.
type appCut struct {
	app     *runApp
	applied int
	frozen  bool
}

func (r *commitRecorder) wrap(p provider.Provider) provider.Provider {
	return &recordingProvider{Provider: p, r: r}
}

// appFile returns whether a file of volume v belongs to an application
// (nil when none writes to v).
func (r *commitRecorder) appFile(v *Volume) func(string) bool {
	var mine []*runApp
	for _, a := range r.apps {
		if a.eng.vol == v {
			mine = append(mine, a)
		}
	}
	if mine == nil {
		return nil
	}
	return func(p string) bool {
		for _, a := range mine {
			if a.owns(p) {
				return true
			}
		}
		return false
	}
}

// contents reads every file of fsys except those skip names.
func contents(fsys fs.FS, skip func(string) bool) (map[string]string, error) {
	m := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (skip != nil && skip(p)) {
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
	r *commitRecorder
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
			if m, err := contents(v.FS(), p.r.appFile(v)); err == nil {
				p.r.taken[snap] = m
			}
			p.r.cuts[snap] = nil
			for _, a := range p.r.apps {
				if a.eng.vol == v {
					p.r.cuts[snap] = append(p.r.cuts[snap], appCut{app: a, applied: a.eng.applied, frozen: a.eng.frozen})
				}
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
