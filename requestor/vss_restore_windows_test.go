//go:build windows && (amd64 || arm64)

package requestor_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// The restore calls of the Windows session go through the COM layer
// (GUIDs by value, strings, booleans, enums, GetWriterComponents with its
// IVssWriterComponentsExt and IVssComponent objects) to a simulated
// restore session behind the fake, which the writer sees. Microsoft:
// IVssBackupComponents::SetRestoreOptions, SetAdditionalRestores,
// AddNewTarget, AddRestoreSubcomponent, GetWriterComponents,
// SetFileRestoreStatus, AddAlternativeLocationMapping.
func TestWindowsRestoreCallsReachTheWriter(t *testing.T) {
	ctx := context.Background()
	key := writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "orders"}
	files := writer.FileSpec{Path: `C:\orders`, Spec: "*", Recursive: true}
	ledger := simulate.NewScriptedWriter("Ledger",
		simulate.WithIdentify(func(ctx context.Context, md *writer.Metadata) error {
			if _, err := md.AddComponent(writer.ComponentInfo{Type: key.Type, Name: key.Name, Selectable: true}); err != nil {
				return err
			}
			return md.AddFiles("", key.Name, files)
		}),
		simulate.On(writer.EventPreRestore, simulate.Behavior{Do: func(ctx context.Context, e *writer.Event) {
			for _, c := range e.Components {
				c.RestoreTarget = vss.RestoreTargetAlternate
			}
		}}))
	w := newWorld(t, ledger)
	r := w.open(t, requestor.WindowsOptions{})
	sim := w.fake.R.(requestor.Restorer)
	info := ledger.Info()

	doc := requestor.NewBackupDocument(requestor.BackupState{SelectComponents: true})
	if _, err := doc.AddComponent(info.InstanceID, info.ClassID, key); err != nil {
		t.Fatal(err)
	}
	xml, err := doc.XML()
	if err != nil {
		t.Fatal(err)
	}
	// The fake records InitializeForRestore and PreRestore without
	// passing them on: the simulated session is driven to them directly.
	if err := sim.InitializeForRestore(ctx, xml); err != nil {
		t.Fatal(err)
	}
	if err := w.fake.R.GatherWriterMetadata(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sim.SetSelectedForRestore(ctx, info.ClassID, key, true); err != nil {
		t.Fatal(err)
	}
	if err := r.SetRestoreOptions(ctx, info.ClassID, key, "replay-log=no"); err != nil {
		t.Fatal(err)
	}
	if err := r.SetAdditionalRestores(ctx, info.ClassID, key, true); err != nil {
		t.Fatal(err)
	}
	moved := files
	moved.AlternatePath = `D:\moved`
	if err := r.AddNewTarget(ctx, info.ClassID, key, moved); err != nil {
		t.Fatal(err)
	}
	if err := r.AddRestoreSubcomponent(ctx, info.ClassID, key, `orders\2024`, "january"); !errors.Is(err, vss.ErrInvalidArg) && !errors.Is(err, vss.ErrObjectNotFound) {
		t.Errorf("AddRestoreSubcomponent of a subcomponent the writer does not declare = %v, want the session's error through COM", err)
	}
	if err := r.SetRestoreState(ctx, vss.RestoreImport); err != nil {
		t.Fatal(err)
	}
	if err := sim.PreRestore(ctx); err != nil {
		t.Fatal(err)
	}
	wcs, err := r.WriterComponents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(wcs) != 1 || wcs[0].ClassID != info.ClassID || wcs[0].InstanceID != info.InstanceID || len(wcs[0].Components) != 1 {
		t.Fatalf("WriterComponents = %+v", wcs)
	}
	c := wcs[0].Components[0]
	if c.Key() != key || !c.SelectedForRestore || !c.AdditionalRestores || c.RestoreOptions != "replay-log=no" ||
		c.RestoreTarget != vss.RestoreTargetAlternate {
		t.Errorf("component through GetWriterComponents = %+v", c)
	}
	alt := files
	alt.AlternatePath = `E:\alternate`
	if err := r.AddAlternativeLocationMapping(ctx, info.ClassID, key, alt); err != nil {
		t.Fatal(err)
	}
	if err := r.SetFileRestoreStatus(ctx, info.ClassID, key, vss.FileRestoreFailed); err != nil {
		t.Fatal(err)
	}
	if err := sim.PostRestore(ctx); err != nil {
		t.Fatal(err)
	}
	if e := ledger.LastEvent(writer.EventPreRestore); e == nil || e.RestoreType != vss.RestoreImport {
		t.Errorf("the writer's PreRestore: %+v, want VSS_RTYPE_IMPORT", e)
	}
	e := ledger.LastEvent(writer.EventPostRestore)
	if e == nil || len(e.Components) != 1 {
		t.Fatalf("the writer's PostRestore: %+v", e)
	}
	got := e.Components[0]
	if got.FileRestoreStatus != vss.FileRestoreFailed || len(got.NewTargets) != 1 || !reflect.DeepEqual(got.NewTargets[0], moved) ||
		len(got.AlternateLocations) != 1 || !reflect.DeepEqual(got.AlternateLocations[0], alt) {
		t.Errorf("the writer saw %+v", got)
	}
}
