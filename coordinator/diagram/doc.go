// Package diagram draws the trace of a VSS backup session
// ([]coordinator.Record) for people: Mermaid returns a Mermaid sequence
// diagram of every call, event and answer between the requestor, VSS, the
// writers, the providers and the volumes; SVG returns a self-contained SVG
// timeline with a lane per participant and time on the x axis. Both show
// when writers were frozen and writes held, against the freeze window (60 s
// unless a writer asks for another) and the 10 s flush-and-hold window,
// and both mark every failure.
//
// Any trace works: a session's (coordinator.Session.Trace), a simulated
// run's (explore.Run.Trace: draw a failing run with
// diagram.Mermaid(run.Trace)), or the records a test collected with
// Config.OnRecord. The diagrams are read from the records' typed fields,
// never from their text, and every name is escaped, so a writer called
// `Say "hi"; #1: <b>` draws as it is spelt.
//
//	os.WriteFile("backup.mmd", []byte(diagram.Mermaid(s.Trace())), 0o644)
//	os.WriteFile("backup.svg", []byte(diagram.SVG(s.Trace(), diagram.Title("nightly backup"))), 0o644)
//
// Mermaid's renderer refuses diagrams longer than its maxTextSize setting
// (50,000 characters by default), about 800 records; raise it to draw
// longer traces.
package diagram
