package simulate_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// declareThree is an Identify handler that declares three selectable
// components: two databases and a file group.
func declareThree(_ context.Context, md *writer.Metadata) error {
	for _, name := range []string{"orders", "stock"} {
		if _, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentDatabase, LogicalPath: "Shop", Name: name, Selectable: true}); err != nil {
			return err
		}
		if err := md.AddDatabaseFiles("Shop", name, writer.FileSpec{Path: `C:\shop`, Spec: name + ".db"}); err != nil {
			return err
		}
	}
	if _, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, LogicalPath: "Shop", Name: "config", Selectable: true}); err != nil {
		return err
	}
	return md.AddFiles("Shop", "config", writer.FileSpec{Path: `C:\shop\etc`, Spec: "*", Recursive: true})
}

// componentWriter records the components it sees at each event and stamps
// them at PostSnapshot, as a database writer records a log sequence
// number.
func componentWriter(seen map[writer.EventKind][]string) *simulate.ScriptedWriter {
	record := func(_ context.Context, e *writer.Event) {
		var names []string
		for _, c := range e.Components {
			names = append(names, c.Key().String())
			if e.Kind == writer.EventPostSnapshot {
				c.BackupStamp = "lsn:" + c.Name
			}
		}
		seen[e.Kind] = names
	}
	opts := []simulate.WriterOption{simulate.WithIdentify(declareThree)}
	for _, k := range []writer.EventKind{writer.EventPrepareBackup, writer.EventPrepareSnapshot, writer.EventFreeze,
		writer.EventThaw, writer.EventPostSnapshot, writer.EventBackupComplete} {
		opts = append(opts, simulate.On(k, simulate.Behavior{Do: record}))
	}
	return simulate.NewScriptedWriter("Shop", opts...)
}

func componentSession(t *testing.T, ws ...writer.Writer) *coordinator.Session {
	t.Helper()
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	s, _, err := simulate.NewSession(simulate.Config{Seed: 7, Writers: ws,
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// A component-mode backup selects two of the writer's three components:
// the writer sees exactly those two at every event, and the saved backup
// components document records them, with the writer's stamps and the
// requestor's success.
func TestComponentModeBackup(t *testing.T) {
	ctx := context.Background()
	seen := map[writer.EventKind][]string{}
	w := componentWriter(seen)
	s := componentSession(t, w)

	orders := writer.ComponentKey{Type: vss.ComponentDatabase, LogicalPath: "Shop", Name: "orders"}
	config := writer.ComponentKey{Type: vss.ComponentFileGroup, LogicalPath: "Shop", Name: "config"}
	info := w.Info()
	res, err := requestor.Backup(ctx, s, requestor.Plan{
		Volumes: []string{`C:\`},
		Components: []requestor.ComponentSelection{
			{WriterInstance: info.InstanceID, WriterClass: info.ClassID, Component: orders},
			{WriterInstance: info.InstanceID, WriterClass: info.ClassID, Component: config},
		},
	})
	require.NoError(t, err)

	want := []string{`Shop\orders`, `Shop\config`}
	for _, k := range []writer.EventKind{writer.EventPrepareBackup, writer.EventPrepareSnapshot, writer.EventFreeze,
		writer.EventThaw, writer.EventPostSnapshot, writer.EventBackupComplete} {
		assert.Equal(t, want, seen[k], "components %v saw", k)
	}

	// The metadata the requestor gathered is the document the writer
	// declared, and survives its XML.
	require.Len(t, res.Metadata, 1)
	md := res.Metadata[0]
	require.Len(t, md.Components, 3)
	doc, err := md.XML()
	require.NoError(t, err)
	back, err := writer.ParseMetadata([]byte(doc))
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(md, back))

	// The backup components document.
	bcd, err := requestor.ParseBackupDocument([]byte(res.BackupDocument))
	require.NoError(t, err)
	assert.True(t, bcd.SelectComponents)
	assert.Equal(t, res.SnapshotSetID, bcd.SnapshotSetID)
	require.Len(t, bcd.Writers, 1)
	assert.Equal(t, info.ClassID, bcd.Writers[0].ClassID)
	var got []string
	for _, c := range bcd.Writers[0].Components {
		got = append(got, c.Key().String())
		assert.True(t, c.BackupSucceeded, c.Name)
		assert.Equal(t, "lsn:"+c.Name, c.BackupStamp)
	}
	assert.Equal(t, want, got)
}

// A session started from a saved document takes its selection: the writer
// sees the saved components without AddComponent, and SaveAsXML writes
// the document back with nothing lost.
func TestInitializeForBackupFromDocument(t *testing.T) {
	ctx := context.Background()
	seen := map[writer.EventKind][]string{}
	w := componentWriter(seen)
	info := w.Info()
	saved := requestor.NewBackupDocument(requestor.BackupState{SelectComponents: true, Type: vss.BackupIncremental})
	c, err := saved.AddComponent(info.InstanceID, info.ClassID, writer.ComponentKey{Type: vss.ComponentDatabase, LogicalPath: "Shop", Name: "stock"})
	require.NoError(t, err)
	c.PreviousBackupStamp = "lsn:41"
	other, err := saved.AddComponent(vss.MustParseID("{11111111-2222-3333-4444-555555555555}"), vss.MustParseID("{66666666-7777-8888-9999-000000000000}"),
		writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "elsewhere"})
	require.NoError(t, err)
	other.BackupOptions = "kept"
	xml, err := saved.XML()
	require.NoError(t, err)

	s := componentSession(t, w)
	require.NoError(t, s.InitializeForBackup(ctx, xml))
	require.NoError(t, s.GatherWriterMetadata(ctx))
	_, err = s.StartSnapshotSet(ctx)
	require.NoError(t, err)
	_, err = s.AddToSnapshotSet(ctx, `C:\`, vss.NilID)
	require.NoError(t, err)
	require.NoError(t, s.PrepareForBackup(ctx))
	assert.Equal(t, []string{`Shop\stock`}, seen[writer.EventPrepareBackup])
	assert.Equal(t, "lsn:41", w.LastEvent(writer.EventPrepareBackup).Components[0].PreviousBackupStamp)

	out, err := s.SaveAsXML(ctx)
	require.NoError(t, err)
	back, err := requestor.ParseBackupDocument([]byte(out))
	require.NoError(t, err)
	assert.Equal(t, vss.BackupIncremental, back.Type)
	require.Len(t, back.Writers, 2, "the writer not in this session keeps its part")
	assert.Equal(t, "kept", back.Writers[1].Components[0].BackupOptions)
	require.NoError(t, s.AbortBackup(ctx))
}

func TestBackupDocumentCalls(t *testing.T) {
	ctx := context.Background()
	s := componentSession(t, componentWriter(map[writer.EventKind][]string{}))
	err := s.InitializeForBackup(ctx, `<BACKUP_COMPONENTS backupType="weekly"/>`)
	require.Error(t, err)
	assert.True(t, errors.Is(err, vss.ErrInvalidXMLDocument), "%v", err)
	assert.Contains(t, err.Error(), "backupType")

	s = componentSession(t, componentWriter(map[writer.EventKind][]string{}))
	require.NoError(t, s.InitializeForBackup(ctx, ""))
	require.NoError(t, s.GatherWriterMetadata(ctx))
	_, err = s.SaveAsXML(ctx)
	assert.True(t, errors.Is(err, vss.ErrBadState), "SaveAsXML before PrepareForBackup: %v", err)
}
