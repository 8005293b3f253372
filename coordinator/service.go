package coordinator

import (
	"sync"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

// ServiceConfig describes what one computer's VSS service holds for every
// requestor that uses it.
type ServiceConfig struct {
	// Writers are the writers subscribed to the service: every session
	// sends them the events of its backup. Instance IDs must be unique.
	Writers []writer.Writer
	// Providers are the snapshot providers registered with the service.
	// IDs must be unique.
	Providers []provider.Provider
	// Volumes, if set, holds writes on the computer's volumes while a
	// set is committed.
	Volumes WriteHolder
}

// Service is the Volume Shadow Copy Service of one computer, as several
// requestors share it: its subscribed writers, its registered providers,
// the flush and hold of its volumes, and the rule that only one shadow
// copy set is being created at a time on the computer, whichever
// requestor creates it.
//
// Each requestor's backup components object is a Session opened on the
// service with NewSession; sessions are used as any requestor.Requestor,
// from any goroutines, and each keeps its own state machine, trace and
// runtime. A session made with New has a service of its own.
//
// A set is being created from the StartSnapshotSet that starts it until
// DoSnapshotSet returns (whether it created the set or failed), or the
// backup is aborted (AbortBackup, a cancelled call) or the session is
// closed. Meanwhile StartSnapshotSet in any other session of the service
// fails with vss.ErrSnapshotSetInProgress (VSS_E_SNAPSHOT_SET_IN_PROGRESS),
// and succeeds again once the set is done. This follows Microsoft's pages:
// IVssBackupComponents::StartSnapshotSet returns that code when "the
// creation of a shadow copy is in progress, and only one shadow copy
// creation operation can be in progress at one time" ("either wait to try
// again or return with a failure error code"), and
// IVssBackupComponents::AbortBackup must end a backup that stops "after
// the creation of a shadow copy set with StartSnapshotSet and before
// DoSnapshotSet returns": that span is the creation in progress.
type Service struct {
	writers   []writer.Writer
	providers []provider.Provider
	volumes   WriteHolder
	winfos    []writer.Info
	pinfos    []provider.Info

	mu       sync.Mutex
	creating *Session // the session whose set is being created, or nil
	setID    vss.ID   // its set, once StartSnapshotSet returned
}

// NewService returns the VSS service of a computer over its writers,
// providers and volumes. It fails with vss.ErrInvalidArg for a nil or
// duplicate writer and vss.ErrProviderAlreadyRegistered for a provider
// registered twice.
func NewService(cfg ServiceConfig) (*Service, error) {
	svc := &Service{}
	if err := svc.init(cfg, "coordinator.NewService"); err != nil {
		return nil, err
	}
	return svc, nil
}

// init checks the participants of cfg and keeps them.
func (svc *Service) init(cfg ServiceConfig, op string) error {
	// Duplicate IDs are found by scanning while participants are few.
	const scanned = 16
	infos := make([]writer.Info, 0, len(cfg.Writers))
	var byInstance map[vss.ID]int
	if len(cfg.Writers) > scanned {
		byInstance = make(map[vss.ID]int, len(cfg.Writers))
	}
	for i, w := range cfg.Writers {
		if w == nil {
			return vss.Errorf(vss.ErrInvalidArg, op, "writer %d is nil", i)
		}
		info := w.Info()
		if prev := firstWithID(i, func(j int) vss.ID { return infos[j].InstanceID }, byInstance, info.InstanceID); prev >= 0 {
			return vss.Errorf(vss.ErrInvalidArg, op, "writers %q and %q share instance ID %v", infos[prev].Name, info.Name, info.InstanceID)
		}
		if byInstance != nil {
			byInstance[info.InstanceID] = i
		}
		infos = append(infos, info)
	}
	pinfos := make([]provider.Info, 0, len(cfg.Providers))
	var byID map[vss.ID]int
	if len(cfg.Providers) > scanned {
		byID = make(map[vss.ID]int, len(cfg.Providers))
	}
	for i, p := range cfg.Providers {
		if p == nil {
			return vss.Errorf(vss.ErrInvalidArg, op, "provider %d is nil", i)
		}
		info := p.Info()
		if firstWithID(i, func(j int) vss.ID { return pinfos[j].ID }, byID, info.ID) >= 0 {
			return vss.Errorf(vss.ErrProviderAlreadyRegistered, op, "provider ID %v registered twice", info.ID)
		}
		if byID != nil {
			byID[info.ID] = i
		}
		pinfos = append(pinfos, info)
	}
	svc.writers, svc.providers, svc.volumes = cfg.Writers, cfg.Providers, cfg.Volumes
	svc.winfos, svc.pinfos = infos, pinfos
	return nil
}

// NewSession opens a requestor's session on the service: a backup
// components object of the computer. cfg says how the session runs
// (Runtime, Clock, IDs, time-outs, Logger, OnRecord); its Writers,
// Providers and Volumes must be empty, for they are the service's. Sessions
// of one service may be used at the same time, from any goroutines; in
// the simulator, several sessions share one virtual-time loop, each on a
// lane of its own (simulate.Loop.Lane).
func (svc *Service) NewSession(cfg Config) (*Session, error) {
	if len(cfg.Writers) > 0 || len(cfg.Providers) > 0 || cfg.Volumes != nil {
		return nil, vss.Errorf(vss.ErrInvalidArg, "coordinator.Service.NewSession",
			"a session of a service uses the service's writers, providers and volumes; leave them out of its Config")
	}
	s := &Session{}
	s.open(svc, cfg)
	return s, nil
}

// SetInProgress returns the snapshot set being created on the computer
// (StartSnapshotSet returned it, and neither DoSnapshotSet nor an abort
// has ended it yet), and whether there is one.
func (svc *Service) SetInProgress() (vss.ID, bool) {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	return svc.setID, svc.creating != nil
}

// claim makes s the session whose set is being created, unless another
// one is: then it returns false and the other's set (nil until its
// StartSnapshotSet returned).
func (svc *Service) claim(s *Session) (vss.ID, bool) {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if svc.creating != nil && svc.creating != s {
		return svc.setID, false
	}
	svc.creating, svc.setID = s, vss.NilID
	return vss.NilID, true
}

// creatingSet notes that s's set id is being created.
func (svc *Service) creatingSet(s *Session, id vss.ID) {
	svc.mu.Lock()
	if svc.creating == s {
		svc.setID = id
	}
	svc.mu.Unlock()
}

// release ends s's claim: its set is created, failed or abandoned.
func (svc *Service) release(s *Session) {
	svc.mu.Lock()
	if svc.creating == s {
		svc.creating, svc.setID = nil, vss.NilID
	}
	svc.mu.Unlock()
}

// startsSet reports whether StartSnapshotSet would start a set now: no
// call is in progress, the phase allows it and the session has no set.
func (m *Machine) startsSet() bool {
	return m.cur == nil && m.phase.Legal(CallStartSnapshotSet) && m.set == nil
}

// creatingSet returns the session's set while it is being created: built
// by StartSnapshotSet and AddToSnapshotSet, or committed by DoSnapshotSet,
// and neither aborted nor closed.
func (m *Machine) creatingSet() (vss.ID, bool) {
	if m.phase == PhaseAborted || m.phase == PhaseClosed || m.set == nil || (m.set.state != setBuilding && m.set.state != setCreating) {
		return vss.NilID, false
	}
	return m.set.id, true
}

// claimSet is the computer-wide rule of StartSnapshotSet, checked before
// the call reaches the machine: if the call would start a set while
// another session's set is being created, it answers the call into r with
// vss.ErrSnapshotSetInProgress and returns false; otherwise the session
// claims the service's set slot, which syncSet gives back once the
// session's set is no longer being created. It runs under s.mu.
func (s *Session) claimSet(c *Call, r *Reply) bool {
	if s.holdsSet || !s.m.startsSet() {
		return true
	}
	other, ok := s.svc.claim(s)
	if ok {
		s.holdsSet = true
		return true
	}
	why := "another requestor's snapshot set is being created; only one set is created at a time on a computer: wait and try again"
	if other != vss.NilID {
		why = "snapshot set " + other.String() + " of another requestor is being created; only one set is created at a time on a computer: wait and try again"
	}
	out := s.m.refuse(s.rt.Now(), c, vss.ErrSnapshotSetInProgress, why)
	*r = *out.Reply
	return false
}

// syncSet tells the service what became of the session's set after a
// call: still being created, or done (created, failed, aborted, closed),
// which frees the computer for another set. It runs under s.mu and costs
// a test of a flag when the session holds no claim.
func (s *Session) syncSet() {
	if !s.holdsSet {
		return
	}
	if id, ok := s.m.creatingSet(); ok {
		s.svc.creatingSet(s, id)
		return
	}
	s.holdsSet = false
	s.svc.release(s)
}
