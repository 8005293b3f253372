package main

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// The simulated machine every scenario starts from: two volumes, two
// applications that write all along, and three writers, one at each
// application level.
//
//	C:\orders   an orders database (a transactional application) behind the
//	            back-end writer "Orders DB"
//	D:\weblog   a web shop's access log: behind the front-end writer
//	            "Web Log", or, in no-writer, an application no writer
//	            quiesces
//	            and "System Writer", at system level, with no data of its own
const (
	ordersWriter = "Orders DB"
	weblogWriter = "Web Log"
	systemWriter = "System Writer"
)

// app is one simulated application and what the narration needs of it.
type app struct {
	name   string // its directory on the volume, for example "orders"
	volume *simulate.Volume
	writer string // the writer that fronts it; empty when none does
	blocks int    // blocks a record spans
	aware  *simulate.TransactionalApp
	plain  *simulate.UnawareApp
}

// steps is how many writes one record takes: its blocks, and a commit
// record for a transactional application.
func (a *app) steps() int {
	if a.aware != nil {
		return a.blocks + 1
	}
	return a.blocks
}

func (a *app) applied() []simulate.AppliedWrite {
	if a.aware != nil {
		return a.aware.AppliedWrites()
	}
	return a.plain.AppliedWrites()
}

func (a *app) stats() simulate.AppStats {
	if a.aware != nil {
		return a.aware.Stats()
	}
	return a.plain.Stats()
}

func (a *app) check(fsys fs.FS) error {
	if a.aware != nil {
		return a.aware.CheckSnapshot(fsys)
	}
	return a.plain.CheckSnapshot(fsys)
}

func (a *app) start(loop *simulate.Loop) {
	if a.aware != nil {
		a.aware.Start(loop)
	} else {
		a.plain.Start(loop)
	}
}

// shadowCopy is what the narration knows of the shadow copy of one volume:
// what it held when the provider committed it, and what became of it.
type shadowCopy struct {
	id     vss.ID
	volume string
	// content is, per application on the volume, the writes it held: those
	// applied when the provider committed (writes were held, so nothing
	// changed during the commit).
	content map[*app][]simulate.AppliedWrite
	// verdict is each application's own check of the shadow copy.
	verdict map[*app]error
	// frozen says which applications their writer had frozen at the
	// commit.
	frozen map[*app]bool
	state  shadowState
	at     time.Duration // when it was taken
}

type shadowState int

const (
	shadowPreparing shadowState = iota // the provider prepared it
	shadowTaken                        // committed: it exists
	shadowDropped                      // the set failed: VSS had it dropped
	shadowDeleted                      // deleted after the backup
)

// world is the simulated machine of one run.
type world struct {
	loop      *simulate.Loop
	vols      *simulate.VolumeSet
	volumes   []*simulate.Volume
	apps      []*app
	writers   []writer.Writer
	providers []provider.Provider
	// shadows holds the shadow copies providers prepared, by ID, and
	// providerOf the provider of each (by name).
	shadows    map[vss.ID]*shadowCopy
	providerOf map[vss.ID]string
	sets       map[vss.ID][]vss.ID
}

// machine describes the variations of the machine a scenario makes.
type machine struct {
	// weblogUnaware leaves the web log without a writer.
	weblogUnaware bool
	// ordersVeto makes Orders DB fail PrepareBackup with this error.
	ordersVeto error
	// ordersFreeze is how long Orders DB takes to freeze, and
	// ordersWindow its freeze window (0: 60 s).
	ordersFreeze, ordersWindow time.Duration
	// hardwareCommit, when set, adds a hardware provider for D:\ whose
	// commit takes this long.
	hardwareCommit time.Duration
}

// components of Orders DB: two databases; a component-mode backup selects
// one.
var (
	ordersComponent    = writer.ComponentKey{Type: vss.ComponentDatabase, LogicalPath: "Shop", Name: "orders"}
	customersComponent = writer.ComponentKey{Type: vss.ComponentDatabase, LogicalPath: "Shop", Name: "customers"}
)

func declareOrders(_ context.Context, md *writer.Metadata) error {
	if err := md.SetRestoreMethod(writer.RestoreMethod{Method: vss.RestoreIfCanReplace, WriterRestore: vss.WriterRestoreAlways}); err != nil {
		return err
	}
	for _, c := range []struct {
		key   writer.ComponentKey
		files writer.FileSpec
		logs  writer.FileSpec
	}{
		{ordersComponent, writer.FileSpec{Path: `C:\orders`, Spec: "data.db"}, writer.FileSpec{Path: `C:\orders`, Spec: "commit.log"}},
		{customersComponent, writer.FileSpec{Path: `C:\customers`, Spec: "*.db"}, writer.FileSpec{Path: `C:\customers`, Spec: "*.log"}},
	} {
		if _, err := md.AddComponent(writer.ComponentInfo{Type: c.key.Type, LogicalPath: c.key.LogicalPath, Name: c.key.Name,
			Caption: "the " + c.key.Name + " database", Selectable: true}); err != nil {
			return err
		}
		if err := md.AddDatabaseFiles(c.key.LogicalPath, c.key.Name, c.files); err != nil {
			return err
		}
		if err := md.AddDatabaseLogFiles(c.key.LogicalPath, c.key.Name, c.logs); err != nil {
			return err
		}
	}
	return nil
}

func declareWeblog(_ context.Context, md *writer.Metadata) error {
	if _, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, Name: "weblog", Caption: "the web shop's access log", Selectable: true}); err != nil {
		return err
	}
	return md.AddFiles("", "weblog", writer.FileSpec{Path: `D:\weblog`, Spec: "*", Recursive: true})
}

// newWorld builds the machine on a loop seeded with seed.
func newWorld(m machine, seed uint64) *world {
	w := &world{loop: simulate.NewLoop(seed), vols: simulate.NewVolumeSet(), shadows: map[vss.ID]*shadowCopy{},
		providerOf: map[vss.ID]string{}, sets: map[vss.ID][]vss.ID{}}
	for _, name := range []string{`C:\`, `D:\`} {
		v := simulate.NewVolume(name, simulate.WithVolumeClock(w.loop.Now))
		_ = w.vols.Add(v)
		w.volumes = append(w.volumes, v)
	}
	c, d := w.volumes[0], w.volumes[1]
	orders := &app{name: "orders", volume: c, writer: ordersWriter, blocks: 2}
	orders.aware = simulate.NewTransactionalApp(c, simulate.AppConfig{Dir: "orders", Requests: 2000, Blocks: orders.blocks,
		Interval: 250 * time.Millisecond, WriteGap: 20 * time.Millisecond})
	weblog := &app{name: "weblog", volume: d, blocks: 3}
	cfg := simulate.AppConfig{Dir: "weblog", Requests: 2000, Blocks: weblog.blocks, Interval: 150 * time.Millisecond, WriteGap: 40 * time.Millisecond}
	if m.weblogUnaware {
		weblog.plain = simulate.NewUnawareApp(d, cfg)
	} else {
		weblog.writer = weblogWriter
		weblog.aware = simulate.NewTransactionalApp(d, cfg)
	}
	w.apps = []*app{orders, weblog}

	ordersOpts := []simulate.WriterOption{simulate.WithLevel(vss.AppBackEnd), simulate.WithIdentify(declareOrders),
		simulate.On(writer.EventIdentify, simulate.Behavior{Cost: 400 * time.Millisecond}),
		simulate.On(writer.EventPrepareBackup, simulate.Behavior{Cost: 600 * time.Millisecond}),
		simulate.On(writer.EventPrepareSnapshot, simulate.Behavior{Cost: 200 * time.Millisecond}),
		simulate.On(writer.EventFreeze, simulate.Behavior{Cost: 300*time.Millisecond + m.ordersFreeze}),
		simulate.On(writer.EventThaw, simulate.Behavior{Cost: 100 * time.Millisecond})}
	if m.ordersVeto != nil {
		ordersOpts = append(ordersOpts, simulate.On(writer.EventPrepareBackup, simulate.Behavior{Cost: 600 * time.Millisecond, Err: m.ordersVeto}))
	}
	if m.ordersWindow > 0 {
		ordersOpts = append(ordersOpts, simulate.WithFreezeTimeout(m.ordersWindow))
	}
	w.writers = append(w.writers, simulate.NewAppWriter(orders.aware, simulate.NewScriptedWriter(ordersWriter, ordersOpts...)))
	if weblog.aware != nil {
		w.writers = append(w.writers, simulate.NewAppWriter(weblog.aware, simulate.NewScriptedWriter(weblogWriter,
			simulate.WithLevel(vss.AppFrontEnd), simulate.WithUsage(vss.UsageUserData, vss.SourceNonTransactedDB),
			simulate.WithIdentify(declareWeblog),
			simulate.On(writer.EventIdentify, simulate.Behavior{Cost: 250 * time.Millisecond}),
			simulate.On(writer.EventPrepareBackup, simulate.Behavior{Cost: 200 * time.Millisecond}),
			simulate.On(writer.EventFreeze, simulate.Behavior{Cost: 150 * time.Millisecond}),
			simulate.On(writer.EventThaw, simulate.Behavior{Cost: 50 * time.Millisecond}))))
	}
	w.writers = append(w.writers, simulate.NewScriptedWriter(systemWriter, simulate.WithLevel(vss.AppSystem),
		simulate.WithUsage(vss.UsageBootableSystemState, vss.SourceOther),
		simulate.On(writer.EventFreeze, simulate.Behavior{Cost: 100 * time.Millisecond})))

	clock := simulate.WithProviderClock(w.loop.Now)
	w.providers = append(w.providers, w.watch(simulate.NewSystemProvider(w.vols, clock)))
	if m.hardwareCommit > 0 {
		w.providers = append(w.providers, w.watch(simulate.NewHardwareProvider(w.vols, clock,
			simulate.WithSupportedVolumes(`D:\`), simulate.WithCommitCost(m.hardwareCommit))))
	}
	return w
}

// session opens the coordinator session over the machine, calling
// onRecord with every trace record, and starts the applications.
func (w *world) session(onRecord func(coordinator.Record)) (*coordinator.Session, error) {
	s, err := coordinator.New(coordinator.Config{Writers: w.writers, Providers: w.providers, Volumes: w.vols,
		Runtime: w.loop, IDs: w.loop.IDs(), OnRecord: onRecord})
	if err != nil {
		return nil, err
	}
	for _, a := range w.apps {
		a.start(w.loop)
	}
	return s, nil
}

// busySession opens the coordinator session over the machine as session
// does, but as one of two requestors on the computer's VSS service
// (coordinator.Service): the other, on a lane of its own of the loop,
// starts a snapshot set at once and gives it up (AbortBackup) busy later.
// tell narrates what the other requestor does; it has no trace here.
func (w *world) busySession(onRecord func(coordinator.Record), busy time.Duration, tell func(format string, args ...any)) (*coordinator.Session, error) {
	svc, err := coordinator.NewService(coordinator.ServiceConfig{Writers: w.writers, Providers: w.providers, Volumes: w.vols})
	if err != nil {
		return nil, err
	}
	s, err := svc.NewSession(coordinator.Config{Runtime: w.loop, IDs: w.loop.IDs(), OnRecord: onRecord})
	if err != nil {
		return nil, err
	}
	other, err := svc.NewSession(coordinator.Config{Runtime: w.loop.Lane(), IDs: w.loop.IDs()})
	if err != nil {
		return nil, err
	}
	for _, a := range w.apps {
		a.start(w.loop)
	}
	ctx := context.Background()
	if err := other.InitializeForBackup(ctx, ""); err != nil {
		return nil, err
	}
	if err := other.GatherWriterMetadata(ctx); err != nil {
		return nil, err
	}
	set, err := other.StartSnapshotSet(ctx)
	if err != nil {
		return nil, err
	}
	tell("another backup tool on this computer has gathered the writers' metadata and started shadow copy set %v. "+
		"It will hold it %s, then give it up (AbortBackup).", set, dur(busy))
	w.loop.After(busy, func() {
		if err := other.AbortBackup(ctx); err != nil {
			tell("AbortBackup: %v", err)
		}
		tell("the other backup tool gives its set up (AbortBackup) and ends its session: no set is in creation on this computer any more.")
		if err := other.Close(); err != nil {
			tell("Close: %v", err)
		}
	})
	return s, nil
}

// watch puts the narration between VSS and a provider: it learns which
// shadow copy is of which volume, and, at the commit, what each one holds
// and whether each application finds its data in it consistent.
func (w *world) watch(p provider.Provider) provider.Provider {
	name := p.Info().Name
	return provider.Intercept(p, func(ctx context.Context, c provider.Call, next func(context.Context) error) error {
		switch c.Method {
		case provider.MethodBeginPrepareSnapshot:
			err := next(ctx)
			if err == nil {
				w.shadows[c.SnapshotID] = &shadowCopy{id: c.SnapshotID, volume: c.Volume}
				w.providerOf[c.SnapshotID] = name
				w.sets[c.SetID] = append(w.sets[c.SetID], c.SnapshotID)
			}
			return err
		case provider.MethodCommitSnapshots:
			var mine []*shadowCopy
			for _, id := range w.sets[c.SetID] {
				if w.providerOf[id] == name {
					sc := w.shadows[id]
					sc.content, sc.verdict, sc.frozen = map[*app][]simulate.AppliedWrite{}, map[*app]error{}, map[*app]bool{}
					for _, a := range w.appsOn(sc.volume) {
						sc.content[a] = a.applied()
						sc.frozen[a] = a.aware != nil && a.aware.Frozen()
					}
					mine = append(mine, sc)
				}
			}
			err := next(ctx)
			if opener, ok := p.(provider.FSOpener); ok && err == nil {
				for _, sc := range mine {
					fsys, ferr := opener.SnapshotFS(ctx, sc.id)
					for _, a := range w.appsOn(sc.volume) {
						if ferr != nil {
							sc.verdict[a] = ferr
						} else {
							sc.verdict[a] = a.check(fsys)
						}
					}
				}
			}
			return err
		}
		return next(ctx)
	})
}

// appsOn returns the applications that write to the named volume.
func (w *world) appsOn(volume string) []*app {
	var out []*app
	for _, a := range w.apps {
		if strings.EqualFold(a.volume.Name(), volume) {
			out = append(out, a)
		}
	}
	return out
}

// shadowOf returns the newest shadow copy of a volume, or nil.
func (w *world) shadowOf(set vss.ID, volume string) *shadowCopy {
	for _, id := range w.sets[set] {
		if sc := w.shadows[id]; strings.EqualFold(sc.volume, volume) {
			return sc
		}
	}
	return nil
}

// records describes an application's records as a list of writes holds
// them: which are whole, which are partly written, and how many are in all.
type records struct {
	whole   []int
	partial map[int]int // record -> parts written
}

func recordsOf(a *app, ws []simulate.AppliedWrite) records {
	parts := map[int]int{}
	for _, w := range ws {
		parts[w.Request]++
	}
	r := records{partial: map[int]int{}}
	for id, n := range parts {
		if n >= a.steps() {
			r.whole = append(r.whole, id)
		} else {
			r.partial[id] = n
		}
	}
	sort.Ints(r.whole)
	return r
}

// ranges prints sorted record numbers as ranges: "0–11, 13".
func ranges(ids []int) string {
	var b strings.Builder
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		if j > i {
			fmt.Fprintf(&b, "%d–%d", ids[i], ids[j])
		} else {
			fmt.Fprintf(&b, "%d", ids[i])
		}
		i = j + 1
	}
	return b.String()
}

// describe prints records: "records 0–11 whole, record 12 torn (1 of 3
// writes)". Partial records are called torn in a shadow copy and "being
// written" on a live volume.
func (r records) describe(a *app, partial string) string {
	var parts []string
	switch len(r.whole) {
	case 0:
		parts = append(parts, "no whole record")
	case 1:
		parts = append(parts, fmt.Sprintf("record %s whole", ranges(r.whole)))
	default:
		parts = append(parts, fmt.Sprintf("records %s whole", ranges(r.whole)))
	}
	ids := make([]int, 0, len(r.partial))
	for id := range r.partial {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("record %d %s (%s)", id, partial, a.partDesc(r.partial[id])))
	}
	return strings.Join(parts, ", ")
}

// partDesc says how much of a record n writes hold.
func (a *app) partDesc(n int) string {
	if a.aware != nil && n >= a.blocks {
		return "all its blocks, no commit record"
	}
	return fmt.Sprintf("%d of its %d blocks", n, a.blocks)
}

// live describes the application's data on its volume now.
func (a *app) live() string {
	r := recordsOf(a, a.applied())
	s := r.describe(a, "being written")
	st := a.stats()
	if st.Queued > 0 {
		why := "waiting their turn"
		if a.aware != nil && a.aware.Frozen() {
			why = "held back by the frozen application"
		}
		s += fmt.Sprintf(", %d %s", st.Queued, why)
	}
	return s
}
