package coordinator

import (
	"context"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// The calls of a restore session: Session implements requestor.Restorer
// (see restore.go for the rules the machine keeps).

var _ requestor.Restorer = (*Session)(nil)

// InitializeForRestore implements requestor.Restorer.
func (s *Session) InitializeForRestore(ctx context.Context, bcdXML string) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallInitializeForRestore, BCDXML: bcdXML}, &r)
	return r.Err
}

// SetRestoreState implements requestor.Restorer.
func (s *Session) SetRestoreState(ctx context.Context, t vss.RestoreType) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallSetRestoreState, RestoreType: t}, &r)
	return r.Err
}

// SetSelectedForRestore implements requestor.Restorer.
func (s *Session) SetSelectedForRestore(ctx context.Context, class vss.ID, key writer.ComponentKey, selected bool) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallSetSelectedForRestore, ClassID: class, Component: key, Selected: selected}, &r)
	return r.Err
}

// AddRestoreSubcomponent implements requestor.Restorer.
func (s *Session) AddRestoreSubcomponent(ctx context.Context, class vss.ID, key writer.ComponentKey, subLogicalPath, subName string) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallAddRestoreSubcomponent, ClassID: class, Component: key,
		Subcomponent: writer.ComponentKey{LogicalPath: subLogicalPath, Name: subName}}, &r)
	return r.Err
}

// SetRestoreOptions implements requestor.Restorer.
func (s *Session) SetRestoreOptions(ctx context.Context, class vss.ID, key writer.ComponentKey, options string) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallSetRestoreOptions, ClassID: class, Component: key, Options: options}, &r)
	return r.Err
}

// SetAdditionalRestores implements requestor.Restorer.
func (s *Session) SetAdditionalRestores(ctx context.Context, class vss.ID, key writer.ComponentKey, additional bool) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallSetAdditionalRestores, ClassID: class, Component: key, Selected: additional}, &r)
	return r.Err
}

// AddNewTarget implements requestor.Restorer.
func (s *Session) AddNewTarget(ctx context.Context, class vss.ID, key writer.ComponentKey, files writer.FileSpec) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallAddNewTarget, ClassID: class, Component: key, Files: files}, &r)
	return r.Err
}

// AddAlternativeLocationMapping implements requestor.Restorer.
func (s *Session) AddAlternativeLocationMapping(ctx context.Context, class vss.ID, key writer.ComponentKey, files writer.FileSpec) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallAddAlternativeLocationMapping, ClassID: class, Component: key, Files: files}, &r)
	return r.Err
}

// PreRestore implements requestor.Restorer.
func (s *Session) PreRestore(ctx context.Context) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallPreRestore}, &r)
	return r.Err
}

// SetFileRestoreStatus implements requestor.Restorer.
func (s *Session) SetFileRestoreStatus(ctx context.Context, class vss.ID, key writer.ComponentKey, status vss.FileRestoreStatus) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallSetFileRestoreStatus, ClassID: class, Component: key, FileStatus: status}, &r)
	return r.Err
}

// PostRestore implements requestor.Restorer.
func (s *Session) PostRestore(ctx context.Context) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallPostRestore}, &r)
	return r.Err
}

// WriterComponents implements requestor.Restorer.
func (s *Session) WriterComponents(ctx context.Context) ([]*requestor.WriterComponents, error) {
	var r Reply
	s.do(ctx, &Call{Kind: CallWriterComponents}, &r)
	return r.Components, r.Err
}
