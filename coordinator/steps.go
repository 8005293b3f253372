package coordinator

// Step is one of the eleven steps of a VSS backup, as every trace record
// numbers them (Record.Step): what happens in it, in this library's words.
type Step struct {
	Number int
	// Title says in a few words who does what, for example "VSS freezes
	// the writers".
	Title string
	// Text says what happens in the step and why, in a sentence or two.
	Text string
}

var steps = [...]Step{
	{1, "The requestor asks VSS to gather the writers' metadata",
		"The requestor (the backup tool) opens a backup session, says what kind of backup it makes, and asks VSS " +
			"to collect every writer's description of its data: VSS sends Identify to every writer."},
	{2, "VSS contacts the provider of each volume",
		"The requestor starts a shadow copy set and adds its volumes. For each volume VSS asks the providers " +
			"which one supports it, prefers a hardware provider, then a software one, then the system provider, " +
			"and tells the chosen one to prepare a shadow copy."},
	{3, "The writers describe their data and prepare for the backup",
		"Each writer answers Identify with its writer metadata document (its components, their files and how to " +
			"restore them); PrepareBackup then tells it what the backup includes, so that it can get ready for the freeze."},
	{4, "The writers' metadata reaches the requestor",
		"The requestor reads the writer metadata documents to know what to back up and how each writer wants it restored."},
	{5, "The requestor asks VSS to create the shadow copy",
		"The requestor calls DoSnapshotSet; from here to step 9 VSS runs the creation on its own and the call " +
			"returns when the shadow copies exist, or when the set failed."},
	{6, "VSS freezes the writers",
		"Writers get PrepareSnapshot, then Freeze: front-end writers first, then back-end, then system ones. " +
			"A frozen writer's application finishes what it was writing and holds back new writes, so that its " +
			"files on the volume are consistent. A writer may stay frozen for its freeze window, 60 s unless it asks for another."},
	{7, "VSS tells the providers to create the shadow copy",
		"The providers get PreCommitSnapshots; VSS then flushes the file systems and holds every write to the " +
			"set's volumes, for at most 10 s: writes issued now wait and are not lost."},
	{8, "The providers create the shadow copy",
		"Inside the hold each provider commits its shadow copies: each holds its volume exactly as it is at " +
			"that instant. VSS then releases the held writes, which reach the volume and not the shadow copy."},
	{9, "VSS thaws the writers",
		"Writers get Thaw, in the reverse order of Freeze, and their applications write again, changes held " +
			"during the freeze first. The providers finish the set and writers get PostSnapshot."},
	{10, "The backup data is read from the shadow copy",
		"The requestor checks every writer's status and reads the files from the shadow copies, while the " +
			"applications go on changing the live volumes."},
	{11, "The requestor stores the data with the metadata",
		"The requestor stores the data with the writer metadata and the backup components document, tells the " +
			"writers that the backup is complete (BackupComplete) and ends the session (BackupShutdown)."},
}

// Steps returns the eleven steps of a VSS backup, in order.
func Steps() []Step { return append([]Step(nil), steps[:]...) }

// StepOf returns step n (1 to 11); ok is false for any other n.
func StepOf(n int) (s Step, ok bool) {
	if n < 1 || n > len(steps) {
		return Step{}, false
	}
	return steps[n-1], true
}
