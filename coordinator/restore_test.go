package coordinator_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// ordersKey is the component the restore tests' writers declare.
var ordersKey = writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "orders"}

// ordersWriter is a scripted writer named name with one component,
// "orders", holding C:\name\*, selectable for backup and for restore.
func ordersWriter(name string, opts ...simulate.WriterOption) *simulate.ScriptedWriter {
	opts = append([]simulate.WriterOption{simulate.WithIdentify(func(ctx context.Context, md *writer.Metadata) error {
		if _, err := md.AddComponent(writer.ComponentInfo{Type: ordersKey.Type, Name: ordersKey.Name, Selectable: true}); err != nil {
			return err
		}
		if _, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, LogicalPath: "orders", Name: "archive",
			SelectableForRestore: true}); err != nil {
			return err
		}
		return md.AddFiles("", ordersKey.Name, writer.FileSpec{Path: `C:\` + name, Spec: "*", Recursive: true})
	})}, opts...)
	return simulate.NewScriptedWriter(name, opts...)
}

// restoreDocument is the backup components document of a component-mode
// backup of every writer's "orders" component.
func restoreDocument(t *testing.T, ws ...*simulate.ScriptedWriter) string {
	t.Helper()
	d := requestor.NewBackupDocument(requestor.BackupState{SelectComponents: true})
	for _, w := range ws {
		if _, err := d.AddComponent(w.Info().InstanceID, w.Info().ClassID, ordersKey); err != nil {
			t.Fatal(err)
		}
	}
	x, err := d.XML()
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// restoreSession is a simulated session over writers ws, initialized for
// a restore of their "orders" components, with the writers' metadata
// gathered.
func restoreSession(t *testing.T, ws ...writer.Writer) *coordinator.Session {
	t.Helper()
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	s, _, err := simulate.NewSession(simulate.Config{Writers: ws, Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// gathered initializes s for the restore of ws' "orders" components and
// gathers their metadata.
func gathered(t *testing.T, s *coordinator.Session, ws ...*simulate.ScriptedWriter) {
	t.Helper()
	if err := s.InitializeForRestore(context.Background(), restoreDocument(t, ws...)); err != nil {
		t.Fatal(err)
	}
	if err := s.GatherWriterMetadata(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A writer that fails PreRestore shows VSS_WS_FAILED_AT_PRE_RESTORE in
// GatherWriterStatus with its error; PreRestore itself succeeds; no
// writer receives Abort, then or later; PostRestore still goes to the
// other writers. Microsoft: "Overview of Preparing for Restore" (the
// requester checks writer status after PreRestore), "VSS_WRITER_STATE"
// (VSS_WS_FAILED_AT_PRE_RESTORE), and the fault plans' writer sites.
func TestRestoreWriterFailingPreRestore(t *testing.T) {
	ctx := context.Background()
	plan, err := simulate.ParsePlan(`writer "Vetoer" PreRestore error(VSS_E_WRITERERROR_RETRYABLE)`)
	if err != nil {
		t.Fatal(err)
	}
	vetoer, other := ordersWriter("Vetoer"), ordersWriter("Other")
	s := restoreSession(t, simulate.InjectWriter(vetoer, plan, nil), other)
	gathered(t, s, vetoer, other)
	for _, w := range []*simulate.ScriptedWriter{vetoer, other} {
		if err := s.SetSelectedForRestore(ctx, w.Info().ClassID, ordersKey, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PreRestore(ctx); err != nil {
		t.Fatalf("PreRestore = %v; a writer's failure must not fail it", err)
	}
	if err := s.GatherWriterStatus(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := s.WriterStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]requestor.WriterStatus{}
	for _, x := range st {
		byName[x.Name] = x
	}
	if v := byName["Vetoer"]; v.State != vss.WriterFailedAtPreRestore || v.Failure != vss.ErrWriterRetryable || v.FailedAt != writer.EventPreRestore {
		t.Errorf("Vetoer's status = %+v, want VSS_WS_FAILED_AT_PRE_RESTORE with VSS_E_WRITERERROR_RETRYABLE", v)
	}
	if o := byName["Other"]; o.Failed() {
		t.Errorf("Other's status = %+v", o)
	}
	if err := s.SetFileRestoreStatus(ctx, other.Info().ClassID, ordersKey, vss.FileRestoreAll); err != nil {
		t.Fatal(err)
	}
	if err := s.PostRestore(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := other.Count(writer.EventPostRestore); got != 1 {
		t.Errorf("Other received PostRestore %d times, want once", got)
	}
	if got := vetoer.Count(writer.EventPostRestore); got != 0 {
		t.Errorf("Vetoer, failed at PreRestore, received PostRestore %d times", got)
	}
	for _, w := range []*simulate.ScriptedWriter{vetoer, other} {
		if n := w.Count(writer.EventAbort); n != 0 {
			t.Errorf("%s received Abort %d times in a restore", w.Info().Name, n)
		}
	}
	for _, r := range s.Trace() {
		if r.Event == writer.EventAbort || r.Decision == coordinator.DecisionAbortBackup {
			t.Errorf("the restore's trace holds %v", r)
		}
	}
}

// Restore calls out of order fail with VSS_E_BAD_STATE and change
// nothing; backup calls, AbortBackup included, are not calls of a
// restore; once PostRestore has run the backup components document is
// read-only. Microsoft: the VSS_E_BAD_STATE rows of
// IVssBackupComponents::InitializeForRestore, PreRestore, PostRestore,
// SetSelectedForRestore ("must be called before PreRestore"),
// SetFileRestoreStatus ("between PreRestore and PostRestore"),
// AddNewTarget ("before PreRestore"), SetRestoreOptions and
// SetAdditionalRestores.
func TestRestoreCallsOutOfOrder(t *testing.T) {
	ctx := context.Background()
	w := ordersWriter("Orders")
	class := w.Info().ClassID
	s := restoreSession(t, w)
	badState := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, vss.ErrBadState) {
			t.Errorf("%s = %v, want VSS_E_BAD_STATE", what, err)
		}
	}
	target := writer.FileSpec{Path: `C:\Orders`, Spec: "*", Recursive: true, AlternatePath: `D:\moved`}

	badState("PreRestore before InitializeForRestore", s.PreRestore(ctx))
	badState("SetSelectedForRestore before InitializeForRestore", s.SetSelectedForRestore(ctx, class, ordersKey, true))
	if err := s.InitializeForRestore(ctx, restoreDocument(t, w)); err != nil {
		t.Fatal(err)
	}
	badState("InitializeForRestore twice", s.InitializeForRestore(ctx, restoreDocument(t, w)))
	badState("InitializeForBackup in a restore", s.InitializeForBackup(ctx, ""))
	badState("SetSelectedForRestore before GatherWriterMetadata", s.SetSelectedForRestore(ctx, class, ordersKey, true))
	badState("PreRestore before GatherWriterMetadata", s.PreRestore(ctx))
	if err := s.GatherWriterMetadata(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.Phase(); got != coordinator.PhaseRestoreMetadataGathered {
		t.Fatalf("phase %v after GatherWriterMetadata in a restore", got)
	}
	badState("SetFileRestoreStatus before PreRestore", s.SetFileRestoreStatus(ctx, class, ordersKey, vss.FileRestoreAll))
	badState("PostRestore before PreRestore", s.PostRestore(ctx))
	_, err := s.StartSnapshotSet(ctx)
	badState("StartSnapshotSet in a restore", err)
	badState("AbortBackup in a restore", s.AbortBackup(ctx))
	if err := s.SetSelectedForRestore(ctx, class, ordersKey, true); err != nil {
		t.Fatal(err)
	}
	if err := s.AddNewTarget(ctx, class, ordersKey, target); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRestoreState(ctx, vss.RestoreType(9)); !errors.Is(err, vss.ErrInvalidArg) {
		t.Errorf("SetRestoreState(9) = %v, want E_INVALIDARG", err)
	}
	if err := s.SetRestoreState(ctx, vss.RestoreImport); err != nil {
		t.Fatal(err)
	}
	if err := s.PreRestore(ctx); err != nil {
		t.Fatal(err)
	}
	badState("SetRestoreState after PreRestore", s.SetRestoreState(ctx, vss.RestoreByCopy))
	badState("SetSelectedForRestore after PreRestore", s.SetSelectedForRestore(ctx, class, ordersKey, false))
	badState("AddNewTarget after PreRestore", s.AddNewTarget(ctx, class, ordersKey, target))
	badState("SetRestoreOptions after PreRestore", s.SetRestoreOptions(ctx, class, ordersKey, "x"))
	badState("PreRestore twice", s.PreRestore(ctx))
	if err := s.SetFileRestoreStatus(ctx, class, ordersKey, vss.FileRestoreAll); err != nil {
		t.Fatal(err)
	}
	if err := s.PostRestore(ctx); err != nil {
		t.Fatal(err)
	}
	// The document is read-only now.
	badState("SetFileRestoreStatus after PostRestore", s.SetFileRestoreStatus(ctx, class, ordersKey, vss.FileRestoreNone))
	badState("AddAlternativeLocationMapping after PostRestore", s.AddAlternativeLocationMapping(ctx, class, ordersKey, target))
	badState("SetAdditionalRestores after PostRestore", s.SetAdditionalRestores(ctx, class, ordersKey, true))
	badState("AddRestoreSubcomponent after PostRestore", s.AddRestoreSubcomponent(ctx, class, ordersKey, "orders", "archive"))
	badState("PostRestore twice", s.PostRestore(ctx))
	wcs, err := s.WriterComponents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := wcs[0].Components[0]; c.FileRestoreStatus != vss.FileRestoreAll || !c.SelectedForRestore || len(c.NewTargets) != 1 {
		t.Errorf("the document after PostRestore: %+v", c)
	}
	if got := w.Events(); !slices.Equal(got, []writer.EventKind{writer.EventIdentify, writer.EventPreRestore, writer.EventPostRestore}) {
		t.Errorf("the writer received %v", got)
	}
	for _, k := range []writer.EventKind{writer.EventPreRestore, writer.EventPostRestore} {
		if e := w.LastEvent(k); e.RestoreType != vss.RestoreImport {
			t.Errorf("%v told the writer restore type %v, want VSS_RTYPE_IMPORT (SetRestoreState's)", k, e.RestoreType)
		}
	}
}

// The restore calls check what they name: a component not in the
// document or of no running writer is VSS_E_OBJECT_NOT_FOUND, a file set
// the writer did not declare too (AddNewTarget's page), a subcomponent
// not selectable for restore is E_INVALIDARG (AddRestoreSubcomponent's
// page: it must be "marked selectable for restore"), and a document that
// does not load is VSS_E_INVALID_XML_DOCUMENT (InitializeForRestore's
// page).
func TestRestoreCallsCheckTheirArguments(t *testing.T) {
	ctx := context.Background()
	w := ordersWriter("Orders")
	class := w.Info().ClassID
	s := restoreSession(t, w)
	if err := s.InitializeForRestore(ctx, "<not a document"); !errors.Is(err, vss.ErrInvalidXMLDocument) {
		t.Errorf("InitializeForRestore of a broken document = %v", err)
	}
	gathered(t, s, w)
	missing := writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "invoices"}
	if err := s.SetSelectedForRestore(ctx, class, missing, true); !errors.Is(err, vss.ErrObjectNotFound) {
		t.Errorf("SetSelectedForRestore of a component not in the document = %v", err)
	}
	if err := s.SetSelectedForRestore(ctx, vss.MustParseID("{11111111-2222-3333-4444-555555555555}"), ordersKey, true); !errors.Is(err, vss.ErrObjectNotFound) {
		t.Errorf("SetSelectedForRestore of another writer class = %v", err)
	}
	other := writer.FileSpec{Path: `C:\Elsewhere`, Spec: "*", Recursive: true, AlternatePath: `D:\x`}
	if err := s.AddNewTarget(ctx, class, ordersKey, other); !errors.Is(err, vss.ErrObjectNotFound) {
		t.Errorf("AddNewTarget of a file set the writer did not declare = %v", err)
	}
	if err := s.AddRestoreSubcomponent(ctx, class, ordersKey, "orders", "archive"); err != nil {
		t.Errorf("AddRestoreSubcomponent of a subcomponent selectable for restore = %v", err)
	}
	if err := s.AddRestoreSubcomponent(ctx, class, ordersKey, "orders", "nothing"); !errors.Is(err, vss.ErrObjectNotFound) {
		t.Errorf("AddRestoreSubcomponent of an undeclared subcomponent = %v", err)
	}
	if err := s.AddRestoreSubcomponent(ctx, class, ordersKey, "elsewhere", "archive"); !errors.Is(err, vss.ErrInvalidArg) {
		t.Errorf("AddRestoreSubcomponent outside the component set = %v", err)
	}
	wcs, err := s.WriterComponents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if subs := wcs[0].Components[0].RestoreSubcomponents; len(subs) != 1 || subs[0].String() != `orders\archive` {
		t.Errorf("restore subcomponents = %v", subs)
	}
}

// A writer's restore requirement decides which restore events it gets:
// VSS_WRE_NEVER none, VSS_WRE_IF_REPLACE_FAILS PreRestore always and
// PostRestore only when its files were not all restored. Microsoft:
// "VSS_WRITERRESTORE_ENUM".
func TestRestoreHonoursWriterRestoreRequirement(t *testing.T) {
	ctx := context.Background()
	with := func(name string, wre vss.WriterRestore) *simulate.ScriptedWriter {
		return simulate.NewScriptedWriter(name, simulate.WithIdentify(func(ctx context.Context, md *writer.Metadata) error {
			if err := md.SetRestoreMethod(writer.RestoreMethod{Method: vss.RestoreIfCanReplace, WriterRestore: wre}); err != nil {
				return err
			}
			_, err := md.AddComponent(writer.ComponentInfo{Type: ordersKey.Type, Name: ordersKey.Name, Selectable: true})
			return err
		}))
	}
	for _, tc := range []struct {
		wre    vss.WriterRestore
		status vss.FileRestoreStatus
		want   []writer.EventKind
	}{
		{vss.WriterRestoreNever, vss.FileRestoreAll, []writer.EventKind{writer.EventIdentify}},
		{vss.WriterRestoreIfReplaceFails, vss.FileRestoreAll, []writer.EventKind{writer.EventIdentify, writer.EventPreRestore}},
		{vss.WriterRestoreIfReplaceFails, vss.FileRestoreFailed, []writer.EventKind{writer.EventIdentify, writer.EventPreRestore, writer.EventPostRestore}},
		{vss.WriterRestoreAlways, vss.FileRestoreAll, []writer.EventKind{writer.EventIdentify, writer.EventPreRestore, writer.EventPostRestore}},
	} {
		t.Run(strings.TrimPrefix(tc.wre.String(), "VSS_WRE_")+"/"+tc.status.String(), func(t *testing.T) {
			w := with("Orders", tc.wre)
			s := restoreSession(t, w)
			class := w.Info().ClassID
			for _, step := range []error{
				s.InitializeForRestore(ctx, restoreDocument(t, w)),
				s.GatherWriterMetadata(ctx),
				s.SetSelectedForRestore(ctx, class, ordersKey, true),
				s.PreRestore(ctx),
				s.SetFileRestoreStatus(ctx, class, ordersKey, tc.status),
				s.PostRestore(ctx),
			} {
				if step != nil {
					t.Fatal(step)
				}
			}
			if got := w.Events(); !slices.Equal(got, tc.want) {
				t.Errorf("the writer received %v, want %v", got, tc.want)
			}
		})
	}
}

// A writer that hangs at PreRestore is failed when the event's time is
// up (VSS_WS_FAILED_AT_PRE_RESTORE, VSS_E_WRITER_NOT_RESPONDING), and a
// requestor that gives up on PreRestore (its context ends) gets its
// error; neither sends Abort, to the hung writer or any other.
// Microsoft: "IVssBackupComponents::PreRestore" (asynchronous, through
// IVssAsync, which the requestor may cancel), "VSS_WRITER_STATE".
func TestRestoreHungPreRestoreSendsNoAbort(t *testing.T) {
	for _, cancelled := range []bool{false, true} {
		name := map[bool]string{false: "timeout", true: "cancelled"}[cancelled]
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			hung := ordersWriter("Hung", simulate.On(writer.EventPreRestore, simulate.Behavior{Hang: true,
				Do: func(context.Context, *writer.Event) {
					if cancelled {
						cancel()
					}
				}}))
			other := ordersWriter("Other")
			vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
			s, _, err := simulate.NewSession(simulate.Config{Writers: []writer.Writer{hung, other},
				Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols, EventTimeout: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			gathered(t, s, hung, other)
			for _, w := range []*simulate.ScriptedWriter{hung, other} {
				if err := s.SetSelectedForRestore(ctx, w.Info().ClassID, ordersKey, true); err != nil {
					t.Fatal(err)
				}
			}
			err = s.PreRestore(ctx)
			if cancelled != errors.Is(err, context.Canceled) {
				t.Fatalf("PreRestore = %v", err)
			}
			if !cancelled {
				st, f, _ := s.WriterState("Hung")
				if st != vss.WriterFailedAtPreRestore || f != vss.ErrWriterNotResponding {
					t.Errorf("Hung is %v, %v; want VSS_WS_FAILED_AT_PRE_RESTORE, VSS_E_WRITER_NOT_RESPONDING", st, f)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			for _, w := range []*simulate.ScriptedWriter{hung, other} {
				if n := w.Count(writer.EventAbort); n != 0 {
					t.Errorf("%s received Abort %d times", w.Info().Name, n)
				}
			}
		})
	}
}

// A writer that fails PostRestore shows VSS_WS_FAILED_AT_POST_RESTORE;
// PostRestore itself succeeds and nobody gets Abort. Microsoft:
// "VSS_WRITER_STATE", "IVssBackupComponents::PostRestore".
func TestRestoreWriterFailingPostRestore(t *testing.T) {
	ctx := context.Background()
	w := ordersWriter("Orders", simulate.On(writer.EventPostRestore, simulate.Behavior{Err: vss.ErrWriterNonRetryable}))
	s := restoreSession(t, w)
	gathered(t, s, w)
	for _, step := range []error{
		s.SetSelectedForRestore(ctx, w.Info().ClassID, ordersKey, true),
		s.PreRestore(ctx),
		s.SetFileRestoreStatus(ctx, w.Info().ClassID, ordersKey, vss.FileRestoreAll),
		s.PostRestore(ctx),
		s.GatherWriterStatus(ctx),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	st, err := s.WriterStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 || st[0].State != vss.WriterFailedAtPostRestore || st[0].Failure != vss.ErrWriterNonRetryable || st[0].FailedAt != writer.EventPostRestore {
		t.Errorf("status %+v, want VSS_WS_FAILED_AT_POST_RESTORE with VSS_E_WRITERERROR_NONRETRYABLE", st)
	}
	if n := w.Count(writer.EventAbort); n != 0 {
		t.Errorf("Abort sent %d times", n)
	}
}
