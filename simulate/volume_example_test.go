package simulate_test

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/simulate"
)

// A snapshot keeps the volume as it was, whatever is written afterwards.
func ExampleVolume_Snapshot() {
	v := simulate.NewVolume(`C:\`)
	_ = v.WriteFile("data.db", []byte("version 1"))

	snap := v.Snapshot()
	defer snap.Release()
	_ = v.WriteFile("data.db", []byte("version 2"))

	then, _ := fs.ReadFile(snap, "data.db")
	now, _ := v.ReadFile("data.db")
	fmt.Printf("snapshot: %s\nvolume:   %s\n", then, now)
	// Output:
	// snapshot: version 1
	// volume:   version 2
}

// While VSS holds a volume's writes, an application's writes wait in a
// queue; they are applied, in order, when the hold ends, and a snapshot
// taken during the hold does not contain them.
func ExampleVolume_Submit() {
	v := simulate.NewVolume(`C:\`)
	_ = v.WriteFile("log.txt", []byte("before;"))
	_ = v.HoldWrites()

	v.Submit(simulate.WriteAtOp("log.txt", 7, []byte("during;")), func(err error) {
		fmt.Println("write done:", err)
	})
	fmt.Println("plain write:", v.WriteAt("log.txt", 14, []byte("also held;")))
	snap := v.Snapshot() // the provider commits inside the hold
	defer snap.Release()
	_ = v.ReleaseWrites()

	inSnap, _ := fs.ReadFile(snap, "log.txt")
	live, _ := v.ReadFile("log.txt")
	fmt.Printf("snapshot: %s\nvolume:   %s\n", inSnap, live)
	// Output:
	// plain write: <nil>
	// write done: <nil>
	// snapshot: before;
	// volume:   before;during;also held;
}

// The software provider runs VSS's creation sequence over the volumes of a
// machine; its shadow copies are read through io/fs.
func ExampleSystemProvider() {
	ctx := context.Background()
	c := simulate.NewVolume(`C:\`)
	_ = c.WriteFile("data.db", []byte("committed"))
	vols := simulate.NewVolumeSet(c)
	p := simulate.NewSystemProvider(vols)

	set := vss.MustParseID("{11111111-1111-1111-1111-111111111111}")
	snapID := vss.MustParseID("{22222222-2222-2222-2222-222222222222}")
	_ = p.BeginPrepareSnapshot(ctx, set, snapID, `C:\`, vss.ContextBackup)
	_ = p.EndPrepareSnapshots(ctx, set)
	_ = p.PreCommitSnapshots(ctx, set)
	_ = vols.HoldWrites(ctx, []string{`C:\`})
	_ = p.CommitSnapshots(ctx, set)
	_ = vols.ReleaseWrites(ctx, []string{`C:\`})
	_ = p.PostCommitSnapshots(ctx, set, 1)
	_ = p.PreFinalCommitSnapshots(ctx, set)
	_ = p.PostFinalCommitSnapshots(ctx, set)
	_ = c.WriteFile("data.db", []byte("changed later"))

	props, _ := p.GetSnapshotProperties(ctx, snapID)
	fmt.Println(props.DeviceObject)
	fmt.Println(props.State, props.Attributes)
	fsys, _ := p.SnapshotFS(ctx, snapID)
	b, _ := fs.ReadFile(fsys, "data.db")
	fmt.Println(string(b))
	// Output:
	// \\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1
	// VSS_SS_CREATED DIFFERENTIAL
	// committed
}
