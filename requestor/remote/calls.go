package remote

import (
	"context"
	"fmt"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
)

// agentCall is one requestor call as the agent runs it.
type agentCall struct {
	document bool // its body carries a backup components document
	run      func(ctx context.Context, s *agentSession, a *callArgs) (*callResult, error)
}

// none wraps a call that returns nothing but its error.
func none(f func(ctx context.Context, r requestor.Requestor, a *callArgs) error) agentCall {
	return agentCall{run: func(ctx context.Context, s *agentSession, a *callArgs) (*callResult, error) {
		return nil, f(ctx, s.r, a)
	}}
}

// capability runs a call of capability T (requestor.Restorer, Querier...),
// or fails with vss.ErrNotSupported when the session lacks it.
func capability[T any](what string, f func(ctx context.Context, c T, a *callArgs) (*callResult, error)) func(context.Context, *agentSession, *callArgs) (*callResult, error) {
	return func(ctx context.Context, s *agentSession, a *callArgs) (*callResult, error) {
		c, ok := s.r.(T)
		if !ok {
			return nil, vss.Errorf(vss.ErrNotSupported, "remote", "the agent's session cannot %s", what)
		}
		return f(ctx, c, a)
	}
}

// restorer runs a requestor.Restorer call that returns nothing but its
// error.
func restorer(f func(ctx context.Context, r requestor.Restorer, a *callArgs) error) func(context.Context, *agentSession, *callArgs) (*callResult, error) {
	return capability("restore", func(ctx context.Context, r requestor.Restorer, a *callArgs) (*callResult, error) {
		return nil, f(ctx, r, a)
	})
}

// needFiles refuses a call without its file set.
func needFiles(method string, a *callArgs) error {
	if a.Files == nil {
		return fmt.Errorf("%w: %s without a file set", ErrProtocol, method)
	}
	return nil
}

// calls are the requestor calls of the protocol, by their
// IVssBackupComponents names (the Requestor method names).
var calls = map[string]agentCall{
	"InitializeForBackup": {document: true, run: func(ctx context.Context, s *agentSession, a *callArgs) (*callResult, error) {
		return nil, s.r.InitializeForBackup(ctx, a.BCD)
	}},
	"SetContext": none(func(ctx context.Context, r requestor.Requestor, a *callArgs) error {
		return r.SetContext(ctx, a.Context)
	}),
	"SetBackupState": none(func(ctx context.Context, r requestor.Requestor, a *callArgs) error {
		if a.State == nil {
			return fmt.Errorf("%w: SetBackupState without a state", ErrProtocol)
		}
		return r.SetBackupState(ctx, *a.State)
	}),
	"GatherWriterMetadata": none(func(ctx context.Context, r requestor.Requestor, _ *callArgs) error {
		return r.GatherWriterMetadata(ctx)
	}),
	"WriterMetadata": {run: func(ctx context.Context, s *agentSession, _ *callArgs) (*callResult, error) {
		md, err := s.r.WriterMetadata(ctx)
		if err != nil {
			return nil, err
		}
		res := &callResult{Documents: make([]string, len(md))}
		for i, m := range md {
			if res.Documents[i], err = m.XML(); err != nil {
				return nil, vss.Errorf(vss.ErrInvalidXMLDocument, "WriterMetadata", "writer %q: %w", m.Name, err)
			}
		}
		return res, nil
	}},
	"StartSnapshotSet": {run: func(ctx context.Context, s *agentSession, _ *callArgs) (*callResult, error) {
		id, err := s.r.StartSnapshotSet(ctx)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.sets = append(s.sets, id)
		s.mu.Unlock()
		return &callResult{ID: id}, nil
	}},
	"AddToSnapshotSet": {run: func(ctx context.Context, s *agentSession, a *callArgs) (*callResult, error) {
		id, err := s.r.AddToSnapshotSet(ctx, a.Volume, a.Provider)
		return &callResult{ID: id}, err
	}},
	"AddComponent": none(func(ctx context.Context, r requestor.Requestor, a *callArgs) error {
		return r.AddComponent(ctx, a.Instance, a.Class, a.Key)
	}),
	"PrepareForBackup":   none(func(ctx context.Context, r requestor.Requestor, _ *callArgs) error { return r.PrepareForBackup(ctx) }),
	"DoSnapshotSet":      none(func(ctx context.Context, r requestor.Requestor, _ *callArgs) error { return r.DoSnapshotSet(ctx) }),
	"GatherWriterStatus": none(func(ctx context.Context, r requestor.Requestor, _ *callArgs) error { return r.GatherWriterStatus(ctx) }),
	"WriterStatus": {run: func(ctx context.Context, s *agentSession, _ *callArgs) (*callResult, error) {
		st, err := s.r.WriterStatus(ctx)
		return &callResult{Writers: st}, err
	}},
	"GetSnapshotProperties": {run: func(ctx context.Context, s *agentSession, a *callArgs) (*callResult, error) {
		p, err := s.r.GetSnapshotProperties(ctx, a.ID)
		return &callResult{Snapshot: &p}, err
	}},
	"SnapshotFS": {run: func(ctx context.Context, s *agentSession, a *callArgs) (*callResult, error) {
		fsys, err := s.r.SnapshotFS(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		if fsys == nil {
			return nil, vss.Errorf(vss.ErrNotSupported, "SnapshotFS", "the shadow copy cannot be read on the agent")
		}
		s.mu.Lock()
		s.snapshots[a.ID] = newSnapshotFS(fsys)
		s.mu.Unlock()
		return nil, nil
	}},
	"SetBackupSucceeded": none(func(ctx context.Context, r requestor.Requestor, a *callArgs) error {
		return r.SetBackupSucceeded(ctx, a.Instance, a.Class, a.Key, a.Flag)
	}),
	"BackupComplete": {run: func(ctx context.Context, s *agentSession, _ *callArgs) (*callResult, error) {
		if err := s.r.BackupComplete(ctx); err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.completed = true
		s.mu.Unlock()
		return nil, nil
	}},
	"AbortBackup": none(func(ctx context.Context, r requestor.Requestor, _ *callArgs) error { return r.AbortBackup(ctx) }),
	"DeleteSnapshots": {run: func(ctx context.Context, s *agentSession, a *callArgs) (*callResult, error) {
		n, err := s.r.DeleteSnapshots(ctx, a.ID, a.ObjectType)
		return &callResult{Count: n}, err
	}},
	"SaveAsXML": {run: func(ctx context.Context, s *agentSession, _ *callArgs) (*callResult, error) {
		doc, err := s.r.SaveAsXML(ctx)
		return &callResult{Document: doc}, err
	}},

	// requestor.Restorer
	"InitializeForRestore": {document: true, run: restorer(func(ctx context.Context, r requestor.Restorer, a *callArgs) error {
		return r.InitializeForRestore(ctx, a.BCD)
	})},
	"SetSelectedForRestore": {run: restorer(func(ctx context.Context, r requestor.Restorer, a *callArgs) error {
		return r.SetSelectedForRestore(ctx, a.Class, a.Key, a.Flag)
	})},
	"PreRestore":  {run: restorer(func(ctx context.Context, r requestor.Restorer, _ *callArgs) error { return r.PreRestore(ctx) })},
	"PostRestore": {run: restorer(func(ctx context.Context, r requestor.Restorer, _ *callArgs) error { return r.PostRestore(ctx) })},

	"AddRestoreSubcomponent": {run: restorer(func(ctx context.Context, r requestor.Restorer, a *callArgs) error {
		return r.AddRestoreSubcomponent(ctx, a.Class, a.Key, a.SubLogicalPath, a.SubName)
	})},
	"SetRestoreOptions": {run: restorer(func(ctx context.Context, r requestor.Restorer, a *callArgs) error {
		return r.SetRestoreOptions(ctx, a.Class, a.Key, a.Text)
	})},
	"SetAdditionalRestores": {run: restorer(func(ctx context.Context, r requestor.Restorer, a *callArgs) error {
		return r.SetAdditionalRestores(ctx, a.Class, a.Key, a.Flag)
	})},
	"AddNewTarget": {run: restorer(func(ctx context.Context, r requestor.Restorer, a *callArgs) error {
		if err := needFiles("AddNewTarget", a); err != nil {
			return err
		}
		return r.AddNewTarget(ctx, a.Class, a.Key, *a.Files)
	})},
	"AddAlternativeLocationMapping": {run: restorer(func(ctx context.Context, r requestor.Restorer, a *callArgs) error {
		if err := needFiles("AddAlternativeLocationMapping", a); err != nil {
			return err
		}
		return r.AddAlternativeLocationMapping(ctx, a.Class, a.Key, *a.Files)
	})},
	"SetFileRestoreStatus": {run: restorer(func(ctx context.Context, r requestor.Restorer, a *callArgs) error {
		return r.SetFileRestoreStatus(ctx, a.Class, a.Key, a.FileRestoreStatus)
	})},
	"SetRestoreState": {run: restorer(func(ctx context.Context, r requestor.Restorer, a *callArgs) error {
		return r.SetRestoreState(ctx, a.RestoreType)
	})},
	"WriterComponents": {run: capability("restore", func(ctx context.Context, r requestor.Restorer, _ *callArgs) (*callResult, error) {
		wc, err := r.WriterComponents(ctx)
		return &callResult{Components: wc}, err
	})},

	// requestor.Querier
	"Query": {run: capability("query shadow copies", func(ctx context.Context, q requestor.Querier, _ *callArgs) (*callResult, error) {
		snaps, err := q.Query(ctx)
		return &callResult{Snapshots: snaps}, err
	})},

	// requestor.MetadataSaver
	"WriterMetadataXML": {run: capability("save writer metadata", func(ctx context.Context, m requestor.MetadataSaver, _ *callArgs) (*callResult, error) {
		docs, err := m.WriterMetadataXML(ctx)
		return &callResult{Documents: docs}, err
	})},

	// requestor.WriterChooser
	"EnableWriterClasses": {run: capability("choose writers", func(ctx context.Context, c requestor.WriterChooser, a *callArgs) (*callResult, error) {
		return nil, c.EnableWriterClasses(ctx, a.IDs)
	})},
	"DisableWriterClasses": {run: capability("choose writers", func(ctx context.Context, c requestor.WriterChooser, a *callArgs) (*callResult, error) {
		return nil, c.DisableWriterClasses(ctx, a.IDs)
	})},
	"DisableWriterInstances": {run: capability("choose writers", func(ctx context.Context, c requestor.WriterChooser, a *callArgs) (*callResult, error) {
		return nil, c.DisableWriterInstances(ctx, a.IDs)
	})},

	// requestor.IncrementalBackuper
	"SetPreviousBackupStamp": {run: capability("run incremental backups", func(ctx context.Context, b requestor.IncrementalBackuper, a *callArgs) (*callResult, error) {
		return nil, b.SetPreviousBackupStamp(ctx, a.Class, a.Key, a.Text)
	})},
	"SetBackupOptions": {run: capability("run incremental backups", func(ctx context.Context, b requestor.IncrementalBackuper, a *callArgs) (*callResult, error) {
		return nil, b.SetBackupOptions(ctx, a.Class, a.Key, a.Text)
	})},

	// requestor.ExclusionReporter
	"Exclusions": {run: capability("report exclusions", func(ctx context.Context, e requestor.ExclusionReporter, _ *callArgs) (*callResult, error) {
		ex, err := e.Exclusions(ctx)
		return &callResult{Exclusions: ex}, err
	})},
}

// objectSnapshotSet is provider.ObjectSnapshotSet, for the agent's
// clean-up.
const objectSnapshotSet = provider.ObjectSnapshotSet
