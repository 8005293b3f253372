package simulate

import (
	"fmt"
	"io/fs"
)

// UnawareApp is a simulated application that knows nothing of VSS: it
// writes each record as several blocks, one write after the other, and
// has no writer to quiesce it. VSS's flush and hold delays its writes
// during the commit, so nothing is lost, but a shadow copy is only crash
// consistent: the commit may fall between two blocks of a record, and the
// copy then holds a torn record (see CheckSnapshot).
//
// Its clients' requests and the timing of every write come from the Loop
// given to Start, so a seed reproduces them. Like the Loop, it must be
// used by one goroutine.
type UnawareApp struct{ *appEngine }

// NewUnawareApp returns an application that is not VSS-aware, writing to
// vol. It does nothing until Start.
func NewUnawareApp(vol *Volume, cfg AppConfig) *UnawareApp {
	a := &UnawareApp{newAppEngine(vol, cfg, false)}
	a.check = a.checkSnapshotData
	return a
}

// CheckSnapshot checks that every record in fsys, a shadow copy of the
// application's volume, is whole or absent. Because the application is not
// VSS-aware this may fail: the error then wraps ErrTornRecord and names the
// torn records.
func (a *UnawareApp) CheckSnapshot(fsys fs.FS) error {
	data, _, err := a.readFiles(fsys)
	if err != nil {
		return err
	}
	return a.checkSnapshotData(data, nil)
}

// checkSnapshotData is CheckSnapshot on the application's files as read.
func (a *UnawareApp) checkSnapshotData(data, _ []byte) error {
	var errs []error
	for id := range a.records(data, nil) {
		parts, _, err := a.recordState(data, nil, id)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%v: %w", err, ErrTornRecord))
		case parts != 0 && parts != a.cfg.Blocks:
			errs = append(errs, fmt.Errorf("record %d is torn: %d of its %d blocks: %w", id, parts, a.cfg.Blocks, ErrTornRecord))
		}
	}
	return firstErrs(errs)
}
