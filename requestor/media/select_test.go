package media

import (
	"bytes"
	"context"
	"path"
	"slices"
	"testing"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// selectiveBackup backs up a simulated C:\ whose Orders writer declares
// the component "orders" (ProgramData/Orders/*.db) and excludes *.tmp,
// storing what copy picks, and returns the archive's entries as read
// back.
func selectiveBackup(t *testing.T, plan requestor.Plan, copy func(mw *Writer, src *requestor.CopySource) error) map[string][]byte {
	t.Helper()
	vol := simulate.NewVolume(`C:\`)
	for name, data := range map[string]string{
		"ProgramData/Orders/orders.db":  "orders",
		"ProgramData/Orders/orders.tmp": "scratch",
		"ProgramData/Orders/notes.txt":  "notes",
		"Users/ann/plan.txt":            "plan",
		"Users/ann/plan.tmp":            "not excluded: another directory",
	} {
		if err := vol.MkdirAll(path.Dir(name)); err != nil {
			t.Fatal(err)
		}
		if err := vol.WriteFile(name, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	orders := simulate.NewScriptedWriter("Orders", simulate.WithIdentify(func(_ context.Context, md *writer.Metadata) error {
		if _, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentDatabase, Name: "orders", Selectable: true}); err != nil {
			return err
		}
		if err := md.AddDatabaseFiles("", "orders", writer.FileSpec{Path: `C:\ProgramData\Orders`, Spec: "*.db"}); err != nil {
			return err
		}
		return md.AddExcludeFiles(writer.FileSpec{Path: `C:\ProgramData\Orders`, Spec: "*.tmp"})
	}))
	vols := simulate.NewVolumeSet(vol)
	s, _, err := simulate.NewSession(simulate.Config{Writers: []writer.Writer{orders},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out bytes.Buffer
	mw := NewWriter(&out)
	plan.Volumes = []string{`C:\`}
	plan.Copy = func(_ context.Context, src *requestor.CopySource) error { return copy(mw, src) }
	res, err := requestor.Backup(context.Background(), s, plan)
	if err != nil {
		t.Fatal(err)
	}
	wmd, err := WriterMetadataXML(context.Background(), s, res)
	if err != nil {
		t.Fatal(err)
	}
	if err := mw.Finish(res.BackupDocument, wmd); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// With Exclude set to the writers' exclude lists, CopySnapshots stores
// the whole volume less the files those lists name, and counts them.
func TestExcludeWritersLeavesOutExcludedFiles(t *testing.T) {
	var excluded int
	got := selectiveBackup(t, requestor.Plan{}, func(mw *Writer, src *requestor.CopySource) error {
		mw.Exclude = ExcludeWriters(src.Excludes())
		err := mw.CopySnapshots(context.Background(), src)
		excluded = mw.Stats().Excluded
		return err
	})
	want := []string{"ProgramData/Orders/notes.txt", "ProgramData/Orders/orders.db", "Users/ann/plan.tmp", "Users/ann/plan.txt"}
	if !slices.Equal(keys(got), want) {
		t.Errorf("stored %v, want %v", keys(got), want)
	}
	if excluded != 1 {
		t.Errorf("Stats.Excluded = %d, want 1", excluded)
	}
}

// CopyFiles stores exactly the files of the components selected, with
// the directories above them, and nothing else.
func TestCopyFilesStoresTheSelectedComponents(t *testing.T) {
	var dirs int
	got := selectiveBackup(t, requestor.Plan{Select: requestor.SelectByName("Orders", "orders")},
		func(mw *Writer, src *requestor.CopySource) error {
			var files []requestor.SnapshotFile
			for _, c := range src.Components {
				fs, err := src.Files(c)
				if err != nil {
					return err
				}
				files = append(files, fs...)
			}
			files = append(files, files...) // listed twice, stored once
			err := mw.CopyFiles(context.Background(), src.Snapshots, files)
			dirs = mw.Stats().Dirs
			return err
		})
	if want := []string{"ProgramData/Orders/orders.db"}; !slices.Equal(keys(got), want) {
		t.Errorf("stored %v, want %v", keys(got), want)
	}
	if dirs != 2 {
		t.Errorf("%d directories stored, want ProgramData and ProgramData/Orders", dirs)
	}
}
