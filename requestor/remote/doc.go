// Package remote runs a VSS backup across two machines, the seed's remote
// configuration: a client agent on the protected machine hosts the
// requestor session beside VSS (steps 1 to 10), and a client on the backup
// server drives it and receives the shadow copy's data (steps 10 and 11).
//
// The Agent serves a requestor session (requestor.NewWindows on the
// protected machine, a simulated machine's session anywhere) over HTTPS.
// The client, Dial and Client.NewSession, is a requestor.Requestor, so
// requestor.Backup and requestor.Restore run unchanged against a remote
// machine:
//
//	opts, err := remote.LoadOptions("agent.token", "agent.pem", "", "")
//	c, err := remote.Dial(ctx, "protected-host:8443", opts)
//	r, err := c.NewSession(ctx)
//	defer r.Close()
//	res, err := requestor.Backup(ctx, r, plan)
//	// or, a stored backup put back on the protected machine:
//	rres, err := requestor.Restore(ctx, r, media, requestor.RestorePlan{Target: r.Target()})
//
// SnapshotFS returns an fs.FS whose files are opened, stat'ed, listed and
// read on the agent: a file's bytes stream as they are read, and ReadAt
// and Seek ask for byte ranges, so no file is held whole in memory on
// either side.
//
// # Capabilities
//
// A Session implements every capability the protocol carries:
// requestor.Restorer, Querier, MetadataSaver, WriterChooser,
// IncrementalBackuper and ExclusionReporter (not Sleeper: a retried
// backup waits on a real timer on the client). This library's rule, as Go
// cannot make a type with exactly the methods a session announces at run
// time: Session.Capabilities says which the agent's session has (the
// Windows requestor has all but ExclusionReporter), and a call of one it
// lacks fails with vss.ErrNotSupported without reaching the agent. Tools
// that type-assert a capability fall back on that error where they can:
// media.WriterMetadataXML writes the parsed documents instead, and
// requestor.Restore fails with it as it fails on a local session that
// cannot restore. ExclusionReporter's Exclusions needs the session open.
//
// # Restoring through the agent
//
// Session.Target is the requestor.Target on the agent's machine
// (AgentConfig.RestoreTarget: the simulated machine's volumes, a
// requestor.DirTarget on Windows; without one the agent refuses restore
// writes with vss.ErrNotSupported). The agent checks every volume, path
// and link target as it checks a read's path (ErrPathRefused), and the
// target itself refuses a path that leads out through a link (os.Root
// for DirTarget). WriteFile streams the file's bytes in the request body,
// never held whole, up to AgentConfig.MaxRestoreFile
// (DefaultMaxRestoreFile, 64 GiB) per file (ErrTooLarge beyond); a body
// cut short (the client's read failed, a stored file did not match its
// digest) leaves nothing at the path.
//
// # Security
//
// The agent serves TLS 1.3 only, over HTTP/1.1. Every request but the
// health check must authenticate, by a bearer token (compared in constant
// time) or by a client certificate the agent pins (mutual TLS: the
// certificate itself, byte for byte, within its validity period); an agent
// has at least one of them. A request without valid credentials is
// answered 401 before it is routed, so it learns nothing, not even which
// endpoints exist, and makes no requestor call. Request bodies are
// limited: AgentConfig.MaxRequestBody (64 KiB by default) for a call's
// arguments, AgentConfig.MaxDocumentBody (64 MiB) for the calls that carry
// a backup components document. Every path read from a shadow copy is
// checked before it is opened (ErrPathRefused): no .., no absolute path,
// no Windows drive, stream or device name (\ : CON NUL COM1...), and
// every element a directory or, the last, a regular file; links
// (symbolic links, junctions) and other special files are never
// followed. A client (an identity: a token's name or a certificate) has
// one session at a time, and an agent at most AgentConfig.MaxSessions.
// Every request is logged (log/slog) with the client's identity, the
// endpoint, the status and the duration.
//
// # Cancellation, deadlines and leases
//
// A call's context crosses the wire. Its deadline is sent with the call
// (Vss-Timeout-Ms) and applied by the agent. When the context ends
// first, the client closes the connection, which cancels the call on the
// agent at once (DoSnapshotSet then aborts the set: writers thawed, no
// shadow copy left), and the client's next call first has the agent
// cancel the abandoned call and wait for it to return, so that the
// clean-up of requestor.Backup (AbortBackup, DeleteSnapshots) finds the
// session at rest.
//
// A client that disappears without a word (its machine frozen, the
// network cut) loses its session on the agent: every request renews the
// session's lease, and the client renews it every third of the lease,
// DefaultLease (30 s) unless AgentConfig.Lease says otherwise. Once the
// lease has run out, DefaultLease after the client's last request, the
// agent cancels the call in progress, calls AbortBackup, deletes the
// shadow copy sets the session started and did not complete
// (DeleteSnapshots, each bounded by requestor.CleanupTimeout), and closes
// the requestor session (BackupShutdown). No writer is left frozen: the
// abort of DoSnapshotSet thaws them, and in any case a writer is never
// frozen longer than its freeze window (60 s). A client whose connection
// closes (its process died) has its call in progress cancelled at once,
// and its session ended when the lease runs out.
//
// # Wire protocol, version 1
//
// Requests and answers are JSON, except file contents. Every endpoint but
// the health check needs the credentials (Authorization: Bearer TOKEN, or
// the client certificate). IDs are GUIDs as VSS prints them.
//
//	GET    /v1/health                      200 "ok\n"; no credentials, nothing revealed
//	GET    /v1/whoami                      {"client": identity}: checks the credentials
//	POST   /v1/sessions                    {} -> 201 {"id", "lease_ms", "capabilities": [...]}
//	DELETE /v1/sessions/{id}               Close: 204, or the error of the requestor's Close
//	POST   /v1/sessions/{id}/lease         renews the lease: 204
//	POST   /v1/sessions/{id}/calls/{call}  runs a requestor call: 200 with its result
//	POST   /v1/sessions/{id}/cancel        {"call": N}: cancels call N and waits for it: 204
//	GET    /v1/sessions/{id}/snapshots/{snapshot}/stat?path=P   {"name", "size", "mode", "mtime"}
//	GET    /v1/sessions/{id}/snapshots/{snapshot}/dir?path=P    [{"name", "size", "mode", "mtime"}...], sorted by name
//	GET    /v1/sessions/{id}/snapshots/{snapshot}/file?path=P   the bytes; Range: bytes=A-B or bytes=A- gives 206
//	GET    /v1/sessions/{id}/target/exists?volume=V&path=P      {"exists": true|false}
//	POST   /v1/sessions/{id}/target/mkdir?volume=V&path=P       204
//	PUT    /v1/sessions/{id}/target/file?volume=V&path=P&mode=M&mtime=T   the bytes (chunked) -> 204
//	POST   /v1/sessions/{id}/target/symlink?volume=V&path=P&link=L        204
//
// The capabilities are named restore, query, metadata-xml, writer-choice,
// incremental, exclusions (requestor.Restorer, Querier, MetadataSaver,
// WriterChooser, IncrementalBackuper, ExclusionReporter) and
// restore-target (the agent has a restore target for the session). In a
// target request M is the file's permission bits in octal and T its
// modification time (RFC 3339), both optional; a target call without a
// target answers 501.
//
// {call} is a requestor.Requestor method or a capability's, by its name
// (InitializeForBackup, SetContext, SetBackupState, GatherWriterMetadata,
// WriterMetadata, StartSnapshotSet, AddToSnapshotSet, AddComponent,
// PrepareForBackup, DoSnapshotSet, GatherWriterStatus, WriterStatus,
// GetSnapshotProperties, SnapshotFS, SetBackupSucceeded, BackupComplete,
// AbortBackup, DeleteSnapshots, SaveAsXML; InitializeForRestore,
// SetSelectedForRestore, AddRestoreSubcomponent, SetRestoreOptions,
// SetAdditionalRestores, AddNewTarget, AddAlternativeLocationMapping,
// SetFileRestoreStatus, SetRestoreState, WriterComponents, PreRestore,
// PostRestore; Query; WriterMetadataXML; EnableWriterClasses,
// DisableWriterClasses, DisableWriterInstances; SetPreviousBackupStamp,
// SetBackupOptions; Exclusions). Its body holds its arguments: "bcd" (a
// backup components document), "context", "state"
// (requestor.BackupState), "volume", "id", "provider", "instance",
// "class", "key" (writer.ComponentKey), "flag" (succeeded, selected,
// additional restores), "object_type", "ids" (writer classes or
// instances), "text" (a backup stamp, backup or restore options),
// "sub_logical_path" and "sub_name" (a subcomponent), "files"
// (writer.FileSpec), "file_restore_status", "restore_type". Its answer
// holds its results: "id", "document", "documents" (writer metadata
// documents as XML, which the client parses again), "writers"
// (requestor.WriterStatus), "snapshot", "snapshots" (provider.Snapshot),
// "count", "components" (requestor.WriterComponents), "exclusions"
// (requestor.Exclusion). The header Vss-Call numbers the call in its
// session, for cancel; Vss-Timeout-Ms is the time left before the call's
// deadline. // Snapshot reads need SnapshotFS first, in the same session.
//
// # Errors
//
// A refused or failed request answers a status other than 2xx and an
// error:
//
//	{"hresult": 2147754753, "op": "PrepareForBackup", "detail": "...", "message": "...", "is": ["canceled"]}
//
// hresult is the HRESULT the agent's error carries (vss.CodeOf), omitted
// when it carries none; op and detail are those of its *vss.Error (or, for
// a file, of its *fs.PathError); message is its text; is names the other
// sentinels it matches: canceled, deadline (context), not-exist, exist,
// permission, invalid, closed (io/fs), path-refused, unauthorized,
// session-busy, session-limit, no-session, too-large, lease-expired,
// protocol (this package). The client rebuilds a *vss.Error with the same
// HRESULT, op and detail, wrapping those sentinels, so errors.Is(err,
// vss.ErrBadState), errors.As to *vss.Error and errors.Is(err,
// fs.ErrNotExist) hold as they would on the agent, and the text is the
// same. File errors come back as *fs.PathError. The statuses: 401 bad
// credentials, 403 a path refused, 404 no such session, snapshot, file or
// endpoint, 409 the client already has a session, 413 a body over its
// limit, 416 a range outside the file, 422 the call failed, 501 no
// restore target, 503 too many sessions or the agent is closing.
package remote
