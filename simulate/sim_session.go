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
