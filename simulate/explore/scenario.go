package explore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
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
	Config simulate.AppConfig
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
	// Components, when not empty, makes the backup a component-mode one
	// that selects a component ("data") of each writer named here: the
	// other writers take no part in it after Identify.
	Components []string
	// HardwareCommitCost is how long the hardware provider's commit takes
	// (zero: DefaultHardwareCommitCost). Over the 10 s flush-and-hold
	// window it is a fault of the machine: every commit the provider makes
	// exceeds the window, and the checker expects backups to fail.
	HardwareCommitCost time.Duration

	// Deliberate breakage, for the tests that prove the checker is not
	// vacuous: a runtime or provider that breaks the protocol.
	breakRuntime  func(coordinator.Runtime) coordinator.Runtime
	breakWriter   func(writer.Writer) writer.Writer
	breakProvider func(provider.Provider, *simulate.VolumeSet) provider.Provider
	appBug        simulate.AppBug
	source        simulate.Source // replaces the seed, for fuzzing
}

// Participants returns the actors of the scenario, as fault plans and
// traces name them: its writers, its providers (the system provider, and
// the hardware provider when HardwareVolumes is set) and the requestor.
func (sc *Scenario) Participants() []coordinator.Actor {
	var out []coordinator.Actor
	for _, w := range sc.Writers {
		out = append(out, simulate.WriterActor(w.Name))
	}
	out = append(out, simulate.ProviderActor(simulate.SystemProviderName))
	if len(sc.HardwareVolumes) > 0 {
		out = append(out, simulate.ProviderActor(simulate.HardwareProviderName))
	}
	return append(out, simulate.RequestorActor())
}

// CheckPlan returns an error naming every fault of plan whose actor is
// not a participant of the scenario, with the participants it has: such a
// fault could never fire.
func (sc *Scenario) CheckPlan(plan simulate.Plan) error {
	have := sc.Participants()
	var errs []error
	for _, f := range plan {
		if !slices.ContainsFunc(have, func(a coordinator.Actor) bool { return a.Kind == f.Actor.Kind && a.Name == f.Actor.Name }) {
			names := make([]string, len(have))
			for i, a := range have {
				names[i] = a.String()
			}
			errs = append(errs, fmt.Errorf("explore: fault %q names %v, which scenario %q does not have; its participants are %s",
				f, f.Actor, sc.Name, strings.Join(names, ", ")))
		}
	}
	return errors.Join(errs...)
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
			{Volume: `C:\`, Writer: "Front", Config: simulate.AppConfig{Dir: "orders", Requests: 10, Interval: 500 * time.Millisecond}},
			{Volume: `D:\`, Config: simulate.AppConfig{Dir: "logs", Requests: 10, Interval: 500 * time.Millisecond}},
		},
	}
}

// ComponentScenario is ThreeWriterScenario backed up in component mode,
// with a component of the back-end writer alone selected: the front-end
// and system writers are left out after Identify (Microsoft's "Working
// with Selectability and Logical Paths"), so the front end's transactional
// application is not frozen at the commit.
func ComponentScenario() *Scenario {
	sc := ThreeWriterScenario()
	sc.Name = "three writers, two volumes, component mode"
	sc.Components = []string{"Back"}
	return sc
}

// Run is the outcome of one run of a Scenario.
type Run struct {
	Scenario string
	Seed     uint64
	Plan     simulate.Plan
	// Err is what requestor.Backup returned.
	Err error
	// Trace is the session's trace. Draw it to see a failing run:
	// diagram.Mermaid(run.Trace) is its sequence diagram and
	// diagram.SVG(run.Trace) its timeline (package coordinator/diagram).
	Trace []coordinator.Record
	// Fired lists the faults of the plan that fired.
	Fired []simulate.Fault
	// Unfired lists the faults of the plan that never fired: their site
	// was never reached in this run.
	Unfired []simulate.Fault
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
	return fmt.Sprintf("explore.Replay(t, scenario, %d, %q)", r.Seed, r.Plan.String())
}

// world is the machine of one run.
type runWorld struct {
	sc       *Scenario
	vols     *simulate.VolumeSet
	writers  []*simulate.ScriptedWriter
	fronts   []writer.Writer // writers as the coordinator sees them, before faults
	apps     []*runApp
	infos    map[string]writer.Info // by writer name
	provs    []provider.Provider    // as the coordinator sees them
	recorder *commitRecorder
	in       *simulate.Injector
}

// Run runs the scenario from seed with the faults of plan, and checks the
// invariants (see Violation) after it.
func (sc *Scenario) Run(seed uint64, plan simulate.Plan) *Run {
	if err := sc.CheckPlan(plan); err != nil {
		return &Run{Scenario: sc.Name, Seed: seed, Plan: plan, Err: err, Unfired: plan,
			Violations: []Violation{{Rule: "plan", Detail: err.Error()}}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := simulate.NewInjector(plan, cancel)
	loop := simulate.NewLoop(seed)
	if sc.source != nil {
		loop = simulate.NewLoopFrom(sc.source)
	}
	loop.SetJitter(sc.Jitter)
	w := sc.build(in, loop)
	var ws []writer.Writer
	for _, x := range w.fronts {
		if sc.breakWriter != nil {
			x = sc.breakWriter(x)
		}
		ws = append(ws, in.Writer(x))
	}
	run := &Run{Scenario: sc.Name, Seed: seed, Plan: plan}
	var rt coordinator.Runtime = loop
	if sc.breakRuntime != nil {
		rt = sc.breakRuntime(loop)
	}
	s, err := coordinator.New(coordinator.Config{Writers: ws, Providers: w.provs, Volumes: w.vols, Runtime: rt, IDs: loop.IDs()})
	if err != nil {
		run.Err = err
		run.Violations = append(run.Violations, Violation{Rule: "setup", Detail: err.Error()})
		return run
	}
	for _, a := range w.apps {
		a.app.Start(loop)
	}
	c := newChecker(w, run)
	req := in.Requestor(s)
	// Every writer is required, so that a writer's failure fails the
	// backup and the harness reaches the abort paths.
	var required []vss.ID
	for _, x := range w.fronts {
		required = append(required, x.Info().ClassID)
	}
	bp := requestor.Plan{Volumes: sc.Volumes, Copy: c.checkSnapshots, RequireWriters: required}
	for _, name := range sc.Components {
		info := w.infos[name]
		bp.Components = append(bp.Components, requestor.ComponentSelection{WriterInstance: info.InstanceID,
			WriterClass: info.ClassID, Component: writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "data"}})
	}
	_, run.Err = requestor.Backup(ctx, req, bp)
	c.afterBackup(s)
	closeErr := s.Close()
	run.Trace = s.Trace()
	run.Fired, run.Unfired = in.Fired(), in.Unfired()
	c.afterClose(closeErr)
	run.Facts = append(facts(run), c.facts...)
	w.recycle()
	return run
}

// recycle hands the run's volume blocks and read buffers to the next run:
// the run is checked, and nothing of its world is read again.
func (w *runWorld) recycle() {
	for _, a := range w.apps {
		a.app.Discard()
	}
	for _, name := range w.vols.Names() {
		if v, ok := w.vols.Get(name); ok {
			v.Discard()
		}
	}
}

// app is what the checker needs of a simulated application, aware or not.
type app interface {
	Start(*simulate.Loop)
	Volume() *simulate.Volume
	Cut() simulate.AppCut
	AuditSnapshot(fs.FS, simulate.AppCut) (simulate.SnapshotAudit, error)
	AppliedWrites() []simulate.AppliedWrite
	Files() []string
	Stats() simulate.AppStats
	Settle()
	CheckLive(fs.FS) error
	Pending() int
	Discard()
}

// runApp is one application of a run and the writer that fronts it.
type runApp struct {
	spec  AppSpec
	app   app
	aware *simulate.TransactionalApp // nil for an unaware application
}

// owns reports whether the file at p, on the application's volume, is one
// of the application's: the checker models those by the application's
// writes rather than by copying them at the commit.
func (a *runApp) owns(p string) bool {
	for _, f := range a.app.Files() {
		if p == f {
			return true
		}
	}
	return false
}

// build makes the machine: volumes with data, applications, writers,
// providers, all on the loop's virtual clock.
func (sc *Scenario) build(in *simulate.Injector, loop *simulate.Loop) *runWorld {
	w := &runWorld{sc: sc, vols: simulate.NewVolumeSet(), infos: map[string]writer.Info{}, in: in}
	for i, name := range sc.Volumes {
		v := simulate.NewVolume(name, simulate.WithVolumeClock(loop.Now))
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
			cfg := spec.Config
			if sc.appBug != simulate.AppCorrect {
				cfg.Bug = sc.appBug
			}
			a.aware = simulate.NewTransactionalApp(v, cfg)
			a.app = a.aware
		} else {
			a.app = simulate.NewUnawareApp(v, spec.Config)
		}
		w.apps = append(w.apps, a)
	}
	for _, spec := range sc.Writers {
		opts := []simulate.WriterOption{simulate.WithLevel(spec.Level)}
		if spec.FreezeTimeout > 0 {
			opts = append(opts, simulate.WithFreezeTimeout(spec.FreezeTimeout))
		}
		kinds := make([]writer.EventKind, 0, len(spec.Costs))
		for k := range spec.Costs {
			kinds = append(kinds, k)
		}
		sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
		for _, k := range kinds {
			opts = append(opts, simulate.On(k, simulate.Behavior{Cost: spec.Costs[k]}))
		}
		wr := simulate.NewScriptedWriter(spec.Name, opts...)
		w.writers = append(w.writers, wr)
		w.infos[spec.Name] = wr.Info()
		var front writer.Writer = wr
		for _, a := range w.apps {
			if a.aware != nil && a.spec.Writer == spec.Name {
				front = simulate.NewAppWriter(a.aware, wr)
			}
		}
		w.fronts = append(w.fronts, front)
	}
	w.recorder = &commitRecorder{vols: w.vols, apps: w.apps, taken: map[vss.ID]map[string]string{}, volumeOf: map[vss.ID]string{},
		cuts: map[vss.ID][]appCut{}}
	clock := simulate.WithProviderClock(loop.Now)
	provs := []provider.Provider{simulate.NewSystemProvider(w.vols, clock)}
	if len(sc.HardwareVolumes) > 0 {
		opts := []simulate.ProviderOption{clock, simulate.WithSupportedVolumes(sc.HardwareVolumes...)}
		if sc.HardwareCommitCost > 0 {
			opts = append(opts, simulate.WithCommitCost(sc.HardwareCommitCost))
		}
		provs = append(provs, simulate.NewHardwareProvider(w.vols, opts...))
	}
	for _, p := range provs {
		if sc.breakProvider != nil {
			p = sc.breakProvider(p, w.vols)
		}
		w.provs = append(w.provs, in.Provider(w.recorder.wrap(p)))
	}
	return w
}

// commitRecorder keeps, for every snapshot, the contents of its volume at the
// instant the provider committed it: the checker's model of what the
// shadow copy must hold.
type commitRecorder struct {
	vols *simulate.VolumeSet
	apps []*runApp
	mu   sync.Mutex
	// volumeOf maps snapshot IDs to volumes; sets maps set IDs to snapshots.
	volumeOf map[vss.ID]string
	sets     map[vss.ID][]vss.ID
	taken    map[vss.ID]map[string]string // snapshot -> path -> contents
	cuts     map[vss.ID][]appCut          // snapshot -> its volume's applications
}

// appCut is an application as it was at the commit instant of a shadow
// copy of its volume.
type appCut struct {
	app *runApp
	simulate.AppCut
}

// wrap returns p recording its snapshots' volumes and, at CommitSnapshots,
// their contents and applications' progress.
func (r *commitRecorder) wrap(p provider.Provider) provider.Provider {
	return provider.Intercept(p, func(ctx context.Context, c provider.Call, next func(context.Context) error) error {
		switch c.Method {
		case provider.MethodBeginPrepareSnapshot:
			err := next(ctx)
			if err == nil {
				r.prepared(c.SetID, c.SnapshotID, c.Volume)
			}
			return err
		case provider.MethodCommitSnapshots:
			r.committing(c.SetID)
		}
		return next(ctx)
	})
}

func (r *commitRecorder) prepared(set, snap vss.ID, volume string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sets == nil {
		r.sets = map[vss.ID][]vss.ID{}
	}
	r.volumeOf[snap] = volume
	r.sets[set] = append(r.sets[set], snap)
}

func (r *commitRecorder) committing(set vss.ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, snap := range r.sets[set] {
		if v, ok := r.vols.Get(r.volumeOf[snap]); ok {
			if m, err := contents(v.FS(), r.appFile(v)); err == nil {
				r.taken[snap] = m
			}
			r.cuts[snap] = nil
			for _, a := range r.apps {
				if a.app.Volume() == v {
					r.cuts[snap] = append(r.cuts[snap], appCut{app: a, AppCut: a.app.Cut()})
				}
			}
		}
	}
}

// appFile returns whether a file of volume v belongs to an application
// (nil when none writes to v).
func (r *commitRecorder) appFile(v *simulate.Volume) func(string) bool {
	var mine []*runApp
	for _, a := range r.apps {
		if a.app.Volume() == v {
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
