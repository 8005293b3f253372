package remote_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/media"
	"github.com/vsskit/vss/requestor/remote"
	"github.com/vsskit/vss/writer"
)

// capable is a session with every capability, which records each
// capability call with its arguments.
type capable struct {
	requestor.Requestor
	calls []string
}

func (c *capable) rec(format string, args ...any) {
	c.calls = append(c.calls, fmt.Sprintf(format, args...))
}

func (c *capable) InitializeForRestore(_ context.Context, bcd string) error {
	c.rec("InitializeForRestore %s", bcd)
	if bcd == "" {
		return vss.Errorf(vss.ErrInvalidXMLDocument, "InitializeForRestore", "empty document")
	}
	return nil
}
func (c *capable) SetSelectedForRestore(_ context.Context, class vss.ID, key writer.ComponentKey, sel bool) error {
	c.rec("SetSelectedForRestore %v %v %v", class, key, sel)
	return nil
}
func (c *capable) PreRestore(context.Context) error  { c.rec("PreRestore"); return nil }
func (c *capable) PostRestore(context.Context) error { c.rec("PostRestore"); return nil }
func (c *capable) AddRestoreSubcomponent(_ context.Context, class vss.ID, key writer.ComponentKey, lp, name string) error {
	c.rec("AddRestoreSubcomponent %v %v %s %s", class, key, lp, name)
	return nil
}
func (c *capable) SetRestoreOptions(_ context.Context, class vss.ID, key writer.ComponentKey, o string) error {
	c.rec("SetRestoreOptions %v %v %s", class, key, o)
	return nil
}
func (c *capable) SetAdditionalRestores(_ context.Context, class vss.ID, key writer.ComponentKey, more bool) error {
	c.rec("SetAdditionalRestores %v %v %v", class, key, more)
	return nil
}
func (c *capable) AddNewTarget(_ context.Context, class vss.ID, key writer.ComponentKey, f writer.FileSpec) error {
	c.rec("AddNewTarget %v %v %s %s %v %s", class, key, f.Path, f.Spec, f.Recursive, f.AlternatePath)
	return nil
}
func (c *capable) AddAlternativeLocationMapping(_ context.Context, class vss.ID, key writer.ComponentKey, f writer.FileSpec) error {
	c.rec("AddAlternativeLocationMapping %v %v %s %s %v %s", class, key, f.Path, f.Spec, f.Recursive, f.AlternatePath)
	return vss.Errorf(vss.ErrObjectNotFound, "AddAlternativeLocationMapping", "no such file set")
}
func (c *capable) SetFileRestoreStatus(_ context.Context, class vss.ID, key writer.ComponentKey, st vss.FileRestoreStatus) error {
	c.rec("SetFileRestoreStatus %v %v %v", class, key, st)
	return nil
}
func (c *capable) SetRestoreState(_ context.Context, t vss.RestoreType) error {
	c.rec("SetRestoreState %v", t)
	return nil
}
func (c *capable) WriterComponents(context.Context) ([]*requestor.WriterComponents, error) {
	c.rec("WriterComponents")
	return []*requestor.WriterComponents{{InstanceID: testClass, ClassID: testClass, InstanceName: "Orders",
		Components: []*writer.Component{{Type: vss.ComponentDatabase, LogicalPath: "db", Name: "orders",
			SelectedForRestore: true, RestoreTarget: vss.RestoreTargetAlternate,
			NewTargets: []writer.FileSpec{{Path: `C:\db`, Spec: "*.mdf", AlternatePath: `D:\db`}}}}}}, nil
}
func (c *capable) Query(context.Context) ([]provider.Snapshot, error) {
	c.rec("Query")
	return []provider.Snapshot{{ID: testClass, OriginalVolume: `C:\`}}, nil
}
func (c *capable) WriterMetadataXML(context.Context) ([]string, error) {
	c.rec("WriterMetadataXML")
	return []string{"<WRITER_METADATA/>"}, nil
}
func (c *capable) EnableWriterClasses(_ context.Context, ids []vss.ID) error {
	c.rec("EnableWriterClasses %v", ids)
	return nil
}
func (c *capable) DisableWriterClasses(_ context.Context, ids []vss.ID) error {
	c.rec("DisableWriterClasses %v", ids)
	return nil
}
func (c *capable) DisableWriterInstances(_ context.Context, ids []vss.ID) error {
	c.rec("DisableWriterInstances %v", ids)
	return nil
}
func (c *capable) SetPreviousBackupStamp(_ context.Context, class vss.ID, key writer.ComponentKey, stamp string) error {
	c.rec("SetPreviousBackupStamp %v %v %s", class, key, stamp)
	return nil
}
func (c *capable) SetBackupOptions(_ context.Context, class vss.ID, key writer.ComponentKey, o string) error {
	c.rec("SetBackupOptions %v %v %s", class, key, o)
	return nil
}
func (c *capable) Exclusions(context.Context) ([]requestor.Exclusion, error) {
	c.rec("Exclusions")
	return []requestor.Exclusion{{WriterClass: testClass, Writer: "Orders", Volume: `D:\`, Reason: "its files lie on D:\\"}}, nil
}

var testClass = vss.MustParseID("{11111111-2222-3333-4444-555555555555}")

// bare is a session with no capability beyond requestor.Requestor.
type bare struct{ requestor.Requestor }

// A remote Session has every capability the protocol carries; its
// Capabilities are those of the agent's session, and every capability
// call crosses the wire with its arguments, results and errors.
func TestCapabilitiesAreThoseOfTheAgentsSession(t *testing.T) {
	var cap *capable
	full := startAgent(t, func() (requestor.Requestor, error) {
		s, err := simpleMachine()
		cap = &capable{Requestor: s}
		return cap, err
	}, remote.AgentConfig{})
	r, _ := full.session(t, full.dial(t, remote.Options{}))
	require.Equal(t, []string{remote.CapRestore, remote.CapQuery, remote.CapMetadata, remote.CapWriterChoice,
		remote.CapIncremental, remote.CapExclusions}, r.Capabilities())
	ctx := context.Background()
	key := writer.ComponentKey{Type: vss.ComponentDatabase, LogicalPath: "db", Name: "orders"}
	files := writer.FileSpec{Path: `C:\db`, Spec: "*.mdf", Recursive: true, AlternatePath: `D:\db`}
	require.ErrorIs(t, r.InitializeForRestore(ctx, ""), vss.ErrInvalidXMLDocument)
	require.NoError(t, r.InitializeForRestore(ctx, "<BACKUP_COMPONENTS/>"))
	require.NoError(t, r.SetRestoreState(ctx, vss.RestoreImport))
	require.NoError(t, r.SetSelectedForRestore(ctx, testClass, key, true))
	require.NoError(t, r.AddRestoreSubcomponent(ctx, testClass, key, `db\orders`, "log"))
	require.NoError(t, r.SetRestoreOptions(ctx, testClass, key, "fast"))
	require.NoError(t, r.SetAdditionalRestores(ctx, testClass, key, true))
	require.NoError(t, r.AddNewTarget(ctx, testClass, key, files))
	require.NoError(t, r.PreRestore(ctx))
	wc, err := r.WriterComponents(ctx)
	require.NoError(t, err)
	want, _ := cap.WriterComponents(ctx)
	require.Equal(t, want, wc)
	require.ErrorIs(t, r.AddAlternativeLocationMapping(ctx, testClass, key, files), vss.ErrObjectNotFound)
	require.NoError(t, r.SetFileRestoreStatus(ctx, testClass, key, vss.FileRestoreFailed))
	require.NoError(t, r.PostRestore(ctx))
	snaps, err := r.Query(ctx)
	require.NoError(t, err)
	require.Equal(t, []provider.Snapshot{{ID: testClass, OriginalVolume: `C:\`}}, snaps)
	docs, err := r.WriterMetadataXML(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"<WRITER_METADATA/>"}, docs)
	other := vss.MustParseID("{22222222-2222-3333-4444-555555555555}")
	require.NoError(t, r.EnableWriterClasses(ctx, []vss.ID{testClass, other}))
	require.NoError(t, r.DisableWriterClasses(ctx, []vss.ID{other}))
	require.NoError(t, r.DisableWriterInstances(ctx, []vss.ID{testClass}))
	require.NoError(t, r.SetPreviousBackupStamp(ctx, testClass, key, "stamp 7"))
	require.NoError(t, r.SetBackupOptions(ctx, testClass, key, "opts"))
	ex, err := r.Exclusions(ctx)
	require.NoError(t, err)
	wantEx, _ := cap.Exclusions(ctx)
	require.Equal(t, wantEx, ex)
	require.NoError(t, r.Close())
	full.waitEnd(t)
	k := key.String()
	require.Equal(t, []string{
		"InitializeForRestore ", "InitializeForRestore <BACKUP_COMPONENTS/>",
		"SetRestoreState " + vss.RestoreImport.String(),
		"SetSelectedForRestore " + testClass.String() + " " + k + " true",
		"AddRestoreSubcomponent " + testClass.String() + " " + k + ` db\orders log`,
		"SetRestoreOptions " + testClass.String() + " " + k + " fast",
		"SetAdditionalRestores " + testClass.String() + " " + k + " true",
		"AddNewTarget " + testClass.String() + " " + k + ` C:\db *.mdf true D:\db`,
		"PreRestore", "WriterComponents", "WriterComponents",
		"AddAlternativeLocationMapping " + testClass.String() + " " + k + ` C:\db *.mdf true D:\db`,
		"SetFileRestoreStatus " + testClass.String() + " " + k + " " + vss.FileRestoreFailed.String(),
		"PostRestore", "Query", "WriterMetadataXML",
		"EnableWriterClasses [" + testClass.String() + " " + other.String() + "]",
		"DisableWriterClasses [" + other.String() + "]",
		"DisableWriterInstances [" + testClass.String() + "]",
		"SetPreviousBackupStamp " + testClass.String() + " " + k + " stamp 7",
		"SetBackupOptions " + testClass.String() + " " + k + " opts",
		"Exclusions", "Exclusions",
	}, cap.calls)
}

// Against an agent whose session has no capability, every capability
// call fails with vss.ErrNotSupported and makes no call on the agent;
// media.WriterMetadataXML falls back on the parsed documents.
func TestCallsOfACapabilityTheAgentLacksAreNotSupported(t *testing.T) {
	ta := startAgent(t, func() (requestor.Requestor, error) {
		s, err := simpleMachine()
		return bare{s}, err
	}, remote.AgentConfig{})
	r, _ := ta.session(t, ta.dial(t, remote.Options{}))
	require.Empty(t, r.Capabilities())
	ctx := context.Background()
	key := writer.ComponentKey{Type: vss.ComponentDatabase, Name: "orders"}
	for name, call := range map[string]func() error{
		"InitializeForRestore":   func() error { return r.InitializeForRestore(ctx, "<BACKUP_COMPONENTS/>") },
		"SetRestoreState":        func() error { return r.SetRestoreState(ctx, vss.RestoreByCopy) },
		"WriterComponents":       func() error { _, err := r.WriterComponents(ctx); return err },
		"Query":                  func() error { _, err := r.Query(ctx); return err },
		"WriterMetadataXML":      func() error { _, err := r.WriterMetadataXML(ctx); return err },
		"EnableWriterClasses":    func() error { return r.EnableWriterClasses(ctx, []vss.ID{testClass}) },
		"SetPreviousBackupStamp": func() error { return r.SetPreviousBackupStamp(ctx, testClass, key, "s") },
		"Exclusions":             func() error { _, err := r.Exclusions(ctx); return err },
	} {
		require.ErrorIs(t, call(), vss.ErrNotSupported, name)
	}
	require.NotContains(t, ta.logs.String(), "/calls/", "no capability call reached the agent")

	require.NoError(t, r.InitializeForBackup(ctx, ""))
	require.NoError(t, r.GatherWriterMetadata(ctx))
	md, err := r.WriterMetadata(ctx)
	require.NoError(t, err)
	docs, err := media.WriterMetadataXML(ctx, r, &requestor.Result{Metadata: md})
	require.NoError(t, err)
	require.Len(t, docs, 1)
	require.Contains(t, docs[0], "Orders")
}
