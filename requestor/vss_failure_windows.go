//go:build windows && (amd64 || arm64)

package requestor

import (
	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// readWriterStatus reads, on the COM thread, the writers' status that
// GatherWriterStatus gathered: through IVssBackupComponentsEx3::
// GetWriterStatusEx, with the application's failure code and message,
// where VSS has it (GetWriterStatus otherwise); and, in a backup whose
// requestor selected components, the failures the writers recorded for
// them (IVssComponentEx2::GetFailure on each component GetWriterComponents
// gives).
func (w *winRequestor) readWriterStatus() ([]WriterStatus, error) {
	st, err := w.bc.WriterStatus()
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	selected := w.selected
	w.mu.Unlock()
	var failures map[vss.ID][]ComponentFailure
	if selected {
		fs, err := w.bc.ComponentFailures()
		if err != nil {
			return nil, err
		}
		failures = map[vss.ID][]ComponentFailure{}
		for inst, list := range fs {
			for _, f := range list {
				failures[inst] = append(failures[inst], ComponentFailure{
					Component: writer.ComponentKey{Type: f.Type, LogicalPath: f.LogicalPath, Name: f.Name},
					Failure:   writer.Failure{Code: f.Code, Application: f.Application, Message: f.Message},
				})
			}
		}
	}
	out := make([]WriterStatus, len(st))
	for i, s := range st {
		out[i] = WriterStatus{InstanceID: s.InstanceID, ClassID: s.ClassID, Name: s.Name, State: s.State, Failure: s.Failure,
			ApplicationFailure: s.ApplicationFailure, ApplicationMessage: s.ApplicationMessage,
			ComponentFailures: failures[s.InstanceID]}
		if s.Failure.Failed() || s.State.Failed() {
			out[i].FailedAt = failedAt(s.State)
			out[i].Detail = s.Failure.Error()
		}
	}
	return out, nil
}
