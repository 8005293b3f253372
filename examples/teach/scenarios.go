package main

import (
	"fmt"
	"time"

	"github.com/vsskit/vss"
)

// scenario is one story teach tells: a machine, a backup, and what to look
// at.
type scenario struct {
	name    string
	summary string // one line, for -list
	intro   string // printed before the run
	seed    uint64 // the default seed: one where the story shows
	machine machine
	// components makes the requestor back up one component of Orders DB
	// only (component mode).
	components bool
	// busy, when set, has another requestor on the computer start a
	// snapshot set first and hold it this long before it gives it up.
	busy time.Duration
	// restore backs up the orders database, unnarrated, then narrates its
	// restore onto a fresh machine (restore.go).
	restore bool
	// remote puts the requestor on another machine: it drives the session
	// through a client agent (package requestor/remote) on 127.0.0.1.
	remote bool
}

// The seed the stories share by default. With it, the web log's record
// that no writer quiesces is torn in the shadow copy of no-writer, and the
// same record is whole in normal's: TestNoWriterTearsWhatNormalKeepsWhole
// keeps it so.
const defaultSeed = 32

var scenarios = []*scenario{
	{
		name:    "normal",
		summary: "a backup that works: every step from 1 to 11, and consistent data in the shadow copies",
		intro: "Two volumes: C:\\ holds an orders database behind the back-end writer \"Orders DB\"; D:\\ holds a " +
			"web shop's access log behind the front-end writer \"Web Log\". \"System Writer\" stands for the " +
			"system's own writers. Both applications write records of several blocks all along. Watch the " +
			"writers freeze (front end, back end, system), the writes held for the commit, the thaw in reverse " +
			"order, and the shadow copies: every record in them is whole.",
		seed: defaultSeed,
	},
	{
		name:    "writer-veto",
		summary: "Orders DB vetoes at PrepareBackup (VSS_E_WRITERERROR_RETRYABLE): it takes no further part, and the backup fails at the status check",
		intro: "The machine of normal, but the orders database is in the middle of a schema upgrade: \"Orders DB\" " +
			"fails PrepareBackup with VSS_E_WRITERERROR_RETRYABLE, a veto. A writer's failure never fails the " +
			"requestor's call: VSS records it, the writer takes no part in creating the shadow copy (it is never " +
			"frozen, so its data in the shadow copy is only crash consistent), and the requestor learns of it when it gathers the " +
			"writers' status. This requestor goes on to the shadow copy and checks the writers at step 10, as " +
			"the eleven steps have it; a careful tool would also check right after PrepareForBackup and stop " +
			"there.",
		seed:    defaultSeed,
		machine: machine{ordersVeto: fmt.Errorf("orders database: a schema upgrade is running: %w", vss.ErrWriterRetryable)},
	},
	{
		name:    "freeze-timeout",
		summary: "Orders DB takes 65 s to freeze: Web Log, frozen first, outstays its 60 s freeze window and is failed and aborted",
		intro: "The machine of normal, but \"Orders DB\" takes 65 s to freeze (it checkpoints a large database, " +
			"and asked for a freeze window of 2 minutes). Writers freeze one level after the other, so " +
			"\"Web Log\", a front-end writer frozen first, waits frozen all that time. 60 s after its Freeze its " +
			"freeze window ends: VSS fails it with VSS_E_WRITERERROR_TIMEOUT and sends it Abort at once, so its " +
			"application writes again before the shadow copy is taken. The set is still created; the requestor " +
			"sees the failure in the writer status and gives the backup up.",
		seed:    defaultSeed,
		machine: machine{ordersFreeze: 65 * time.Second, ordersWindow: 2 * time.Minute},
	},
	{
		name:    "commit-timeout",
		summary: "a hardware provider takes 12 s to commit D:\\: the 10 s flush-and-hold window is exceeded and the whole set fails (VSS_E_FLUSH_WRITES_TIMEOUT)",
		intro: "The machine of normal with a storage array's hardware provider for D:\\, which VSS prefers to the " +
			"system provider. Its commit takes 12 s, and VSS holds writes for at most 10 s: past that, the set " +
			"fails with VSS_E_FLUSH_WRITES_TIMEOUT. There is no partial commit: the shadow copy of C:\\, which the " +
			"system provider committed at once, is dropped too, the writers get Abort, and DoSnapshotSet " +
			"returns the error.",
		seed:    defaultSeed,
		machine: machine{hardwareCommit: 12 * time.Second},
	},
	{
		name:    "no-writer",
		summary: "the access log has no writer: its shadow copy is only crash consistent and holds a torn record; the orders database's is whole",
		intro: "The machine of normal, but the web log application knows nothing of VSS: no writer freezes it. " +
			"VSS's flush and hold still delays its writes during the commit, so nothing is lost, but the commit " +
			"may fall between two blocks of a record: the shadow copy of D:\\ is then crash consistent, not " +
			"application consistent, and holds a torn record. The orders database, frozen by its writer, has " +
			"only whole records in the shadow copy of C:\\.",
		seed:    defaultSeed,
		machine: machine{weblogUnaware: true},
	},
	{
		name:    "busy",
		summary: "another requestor holds the snapshot set: StartSnapshotSet fails with VSS_E_SNAPSHOT_SET_IN_PROGRESS; the tool waits, retries and succeeds once that set is done",
		intro: "The machine of normal, where another backup tool is at work: it has started a shadow copy set of its " +
			"own and holds it for 5 s before it gives it up. VSS creates one shadow copy set at a time on a " +
			"computer, whichever requestor asks: while that set is in creation (from its StartSnapshotSet until its " +
			"DoSnapshotSet returns or its backup is aborted), this backup's StartSnapshotSet fails with " +
			"VSS_E_SNAPSHOT_SET_IN_PROGRESS. That is no reason to give up: the tool waits and tries again, as " +
			"Microsoft advises, and once the other set is done its own starts and the backup goes on as in normal.",
		seed: defaultSeed,
		busy: 5 * time.Second,
	},
	{
		name:    "component",
		summary: "component mode: the requestor selects one component of Orders DB and copies only its files",
		intro: "The machine of normal, backed up in component mode: the requestor reads the writers' metadata, " +
			"selects the \"orders\" database of \"Orders DB\" and nothing else, and copies only its files. The " +
			"writers learn at PrepareBackup what is selected. A writer with no component selected takes no part " +
			"after Identify: Web Log and System Writer get no PrepareBackup, Freeze or Thaw, and only Orders DB's " +
			"component is reported as backed up (SetBackupSucceeded). In component mode the metadata must be read " +
			"(step 4) before components are chosen, and VSS takes the components before the snapshot set is " +
			"started (step 2), so step 4 comes first here.",
		seed:       defaultSeed,
		components: true,
	},
	{
		name:    "restore",
		summary: "the orders database, backed up as in component, is restored onto a fresh disk: PreRestore, the files back, PostRestore, the writers' status",
		intro: "First a backup runs as in component (not narrated here: -scenario component shows it), and the " +
			"requestor stores what step 11 stores: the files of the orders database read from the shadow copy, " +
			"the backup components document and the writers' metadata. Then the disk is lost. On a fresh machine " +
			"the orders application is installed again and starts with no data; a restore session puts the " +
			"backup back. A restore is none of the eleven steps of a backup (its trace records say step 0): the " +
			"requestor loads the saved document, gathers the writers' metadata, selects the component to " +
			"restore, and VSS sends PreRestore to its writer, which stops its application. The requestor writes " +
			"the files where the writer's restore method says, reports how it went, and VSS sends PostRestore: " +
			"the application reloads the restored data, checks it, and works again. A restore has no Abort: a " +
			"writer's failure shows in its status only.",
		seed:    defaultSeed,
		restore: true,
	},
	{
		name:    "remote",
		summary: "the seed's remote configuration: the requestor on a backup server drives VSS through a client agent on the protected machine",
		intro: "The machine of normal, but the requestor is not on it: it runs on a backup server and reaches the " +
			"protected machine through its client agent, which hosts the VSS session there and serves it over " +
			"HTTPS (TLS 1.3, a bearer token). Every call crosses the wire and runs on the protected machine, so " +
			"the steps are those of normal, in the same order; at step 10 the agent streams the shadow copies' " +
			"files to the backup server as it reads them, and at step 11 the backup server stores them. Had the " +
			"backup server vanished in the middle, the agent would have aborted the backup once its lease " +
			"(30 s) ran out: no writer left frozen, no shadow copy left behind.",
		seed:   defaultSeed,
		remote: true,
	},
}

func scenarioNamed(name string) (*scenario, bool) {
	for _, s := range scenarios {
		if s.name == name {
			return s, true
		}
	}
	return nil, false
}
