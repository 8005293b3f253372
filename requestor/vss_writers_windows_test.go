//go:build windows && (amd64 || arm64)

package requestor_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// The writer choice calls reach VSS through their vtable slots
// (EnableWriterClasses, DisableWriterClasses, DisableWriterInstances), and
// a writer left out gets no event of the session.
func TestWindowsWriterChooserThroughCOM(t *testing.T) {
	w := newWorld(t, simulate.NewScriptedWriter("Orders"), simulate.NewScriptedWriter("Registry"), simulate.NewScriptedWriter("Mail"))
	var r requestor.Requestor = w.open(t, requestor.WindowsOptions{})
	wc, ok := r.(requestor.WriterChooser)
	if !ok {
		t.Fatal("the Windows session is not a requestor.WriterChooser")
	}
	ctx := context.Background()
	if err := wc.DisableWriterInstances(ctx, nil); !errors.Is(err, vss.ErrInvalidArg) {
		t.Errorf("DisableWriterInstances of nothing = %v, want E_INVALIDARG", err)
	}
	if err := r.InitializeForBackup(ctx, ""); err != nil {
		t.Fatal(err)
	}
	registry, mail := w.writers[1].Info(), w.writers[2].Info()
	if err := wc.DisableWriterInstances(ctx, []vss.ID{registry.InstanceID}); err != nil {
		t.Fatalf("DisableWriterInstances: %v", err)
	}
	if err := wc.EnableWriterClasses(ctx, []vss.ID{w.writers[0].Info().ClassID, mail.ClassID}); err != nil {
		t.Fatalf("EnableWriterClasses: %v", err)
	}
	if err := wc.DisableWriterClasses(ctx, []vss.ID{mail.ClassID}); err != nil {
		t.Fatalf("DisableWriterClasses: %v", err)
	}
	if err := r.GatherWriterMetadata(ctx); err != nil {
		t.Fatal(err)
	}
	md, err := r.WriterMetadata(ctx)
	if err != nil || len(md) != 1 || md[0].Name != "Orders" {
		t.Errorf("WriterMetadata = %d documents, %v; want Orders alone", len(md), err)
	}
	for _, name := range []string{"Registry", "Mail"} {
		i := slices.IndexFunc(w.writers, func(x *simulate.ScriptedWriter) bool { return x.Info().Name == name })
		if n := w.writers[i].Count(writer.EventIdentify); n != 0 {
			t.Errorf("writer %s was left out but got Identify %d times", name, n)
		}
	}
	calls := w.fake.Calls()
	for _, c := range []string{"DisableWriterInstances", "EnableWriterClasses", "DisableWriterClasses"} {
		if !slices.Contains(calls, c) {
			t.Errorf("%s never reached the fake VSS: %v", c, calls)
		}
	}
}
