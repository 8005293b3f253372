package coordinator

import (
	"context"
	"strings"

	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// exclude takes writer w out of the backup, for the reason why: it gets
// no more events, Abort and BackupShutdown included, and takes no part in
// the shadow copy. The exclusion is recorded in the trace and kept for
// Exclusions.
func (m *Machine) exclude(w *writerSlot, why string) {
	if w.excluded != "" {
		return
	}
	w.excluded = why
	m.exclusions = append(m.exclusions, requestor.Exclusion{WriterInstance: w.info.InstanceID,
		WriterClass: w.info.ClassID, Writer: w.info.Name, Reason: why})
	m.record(m.step, &Record{Kind: RecState, Actor: w.actor, Decision: DecisionWriterExcluded, Detail: why})
}

// excludeUnselected runs at PrepareForBackup, in component mode. First it
// leaves out every selected component with files on a volume outside the
// snapshot set (this library's rule: Microsoft does not say what VSS does
// with such a component, and a backup of it would miss those files
// silently); diskshadow reports such components "excluded" too. Then it
// excludes every writer left with no component selected: "Writers with no
// components added to a requester's Backup Components Document prior to
// the generation of a PrepareForBackup event ... receive no events after
// this point and will not participate in the backup" (Microsoft's
// "Working with Selectability and Logical Paths").
func (m *Machine) excludeUnselected() {
	if !m.bs.SelectComponents {
		return
	}
	for _, w := range m.writers {
		if !w.takesPart() {
			continue
		}
		sel := m.selectedOf(w)
		kept := sel[:0:0]
		for _, c := range sel {
			if vol := m.volumeOutsideSet(w.md, c.Key()); vol != "" {
				why := "files of " + c.Key().String() + " lie on " + vol + ", which is not in the snapshot set"
				m.exclusions = append(m.exclusions, requestor.Exclusion{WriterInstance: w.info.InstanceID,
					WriterClass: w.info.ClassID, Writer: w.info.Name, Component: c.Key(), Volume: vol, Reason: why})
				m.record(m.step, &Record{Kind: RecState, Actor: w.actor, Decision: DecisionComponentExcluded, Detail: why})
				continue
			}
			kept = append(kept, c)
		}
		if len(kept) < len(sel) {
			if len(kept) == 0 {
				delete(m.selected, w.info.InstanceID)
			} else {
				m.selected[w.info.InstanceID] = kept
			}
		}
		if len(kept) == 0 {
			why := "no component selected before PrepareForBackup"
			if len(sel) > 0 {
				why = "every component selected has files on a volume outside the snapshot set"
			}
			m.exclude(w, why)
		}
	}
}

// volumeOutsideSet returns a volume, not in the snapshot set, on which
// files of the component key of the writer metadata md lie, or "". The
// component's files are its own and those of the components of its
// component set (under it in the logical path), which are backed up with
// it. A path names its volume by its drive (`D:\data` is on `D:\`) or
// lies under a volume of the set (a volume mounted at a folder); a path
// that names neither (`%SystemRoot%\...`) cannot be placed and excludes
// nothing.
func (m *Machine) volumeOutsideSet(md *writer.Metadata, key writer.ComponentKey) string {
	if md == nil {
		return ""
	}
	full := key.Name
	if key.LogicalPath != "" {
		full = key.LogicalPath + `\` + key.Name
	}
	for _, c := range md.Components {
		if c.Key() != key && !strings.EqualFold(c.LogicalPath, full) &&
			!hasPrefixFold(c.LogicalPath, full+`\`) {
			continue
		}
		for _, files := range [][]writer.FileSpec{c.Files, c.DatabaseFiles, c.LogFiles} {
			for _, f := range files {
				if vol := m.outsideSet(f.Path); vol != "" {
					return vol
				}
			}
		}
	}
	return ""
}

// outsideSet returns the volume of path when neither it nor any volume of
// the set holds path, or "".
func (m *Machine) outsideSet(path string) string {
	if len(path) < 2 || path[1] != ':' {
		return "" // not a drive path: its volume is unknown
	}
	if m.set != nil {
		for _, v := range m.set.names {
			root := v
			if !strings.HasSuffix(root, `\`) {
				root += `\`
			}
			if hasPrefixFold(path+`\`, root) {
				return ""
			}
		}
	}
	return strings.ToUpper(path[:2]) + `\`
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Exclusions returns what the session left out so far: see
// requestor.ExclusionReporter.
func (m *Machine) Exclusions() []requestor.Exclusion {
	return append([]requestor.Exclusion(nil), m.exclusions...)
}

var _ requestor.ExclusionReporter = (*Session)(nil)

// Exclusions implements requestor.ExclusionReporter.
func (s *Session) Exclusions(context.Context) ([]requestor.Exclusion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.Exclusions(), nil
}
