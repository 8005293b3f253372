package requestor_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// newSession returns a simulated session on vols (a C:\ volume when nil)
// with the writers ws, closed when the test ends.
func newSession(t *testing.T, vols *simulate.VolumeSet, ws ...writer.Writer) *coordinator.Session {
	t.Helper()
	if vols == nil {
		vols = simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	}
	s, _, err := simulate.NewSession(simulate.Config{Seed: 3, Writers: ws,
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// savedDocument parses the backup components document of res.
func savedDocument(t *testing.T, res *requestor.Result) *requestor.BackupDocument {
	t.Helper()
	require.NotNil(t, res)
	doc, err := requestor.ParseBackupDocument([]byte(res.BackupDocument))
	require.NoError(t, err)
	return doc
}

// A zero Plan (but its volume) runs a COPY backup: the writers are told
// VSS_BT_COPY, "the backup history will not be updated" (VSS_BACKUP_TYPE),
// and the saved document says so. A type the plan names is the one used.
func TestZeroPlanRunsACopyBackup(t *testing.T) {
	ctx := context.Background()
	w := simulate.NewScriptedWriter("Orders")
	res, err := requestor.Backup(ctx, newSession(t, nil, w), requestor.Plan{Volumes: []string{`C:\`}})
	require.NoError(t, err)
	assert.Equal(t, vss.BackupCopy, savedDocument(t, res).Type)
	assert.Equal(t, vss.BackupCopy, w.LastEvent(writer.EventPrepareBackup).BackupType)
	assert.Contains(t, res.BackupDocument, `backupType="copy"`)

	for _, typ := range []vss.BackupType{vss.BackupFull, vss.BackupIncremental, vss.BackupDifferential, vss.BackupLog} {
		w := simulate.NewScriptedWriter("Orders")
		res, err := requestor.Backup(ctx, newSession(t, nil, w), requestor.Plan{Volumes: []string{`C:\`}, Type: typ})
		require.NoError(t, err, typ)
		assert.Equal(t, typ, savedDocument(t, res).Type)
		assert.Equal(t, typ, w.LastEvent(writer.EventPrepareBackup).BackupType)
	}
}

// Bad plans are refused before any call, each at the step "Plan", with
// E_INVALIDARG.
func TestBadPlansAreRefusedAtStepPlan(t *testing.T) {
	class := simulate.NewScriptedWriter("Orders").Info().ClassID
	for name, plan := range map[string]requestor.Plan{
		"no volume":            {},
		"no backup type":       {Volumes: []string{`C:\`}, Type: vss.BackupType(9)},
		"no writer":            {Volumes: []string{`C:\`}, Components: []requestor.ComponentSelection{{Component: writer.ComponentKey{Type: vss.ComponentDatabase, Name: "x"}}}},
		"required and ignored": {Volumes: []string{`C:\`}, RequireWriters: []vss.ID{class}, IgnoreWriterFailures: []vss.ID{class}},
		"negative attempts":    {Volumes: []string{`C:\`}, Retry: requestor.Retry{Attempts: -1}},
		"jitter above one":     {Volumes: []string{`C:\`}, Retry: requestor.Retry{Jitter: 1.5}},
	} {
		t.Run(name, func(t *testing.T) {
			s := newSession(t, nil)
			res, err := requestor.Backup(context.Background(), s, plan)
			assert.Nil(t, res)
			var be *requestor.BackupError
			require.ErrorAs(t, err, &be)
			assert.Equal(t, "Plan", be.Step)
			assert.ErrorIs(t, err, vss.ErrInvalidArg)
			assert.True(t, strings.HasPrefix(err.Error(), "vss backup failed at Plan: E_INVALIDARG (0x80070057): "), err.Error())
			assert.Equal(t, coordinator.PhaseNew, s.Phase(), "no call was made")
		})
	}
}

// A writer that fails in a non-component backup does not fail it (Writer
// Errors and Vetoes: "it is not always necessary for a backup application
// to abort following a veto or error"): Result.Degraded reports it, with
// its state, failure and message.
func TestUnrelatedWriterFailureDegradesTheBackup(t *testing.T) {
	good := simulate.NewScriptedWriter("Orders")
	bad := simulate.NewScriptedWriter("Update", simulate.WithLevel(vss.AppBackEnd),
		simulate.On(writer.EventFreeze, simulate.Behavior{Err: errors.New("the update service is restarting")}))
	res, err := requestor.Backup(context.Background(), newSession(t, nil, good, bad), requestor.Plan{Volumes: []string{`C:\`}})
	require.NoError(t, err)
	require.Len(t, res.Degraded, 1)
	d := res.Degraded[0]
	assert.Equal(t, "Update", d.Name)
	assert.Equal(t, bad.Info().InstanceID, d.InstanceID)
	assert.Equal(t, vss.WriterFailedAtFreeze, d.State)
	assert.Equal(t, vss.ErrWriterNonRetryable, d.Failure)
	assert.Contains(t, d.Detail, "the update service is restarting")
	assert.Equal(t, writer.EventBackupComplete, good.Events()[len(good.Events())-1], "the healthy writer's backup completed")
	assert.NotEmpty(t, res.BackupDocument)
}

// shopWriter declares a database "orders" and a file group "config" with
// a subcomponent "extra"; fail, if set, is its behaviour at Freeze.
func shopWriter(name string, opts ...simulate.WriterOption) *simulate.ScriptedWriter {
	return simulate.NewScriptedWriter(name, append([]simulate.WriterOption{simulate.WithIdentify(declareShop)}, opts...)...)
}

var (
	ordersKey = writer.ComponentKey{Type: vss.ComponentDatabase, LogicalPath: "Shop", Name: "orders"}
	stockKey  = writer.ComponentKey{Type: vss.ComponentDatabase, LogicalPath: "Shop", Name: "stock"}
	configKey = writer.ComponentKey{Type: vss.ComponentFileGroup, LogicalPath: "Shop", Name: "config"}
	extraKey  = writer.ComponentKey{Type: vss.ComponentFileGroup, LogicalPath: `Shop\config`, Name: "extra"}
)

func declareShop(_ context.Context, md *writer.Metadata) error {
	for _, c := range []writer.ComponentInfo{
		{Type: vss.ComponentDatabase, LogicalPath: "Shop", Name: "orders", Selectable: true},
		{Type: vss.ComponentDatabase, LogicalPath: "Shop", Name: "stock", Selectable: true},
		{Type: vss.ComponentFileGroup, LogicalPath: "Shop", Name: "config", Selectable: true},
		{Type: vss.ComponentFileGroup, LogicalPath: `Shop\config`, Name: "extra"},
	} {
		if _, err := md.AddComponent(c); err != nil {
			return err
		}
	}
	return errors.Join(
		md.AddDatabaseFiles("Shop", "orders", writer.FileSpec{Path: `C:\Shop`, Spec: "orders.*"}),
		md.AddDatabaseLogFiles("Shop", "orders", writer.FileSpec{Path: `C:\shop\logs\`, Spec: "orders??.log"}),
		md.AddDatabaseFiles("Shop", "stock", writer.FileSpec{Path: `C:\shop`, Spec: "stock.db", AlternatePath: `C:\shop\alt`}),
		md.AddFiles("Shop", "config", writer.FileSpec{Path: `C:\shop\etc`, Spec: "*", Recursive: true}),
		md.AddFiles(`Shop\config`, "extra", writer.FileSpec{Path: `C:\extra`, Spec: "*.txt"}),
		md.AddExcludeFiles(writer.FileSpec{Path: `C:\shop`, Spec: "*.tmp", Recursive: true}),
	)
}

// shopVolume is C:\ with the files of the shop writer's components, and
// others.
func shopVolume(t *testing.T) *simulate.VolumeSet {
	t.Helper()
	vol := simulate.NewVolume(`C:\`)
	for _, f := range []string{
		"shop/orders.db", "shop/orders.tmp", "shop/ORDERS.IDX", "shop/stock.db", "shop/alt/stock.db",
		"shop/logs/orders01.log", "shop/logs/orders1.log", "shop/logs/orders02.log",
		"shop/etc/app.conf", "shop/etc/cache.tmp", "shop/etc/sub/more.conf", "shop/etc/sub/old.tmp",
		"extra/notes.txt", "extra/notes.doc", "extra/deeper/skip.txt", "other/orders.db",
	} {
		require.NoError(t, vol.MkdirAll(f[:strings.LastIndexByte(f, '/')]))
		require.NoError(t, vol.WriteFile(f, []byte("contents of "+f)))
	}
	return simulate.NewVolumeSet(vol)
}

// A writer whose component the tool selected fails the backup when it
// fails; another writer failing is only reported.
func TestSelectedWriterFailureFailsTheBackup(t *testing.T) {
	shop := shopWriter("Shop", simulate.On(writer.EventFreeze, simulate.Behavior{Err: vss.ErrWriterNonRetryable}))
	other := simulate.NewScriptedWriter("Other", simulate.On(writer.EventPrepareBackup, simulate.Behavior{Err: vss.ErrWriterOutOfResources}))
	s := newSession(t, shopVolume(t), shop, other)
	res, err := requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`},
		Components: []requestor.ComponentSelection{{WriterClass: shop.Info().ClassID, Component: ordersKey}}})
	assert.Nil(t, res)
	require.ErrorIs(t, err, vss.ErrWriterNonRetryable)
	var be *requestor.BackupError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "GatherWriterStatus after DoSnapshotSet", be.Step)
	assert.Equal(t, 1, strings.Count(err.Error(), "0x800423F4"), "the HRESULT once: %s", err)
	assert.NotContains(t, err.Error(), "0x800423F1", "the other writer's failure does not fail the backup")
	assert.Positive(t, shop.Count(writer.EventAbort))

	// The same failure of a writer none of whose components is selected
	// does not fail the backup. (Such a writer gets no event after
	// Identify, "Working with Selectability and Logical Paths"; if it
	// fails all the same, it is reported in Result.Degraded.)
	shop = shopWriter("Shop", simulate.On(writer.EventFreeze, simulate.Behavior{Err: vss.ErrWriterNonRetryable}))
	keep := shopWriter("Keep")
	s = newSession(t, shopVolume(t), shop, keep)
	res, err = requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`},
		Components: []requestor.ComponentSelection{{WriterClass: keep.Info().ClassID, Component: ordersKey}}})
	require.NoError(t, err)
	assert.Zero(t, shop.Count(writer.EventFreeze), "a writer with no component selected takes no part")
	assert.Empty(t, res.Degraded, "so it cannot fail")
}

// Components selected by writer class alone, and by a callback that sees
// the gathered metadata, are backed up exactly: the writer sees them at
// every event and the saved document lists them, and no other.
func TestSelectComponentsByClassAndByCallback(t *testing.T) {
	for name, plan := range map[string]func(class vss.ID) requestor.Plan{
		"class": func(class vss.ID) requestor.Plan {
			return requestor.Plan{Components: []requestor.ComponentSelection{
				{WriterClass: class, Component: ordersKey}, {WriterClass: class, Component: configKey}}}
		},
		"callback": func(vss.ID) requestor.Plan {
			return requestor.Plan{Select: func(_ context.Context, mds []*writer.Metadata) ([]requestor.ComponentSelection, error) {
				var sel []requestor.ComponentSelection
				for _, md := range mds {
					for _, c := range md.Components {
						if md.Name == "Shop" && (c.Name == "orders" || c.Name == "config") {
							sel = append(sel, requestor.ComponentSelection{WriterInstance: md.InstanceID, Component: c.Key()})
						}
					}
				}
				return sel, nil
			}}
		},
		"by name": func(vss.ID) requestor.Plan {
			return requestor.Plan{Select: requestor.SelectByName("Shop", `Shop\orders`, `Shop\config`)}
		},
	} {
		t.Run(name, func(t *testing.T) {
			shop, bystander := shopWriter("Shop"), shopWriter("Bystander")
			p := plan(shop.Info().ClassID)
			p.Volumes = []string{`C:\`}
			res, err := requestor.Backup(context.Background(), newSession(t, shopVolume(t), shop, bystander), p)
			require.NoError(t, err)
			want := []requestor.ComponentSelection{
				{WriterInstance: shop.Info().InstanceID, WriterClass: shop.Info().ClassID, Component: ordersKey},
				{WriterInstance: shop.Info().InstanceID, WriterClass: shop.Info().ClassID, Component: configKey},
			}
			assert.Equal(t, want, res.Components)
			var seen []writer.ComponentKey
			for _, c := range shop.LastEvent(writer.EventPostSnapshot).Components {
				seen = append(seen, c.Key())
			}
			assert.Equal(t, []writer.ComponentKey{ordersKey, configKey}, seen)
			doc := savedDocument(t, res)
			assert.True(t, doc.SelectComponents)
			require.Len(t, doc.Writers, 1)
			var saved []writer.ComponentKey
			for _, c := range doc.Writers[0].Components {
				saved = append(saved, c.Key())
				assert.True(t, c.BackupSucceeded)
			}
			assert.Equal(t, []writer.ComponentKey{ordersKey, configKey}, saved)
			for _, e := range []writer.EventKind{writer.EventPrepareBackup, writer.EventFreeze, writer.EventBackupComplete} {
				assert.Zero(t, bystander.Count(e), "the writer with no component selected gets no %v", e)
			}
		})
	}
}

// A selection by class that no running writer declares fails at the
// component's AddComponent step, as VSS fails it, and so does a callback
// asking for a component that is not there.
func TestSelectingAMissingComponentFails(t *testing.T) {
	shop := shopWriter("Shop")
	missing := writer.ComponentKey{Type: vss.ComponentDatabase, LogicalPath: "Shop", Name: "returns"}
	_, err := requestor.Backup(context.Background(), newSession(t, shopVolume(t), shop), requestor.Plan{Volumes: []string{`C:\`},
		Components: []requestor.ComponentSelection{{WriterClass: shop.Info().ClassID, Component: missing}}})
	var be *requestor.BackupError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, `AddComponent Shop\returns`, be.Step)
	assert.ErrorIs(t, err, vss.ErrObjectNotFound)

	_, err = requestor.Backup(context.Background(), newSession(t, shopVolume(t), shop), requestor.Plan{Volumes: []string{`C:\`},
		Select: requestor.SelectByName("Shop", `Shop\returns`)})
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "Select", be.Step)
	assert.ErrorIs(t, err, vss.ErrObjectNotFound)
}

// Copy gets the writers' metadata and the selected components, and the
// file-spec helper reads exactly each component's files from the shadow
// copy: its file sets' wildcards, recursive or not, whatever the case of
// the writer's path, from an alternate path when there is one, with its
// component set's subcomponents, and never a file the writer's exclude
// list names.
func TestCopyReadsExactlyTheComponentsFiles(t *testing.T) {
	shop := shopWriter("Shop")
	copied := map[writer.ComponentKey]map[string]string{} // component -> file in FS -> original path
	contents := map[string]string{}
	var plan requestor.Plan
	plan.Volumes = []string{`C:\`}
	plan.Components = []requestor.ComponentSelection{
		{WriterClass: shop.Info().ClassID, Component: ordersKey},
		{WriterClass: shop.Info().ClassID, Component: stockKey},
		{WriterClass: shop.Info().ClassID, Component: configKey},
	}
	plan.Copy = func(_ context.Context, src *requestor.CopySource) error {
		if len(src.Metadata) != 1 || len(src.Components) != 3 {
			return errors.New("Copy did not get the metadata and the selection")
		}
		for _, c := range src.Components {
			files, err := src.Files(c)
			if err != nil {
				return err
			}
			for _, f := range files {
				data, err := fs.ReadFile(f.FS, f.Name)
				if err != nil {
					return err
				}
				if copied[c.Component] == nil {
					copied[c.Component] = map[string]string{}
				}
				copied[c.Component][f.Name] = f.Path
				contents[f.Name] = string(data)
			}
		}
		return nil
	}
	_, err := requestor.Backup(context.Background(), newSession(t, shopVolume(t), shop), plan)
	require.NoError(t, err)
	assert.Equal(t, map[writer.ComponentKey]map[string]string{
		ordersKey: {
			"shop/orders.db":         `C:\Shop\orders.db`,
			"shop/ORDERS.IDX":        `C:\Shop\ORDERS.IDX`,
			"shop/logs/orders01.log": `C:\shop\logs\orders01.log`,
			"shop/logs/orders02.log": `C:\shop\logs\orders02.log`,
		},
		stockKey: {"shop/alt/stock.db": `C:\shop\stock.db`},
		configKey: {
			"shop/etc/app.conf":      `C:\shop\etc\app.conf`,
			"shop/etc/sub/more.conf": `C:\shop\etc\sub\more.conf`,
			"extra/notes.txt":        `C:\extra\notes.txt`,
		},
	}, copied)
	assert.Equal(t, "contents of shop/alt/stock.db", contents["shop/alt/stock.db"])
}

// The writers' exclude lists, for a tool that copies directories.
func TestExcludeList(t *testing.T) {
	md := writer.NewMetadata(writer.Info{Name: "Shop"})
	require.NoError(t, md.AddExcludeFiles(writer.FileSpec{Path: `C:\shop\`, Spec: "*.tmp", Recursive: true}))
	require.NoError(t, md.AddExcludeFiles(writer.FileSpec{Path: `C:\cache`, Spec: "?.bin"}))
	l := requestor.NewExcludeList(md)
	snap := requestor.VolumeSnapshot{Volume: `C:\`}
	for name, want := range map[string]bool{
		"shop/a.tmp": true, "shop/deep/er/B.TMP": true, "shop/a.tmpx": false, "shopping/a.tmp": false,
		"cache/x.bin": true, "cache/xy.bin": false, "cache/sub/x.bin": false, "a.tmp": false,
	} {
		assert.Equal(t, want, l.Excludes(snap.OriginalPath(name)), name)
	}
	assert.False(t, (*requestor.ExcludeList)(nil).Excludes(`C:\shop\a.tmp`))
}

// File specifications match as FindFirstFile matches them.
func TestFileSpecWildcards(t *testing.T) {
	for _, tc := range []struct {
		spec, name string
		want       bool
	}{
		{"*", "anything.at.all", true},
		{"*.*", "README", true},
		{"*.db", "orders.db", true},
		{"*.db", "ORDERS.DB", true},
		{"*.db", "orders.db.bak", false},
		{"orders.*", "orders", true},
		{"orders.*", "orders.db", true},
		{"orders.*", "ordersx", false},
		{"orders??.log", "orders01.log", true},
		{"orders??.log", "orders1.log", false},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"master.mdf", "Master.MDF", true},
		{"?", "", false},
		{"é*", "É.txt", true},
	} {
		assert.Equal(t, tc.want, requestor.MatchFileSpec(tc.spec, tc.name), "%q %q", tc.spec, tc.name)
	}
}

// ComponentFiles refuses a component whose files are on no volume of the
// set: the backup would miss them.
func TestComponentFilesOutsideTheSet(t *testing.T) {
	md := writer.NewMetadata(writer.Info{Name: "Shop"})
	_, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, Name: "d"})
	require.NoError(t, err)
	require.NoError(t, md.AddFiles("", "d", writer.FileSpec{Path: `D:\data`, Spec: "*"}))
	vol := simulate.NewVolume(`C:\`)
	snaps := []requestor.VolumeSnapshot{{Volume: `C:\`, FS: vol.FS()}}
	_, err = requestor.ComponentFiles(snaps, md, writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "d"})
	assert.ErrorIs(t, err, vss.ErrObjectNotFound)
	assert.Contains(t, err.Error(), `D:\data is not on a volume of the snapshot set`)
	_, err = requestor.ComponentFiles(snaps, md, writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "nope"})
	assert.ErrorIs(t, err, vss.ErrObjectNotFound)
}

// Once the data is stored, a failure still returns the Result, with the
// backup components document: here a selected writer failing at
// BackupComplete.
func TestResultReturnedWhenTheDataWasStored(t *testing.T) {
	shop := shopWriter("Shop", simulate.On(writer.EventBackupComplete, simulate.Behavior{Err: vss.ErrWriterNonRetryable}))
	stored := false
	res, err := requestor.Backup(context.Background(), newSession(t, shopVolume(t), shop), requestor.Plan{Volumes: []string{`C:\`},
		Components: []requestor.ComponentSelection{{WriterClass: shop.Info().ClassID, Component: ordersKey}},
		Copy:       func(context.Context, *requestor.CopySource) error { stored = true; return nil }})
	require.True(t, stored)
	var be *requestor.BackupError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "GatherWriterStatus after BackupComplete", be.Step)
	assert.ErrorIs(t, err, vss.ErrWriterNonRetryable)
	require.NotNil(t, res, "the data was stored")
	doc := savedDocument(t, res)
	require.Len(t, doc.Writers, 1)
	assert.True(t, doc.Writers[0].Components[0].BackupSucceeded)
	assert.True(t, slices.ContainsFunc(res.Writers, func(w requestor.WriterStatus) bool { return w.Failed() }))
}

// A cancelled backup wraps context.Canceled and carries a failure code,
// vss.ErrAbort, although the VSS call it stopped reports the success
// code VSS_S_ASYNC_CANCELLED.
func TestCancelledBackupCarriesAFailureCode(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	w := simulate.NewScriptedWriter("Orders", simulate.On(writer.EventFreeze, simulate.Behavior{Do: func(context.Context, *writer.Event) { cancel() }}))
	res, err := requestor.Backup(ctx, newSession(t, nil, w), requestor.Plan{Volumes: []string{`C:\`}})
	assert.Nil(t, res)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, vss.ErrAbort, vss.CodeOf(err))
	assert.True(t, vss.CodeOf(err).Failed())
	var be *requestor.BackupError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "DoSnapshotSet", be.Step)
	assert.Positive(t, w.Count(writer.EventAbort))
}
