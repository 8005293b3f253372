package simulate

import (
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/vsskit/vss/coordinator"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/writer"
)

// Config describes a simulated backup session.
type Config struct {
	// Seed chooses every random decision of the run: the order in which
	// concurrent participants run, jitter, and the snapshot set and
	// snapshot IDs. The same seed gives the same trace.
	Seed uint64
	// Source, if set, replaces the seed as the source of every choice (for
	// example a BytesSource fed by go test -fuzz).
	Source Source
	// Writers and Providers take part in the session.
	Writers   []writer.Writer
	Providers []provider.Provider
	// Volumes holds writes during the commit (a *VolumeSet, usually).
	Volumes coordinator.WriteHolder
	// Jitter delays every answer by a seeded amount up to this much.
	Jitter time.Duration
	// HoldTimeout, EventTimeout and ProviderTimeout override the
	// coordinator's defaults.
	HoldTimeout, EventTimeout, ProviderTimeout time.Duration
	// Logger, if set, receives the trace as log/slog records.
	Logger *slog.Logger
	// OnRecord, if set, is called with every trace record as it happens.
	OnRecord func(coordinator.Record)
}

// NewSession returns a coordinator session that runs on a new Loop in
// virtual time, and the loop. Use the session as any requestor.Requestor;
// read its trace with Session.Trace.
func NewSession(cfg Config) (*coordinator.Session, *Loop, error) {
	loop := NewLoop(cfg.Seed)
	if cfg.Source != nil {
		loop = NewLoopFrom(cfg.Source)
	}
	loop.SetJitter(cfg.Jitter)
	s, err := coordinator.New(coordinator.Config{
		Writers: cfg.Writers, Providers: cfg.Providers, Volumes: cfg.Volumes,
		Runtime: loop, IDs: idStream(loop.Rand()),
		HoldTimeout: cfg.HoldTimeout, EventTimeout: cfg.EventTimeout, ProviderTimeout: cfg.ProviderTimeout,
		Logger: cfg.Logger, OnRecord: cfg.OnRecord,
	})
	if err != nil {
		return nil, nil, err
	}
	return s, loop, nil
}

// idStream returns the source of a session's snapshot set and snapshot IDs:
// a stream seeded once from src. The IDs are still chosen by the seed (or
// the fuzzer's bytes), but a source that repeats itself, as a fuzzer's
// bytes often do, cannot make two IDs collide.
func idStream(src Source) Source {
	var seed [32]byte
	_, _ = src.Read(seed[:])
	return rand.NewChaCha8(seed)
}

// Computer is a simulated computer that several requestors use at once:
// one VSS service (coordinator.Service) over the writers, providers and
// volumes of a Config, on one virtual-time Loop. Each session opened with
// NewSession is one requestor's backup components object, on a Lane of
// the loop: the sessions share the writers, the providers, the volumes
// and the rule that only one snapshot set is created at a time on the
// computer (a second requestor's StartSnapshotSet fails with
// VSS_E_SNAPSHOT_SET_IN_PROGRESS meanwhile), in one seeded, deterministic
// run.
type Computer struct {
	loop *Loop
	svc  *coordinator.Service
	cfg  Config
}

// SessionConfig describes one requestor's session on a Computer.
type SessionConfig struct {
	// Logger, if set, receives the session's trace as log/slog records.
	Logger *slog.Logger
	// OnRecord, if set, is called with every trace record of the session
	// as it happens.
	OnRecord func(coordinator.Record)
}

// NewComputer returns the computer cfg describes, on a new Loop seeded
// by cfg.Seed (or cfg.Source). cfg.Logger and cfg.OnRecord are not used:
// each session has its own (SessionConfig).
func NewComputer(cfg Config) (*Computer, error) {
	loop := NewLoop(cfg.Seed)
	if cfg.Source != nil {
		loop = NewLoopFrom(cfg.Source)
	}
	loop.SetJitter(cfg.Jitter)
	svc, err := coordinator.NewService(coordinator.ServiceConfig{Writers: cfg.Writers, Providers: cfg.Providers, Volumes: cfg.Volumes})
	if err != nil {
		return nil, err
	}
	return &Computer{loop: loop, svc: svc, cfg: cfg}, nil
}

// Loop returns the computer's loop: its virtual clock, and where
// applications and callbacks (Loop.After) are scheduled.
func (c *Computer) Loop() *Loop { return c.loop }

// Service returns the computer's VSS service.
func (c *Computer) Service() *coordinator.Service { return c.svc }

// NewSession opens a requestor's session on the computer, on a lane of
// its own. Its snapshot set and snapshot IDs are drawn from the loop's
// seed, so the order in which sessions are opened is part of the run.
func (c *Computer) NewSession(sc SessionConfig) (*coordinator.Session, error) {
	return c.svc.NewSession(coordinator.Config{
		Runtime: c.loop.Lane(), IDs: idStream(c.loop.Rand()),
		HoldTimeout: c.cfg.HoldTimeout, EventTimeout: c.cfg.EventTimeout, ProviderTimeout: c.cfg.ProviderTimeout,
		Logger: sc.Logger, OnRecord: sc.OnRecord,
	})
}
