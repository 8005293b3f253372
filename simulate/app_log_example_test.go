package simulate_test

import (
	"context"
	"fmt"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// A database's writer keeps its transaction log. A copy backup leaves the
// log alone; a full backup truncates it at BackupComplete, so only the
// backup holds the log files it had. A tool that does not keep the
// application's logs takes copy backups.
func ExampleAppLog() {
	vol := simulate.NewVolume(`C:\`)
	vols := simulate.NewVolumeSet(vol)
	log := simulate.NewAppLog(vol, "log")
	db := simulate.NewScriptedWriter("Database", simulate.WithAppLog(log))
	for _, bt := range []vss.BackupType{vss.BackupCopy, vss.BackupFull} {
		if _, err := log.Append([]byte("transactions")); err != nil {
			fmt.Println(err)
			return
		}
		session, _, err := simulate.NewSession(simulate.Config{Seed: 1, Writers: []writer.Writer{db},
			Providers: []provider.Provider{simulate.NewSystemProvider(vols)}, Volumes: vols})
		if err != nil {
			fmt.Println(err)
			return
		}
		_, err = requestor.Backup(context.Background(), session, requestor.Plan{Volumes: []string{`C:\`}, Type: bt,
			Copy: func(context.Context, *requestor.CopySource) error { return nil }})
		session.Close()
		files, _ := log.Files()
		fmt.Printf("after a %v backup: %d log files (%v)\n", bt, len(files), err)
	}
	// Output:
	// after a VSS_BT_COPY backup: 1 log files (<nil>)
	// after a VSS_BT_FULL backup: 0 log files (<nil>)
}
