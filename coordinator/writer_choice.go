package coordinator

import (
	"context"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
)

// writerChoice is what EnableWriterClasses, DisableWriterClasses and
// DisableWriterInstances chose, as Microsoft's pages of those calls
// describe it: with none of them called every writer is enabled; the
// first EnableWriterClasses enables only the classes it names (later ones
// add to them, and a DisableWriterClasses then takes classes away); the
// first DisableWriterClasses, before any EnableWriterClasses, disables the
// classes it names and enables the others (later ones add to them);
// DisableWriterInstances disables single instances whatever their class.
type writerChoice struct {
	allow     bool            // EnableWriterClasses was called: classes lists the enabled ones
	classes   map[vss.ID]bool // the enabled classes (allow) or the disabled ones
	instances map[vss.ID]bool // the disabled instances
}

// why returns why writer w is disabled, or "" when it is enabled.
func (c *writerChoice) why(w *writerSlot) string {
	switch {
	case c.instances[w.info.InstanceID]:
		return "its instance was disabled (DisableWriterInstances)"
	case c.allow && !c.classes[w.info.ClassID]:
		return "its class is not enabled (EnableWriterClasses)"
	case !c.allow && c.classes[w.info.ClassID]:
		return "its class was disabled (DisableWriterClasses)"
	}
	return ""
}

// choose applies one of the writer choice calls. Made after
// GatherWriterMetadata it "has no effect": it succeeds and changes
// nothing.
func (m *Machine) choose(c *Call) {
	if len(c.Writers) == 0 { // "an array containing one or more" identifiers
		m.finish(vss.Errorf(vss.ErrInvalidArg, c.Kind.String(), "no writer named"))
		return
	}
	if m.phase != PhaseInitialized {
		m.finish(nil)
		return
	}
	ch := &m.choice
	switch c.Kind {
	case CallEnableWriterClasses:
		if !ch.allow { // cancels the disabled classes, enables only these
			ch.allow, ch.classes = true, map[vss.ID]bool{}
		}
		for _, id := range c.Writers {
			ch.classes[id] = true
		}
	case CallDisableWriterClasses:
		if ch.classes == nil {
			ch.classes = map[vss.ID]bool{}
		}
		for _, id := range c.Writers {
			if ch.allow {
				delete(ch.classes, id)
			} else {
				ch.classes[id] = true
			}
		}
	case CallDisableWriterInstances:
		if ch.instances == nil {
			ch.instances = map[vss.ID]bool{}
		}
		for _, id := range c.Writers {
			ch.instances[id] = true
		}
	}
	m.finish(nil)
}

// excludeDisabled excludes, at GatherWriterMetadata, every writer the
// writer choice calls disabled: it is sent no event of the session,
// Identify included.
func (m *Machine) excludeDisabled() {
	for _, w := range m.writers {
		if why := m.choice.why(w); why != "" {
			m.exclude(w, why)
		}
	}
}

var _ requestor.WriterChooser = (*Session)(nil)

// EnableWriterClasses implements requestor.WriterChooser.
func (s *Session) EnableWriterClasses(ctx context.Context, classes []vss.ID) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallEnableWriterClasses, Writers: classes}, &r)
	return r.Err
}

// DisableWriterClasses implements requestor.WriterChooser.
func (s *Session) DisableWriterClasses(ctx context.Context, classes []vss.ID) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallDisableWriterClasses, Writers: classes}, &r)
	return r.Err
}

// DisableWriterInstances implements requestor.WriterChooser.
func (s *Session) DisableWriterInstances(ctx context.Context, instances []vss.ID) error {
	var r Reply
	s.do(ctx, &Call{Kind: CallDisableWriterInstances, Writers: instances}, &r)
	return r.Err
}
