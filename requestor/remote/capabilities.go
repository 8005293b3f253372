package remote

import (
	"context"
	"slices"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// A Session implements every capability the protocol carries, whatever
// the agent's session has: Go cannot make a type with exactly the methods
// a session announces at run time, and the combinations of six
// capabilities are too many to spell out. Capabilities says which the
// agent's session has; a call of one it lacks fails with
// vss.ErrNotSupported, on the client, without a request.
var (
	_ requestor.Restorer            = (*Session)(nil)
	_ requestor.Querier             = (*Session)(nil)
	_ requestor.MetadataSaver       = (*Session)(nil)
	_ requestor.WriterChooser       = (*Session)(nil)
	_ requestor.IncrementalBackuper = (*Session)(nil)
	_ requestor.ExclusionReporter   = (*Session)(nil)
)

// Capabilities returns the capabilities of the agent's session, by their
// wire names (CapRestore, CapQuery, CapMetadata, CapWriterChoice,
// CapIncremental, CapExclusions, and CapRestoreTarget when the agent has
// somewhere to restore files to), in that order.
func (s *Session) Capabilities() []string { return slices.Clone(s.caps) }

// Has reports whether the agent's session has the capability named (one
// of the Cap names).
func (s *Session) Has(capability string) bool { return slices.Contains(s.caps, capability) }

// capCall runs a capability's call, or fails with vss.ErrNotSupported
// when the agent's session lacks the capability.
func (s *Session) capCall(ctx context.Context, capability, method string, args *callArgs) (*callResult, error) {
	if !s.Has(capability) {
		return nil, vss.Errorf(vss.ErrNotSupported, method, "the agent's session has no %s capability", capability)
	}
	return s.call(ctx, method, args)
}

// InitializeForRestore implements requestor.Restorer.
func (s *Session) InitializeForRestore(ctx context.Context, bcdXML string) error {
	_, err := s.capCall(ctx, CapRestore, "InitializeForRestore", &callArgs{BCD: bcdXML})
	return err
}

// SetSelectedForRestore implements requestor.Restorer.
func (s *Session) SetSelectedForRestore(ctx context.Context, class vss.ID, key writer.ComponentKey, selected bool) error {
	_, err := s.capCall(ctx, CapRestore, "SetSelectedForRestore", &callArgs{Class: class, Key: key, Flag: selected})
	return err
}

// PreRestore implements requestor.Restorer.
func (s *Session) PreRestore(ctx context.Context) error {
	_, err := s.capCall(ctx, CapRestore, "PreRestore", nil)
	return err
}

// PostRestore implements requestor.Restorer.
func (s *Session) PostRestore(ctx context.Context) error {
	_, err := s.capCall(ctx, CapRestore, "PostRestore", nil)
	return err
}

// AddRestoreSubcomponent implements requestor.Restorer.
func (s *Session) AddRestoreSubcomponent(ctx context.Context, class vss.ID, key writer.ComponentKey, subLogicalPath, subName string) error {
	_, err := s.capCall(ctx, CapRestore, "AddRestoreSubcomponent", &callArgs{Class: class, Key: key, SubLogicalPath: subLogicalPath, SubName: subName})
	return err
}

// SetRestoreOptions implements requestor.Restorer.
func (s *Session) SetRestoreOptions(ctx context.Context, class vss.ID, key writer.ComponentKey, options string) error {
	_, err := s.capCall(ctx, CapRestore, "SetRestoreOptions", &callArgs{Class: class, Key: key, Text: options})
	return err
}

// SetAdditionalRestores implements requestor.Restorer.
func (s *Session) SetAdditionalRestores(ctx context.Context, class vss.ID, key writer.ComponentKey, additional bool) error {
	_, err := s.capCall(ctx, CapRestore, "SetAdditionalRestores", &callArgs{Class: class, Key: key, Flag: additional})
	return err
}

// AddNewTarget implements requestor.Restorer.
func (s *Session) AddNewTarget(ctx context.Context, class vss.ID, key writer.ComponentKey, files writer.FileSpec) error {
	_, err := s.capCall(ctx, CapRestore, "AddNewTarget", &callArgs{Class: class, Key: key, Files: &files})
	return err
}

// AddAlternativeLocationMapping implements requestor.Restorer.
func (s *Session) AddAlternativeLocationMapping(ctx context.Context, class vss.ID, key writer.ComponentKey, files writer.FileSpec) error {
	_, err := s.capCall(ctx, CapRestore, "AddAlternativeLocationMapping", &callArgs{Class: class, Key: key, Files: &files})
	return err
}

// SetFileRestoreStatus implements requestor.Restorer.
func (s *Session) SetFileRestoreStatus(ctx context.Context, class vss.ID, key writer.ComponentKey, status vss.FileRestoreStatus) error {
	_, err := s.capCall(ctx, CapRestore, "SetFileRestoreStatus", &callArgs{Class: class, Key: key, FileRestoreStatus: status})
	return err
}

// SetRestoreState implements requestor.Restorer.
func (s *Session) SetRestoreState(ctx context.Context, t vss.RestoreType) error {
	_, err := s.capCall(ctx, CapRestore, "SetRestoreState", &callArgs{RestoreType: t})
	return err
}

// WriterComponents implements requestor.Restorer.
func (s *Session) WriterComponents(ctx context.Context) ([]*requestor.WriterComponents, error) {
	res, err := s.capCall(ctx, CapRestore, "WriterComponents", nil)
	if err != nil {
		return nil, err
	}
	return res.Components, nil
}

// Query implements requestor.Querier.
func (s *Session) Query(ctx context.Context) ([]provider.Snapshot, error) {
	res, err := s.capCall(ctx, CapQuery, "Query", nil)
	if err != nil {
		return nil, err
	}
	return res.Snapshots, nil
}

// WriterMetadataXML implements requestor.MetadataSaver. Against an agent
// whose session lacks the capability it fails with vss.ErrNotSupported;
// media.WriterMetadataXML then writes the parsed documents out instead.
func (s *Session) WriterMetadataXML(ctx context.Context) ([]string, error) {
	res, err := s.capCall(ctx, CapMetadata, "WriterMetadataXML", nil)
	if err != nil {
		return nil, err
	}
	return res.Documents, nil
}

// EnableWriterClasses implements requestor.WriterChooser.
func (s *Session) EnableWriterClasses(ctx context.Context, classes []vss.ID) error {
	_, err := s.capCall(ctx, CapWriterChoice, "EnableWriterClasses", &callArgs{IDs: classes})
	return err
}

// DisableWriterClasses implements requestor.WriterChooser.
func (s *Session) DisableWriterClasses(ctx context.Context, classes []vss.ID) error {
	_, err := s.capCall(ctx, CapWriterChoice, "DisableWriterClasses", &callArgs{IDs: classes})
	return err
}

// DisableWriterInstances implements requestor.WriterChooser.
func (s *Session) DisableWriterInstances(ctx context.Context, instances []vss.ID) error {
	_, err := s.capCall(ctx, CapWriterChoice, "DisableWriterInstances", &callArgs{IDs: instances})
	return err
}

// SetPreviousBackupStamp implements requestor.IncrementalBackuper.
func (s *Session) SetPreviousBackupStamp(ctx context.Context, class vss.ID, key writer.ComponentKey, stamp string) error {
	_, err := s.capCall(ctx, CapIncremental, "SetPreviousBackupStamp", &callArgs{Class: class, Key: key, Text: stamp})
	return err
}

// SetBackupOptions implements requestor.IncrementalBackuper.
func (s *Session) SetBackupOptions(ctx context.Context, class vss.ID, key writer.ComponentKey, options string) error {
	_, err := s.capCall(ctx, CapIncremental, "SetBackupOptions", &callArgs{Class: class, Key: key, Text: options})
	return err
}

// Exclusions implements requestor.ExclusionReporter: the agent's
// session's exclusions. Against an agent whose session lacks the
// capability (the Windows requestor) it fails with vss.ErrNotSupported.
func (s *Session) Exclusions(ctx context.Context) ([]requestor.Exclusion, error) {
	res, err := s.capCall(ctx, CapExclusions, "Exclusions", nil)
	if err != nil {
		return nil, err
	}
	return res.Exclusions, nil
}
