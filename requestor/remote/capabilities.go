package remote

import (
	"context"
	"slices"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// restoreCalls forwards requestor.Restorer to the agent.
type restoreCalls struct{ s *Session }

// InitializeForRestore implements requestor.Restorer.
func (r restoreCalls) InitializeForRestore(ctx context.Context, bcdXML string) error {
	_, err := r.s.call(ctx, "InitializeForRestore", &callArgs{BCD: bcdXML})
	return err
}

// SetSelectedForRestore implements requestor.Restorer.
func (r restoreCalls) SetSelectedForRestore(ctx context.Context, class vss.ID, key writer.ComponentKey, selected bool) error {
	_, err := r.s.call(ctx, "SetSelectedForRestore", &callArgs{Class: class, Key: key, Flag: selected})
	return err
}

// PreRestore implements requestor.Restorer.
func (r restoreCalls) PreRestore(ctx context.Context) error {
	_, err := r.s.call(ctx, "PreRestore", nil)
	return err
}

// PostRestore implements requestor.Restorer.
func (r restoreCalls) PostRestore(ctx context.Context) error {
	_, err := r.s.call(ctx, "PostRestore", nil)
	return err
}

// queryCalls forwards requestor.Querier to the agent.
type queryCalls struct{ s *Session }

// Query implements requestor.Querier.
func (q queryCalls) Query(ctx context.Context) ([]provider.Snapshot, error) {
	res, err := q.s.call(ctx, "Query", nil)
	if err != nil {
		return nil, err
	}
	return res.Snapshots, nil
}

// metadataCalls forwards requestor.MetadataSaver to the agent.
type metadataCalls struct{ s *Session }

// WriterMetadataXML implements requestor.MetadataSaver.
func (m metadataCalls) WriterMetadataXML(ctx context.Context) ([]string, error) {
	res, err := m.s.call(ctx, "WriterMetadataXML", nil)
	if err != nil {
		return nil, err
	}
	return res.Documents, nil
}

// withCapabilities returns s with exactly the capabilities the agent's
// session has, so that a tool's type assertion (r.(requestor.Restorer))
// answers as it would on the agent.
func withCapabilities(s *Session, caps []string) requestor.Requestor {
	r, q, m := slices.Contains(caps, capRestore), slices.Contains(caps, capQuery), slices.Contains(caps, capMetadata)
	rc, qc, mc := restoreCalls{s}, queryCalls{s}, metadataCalls{s}
	switch {
	case r && q && m:
		return struct {
			*Session
			restoreCalls
			queryCalls
			metadataCalls
		}{s, rc, qc, mc}
	case r && q:
		return struct {
			*Session
			restoreCalls
			queryCalls
		}{s, rc, qc}
	case r && m:
		return struct {
			*Session
			restoreCalls
			metadataCalls
		}{s, rc, mc}
	case q && m:
		return struct {
			*Session
			queryCalls
			metadataCalls
		}{s, qc, mc}
	case r:
		return struct {
			*Session
			restoreCalls
		}{s, rc}
	case q:
		return struct {
			*Session
			queryCalls
		}{s, qc}
	case m:
		return struct {
			*Session
			metadataCalls
		}{s, mc}
	}
	return s
}
