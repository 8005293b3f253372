package requestor

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/vsskit/vss"
)

// Retry is how Backup tries again after a failure that may pass if it
// waits: another shadow copy set being created
// (vss.ErrSnapshotSetInProgress), the flush-and-hold window missed
// (vss.ErrFlushWritesTimeout, vss.ErrHoldWritesTimeout), and a writer whose
// failure fails the backup reporting vss.ErrWriterRetryable. Any other
// failure, and any failure once the data is stored (Plan.Copy returned),
// ends the backup at once. The zero Retry makes one attempt.
//
// A session can be used for only one backup; after a failure Microsoft's
// advice is to release it and start over (Overview of Backup
// Initialization; Aborting VSS Operations). So Backup retries in two ways:
//
//   - vss.ErrSnapshotSetInProgress from StartSnapshotSet is retried in
//     place, on the same session: nothing has started yet, and
//     StartSnapshotSet's page says to "wait to try again".
//   - Every other retry is of the whole backup, on a new session that
//     Open returns. Without Open such a failure ends the backup.
//
// Between attempts Backup waits: Delay after the first failure, twice as
// long after each next one, at most MaxDelay, less a random part
// (Jitter). It waits on the session's clock when the session is a
// Sleeper (a simulated session waits in virtual time), on a real timer
// otherwise; when ctx ends during a wait the backup ends, cancelled.
// Microsoft's advice for the timeouts and retryable writers is to "wait
// ten minutes and try again, up to three times" (IVssBackupComponents::
// DoSnapshotSet, GetWriterStatus); this library's defaults wait less at
// first, as another set is usually created within seconds.
type Retry struct {
	// Attempts bounds the attempts, the first included, in-place and
	// whole-backup ones together; 0 and 1 mean no retry.
	Attempts int
	// Delay is the wait after the first failed attempt; zero means
	// DefaultRetryDelay.
	Delay time.Duration
	// MaxDelay bounds every wait; zero means DefaultRetryMaxDelay.
	MaxDelay time.Duration
	// Jitter, from 0 to 1, is the part of each wait drawn at random, so
	// that tools started together do not retry together: a wait of d
	// becomes d×(1−Jitter×u), u uniform in [0, 1). Zero waits exactly.
	Jitter float64
	// Rand draws the jitter. Give one built from a seed
	// (rand.New(rand.NewPCG(seed, 0))) for waits a run can reproduce;
	// nil draws from math/rand/v2's global generator.
	Rand *rand.Rand
	// Open opens a new session for a retry of the whole backup: a session
	// of the same kind as the one given to Backup, not yet initialized.
	// Backup closes each session Open returned once its attempt failed;
	// the session of a successful attempt is Result.Session, which the
	// caller closes.
	Open func(ctx context.Context) (Requestor, error)
}

// The waits of Retry when it does not set them.
const (
	// DefaultRetryDelay is the first wait: restic, for one, retries
	// vss.ErrSnapshotSetInProgress every five seconds. This library's
	// choice.
	DefaultRetryDelay = 5 * time.Second
	// DefaultRetryMaxDelay is the longest wait: Microsoft's ten minutes
	// (IVssBackupComponents::DoSnapshotSet).
	DefaultRetryMaxDelay = 10 * time.Minute
)

// Attempt is one try of a backup, as Result.Attempts and
// BackupError.Attempts list them.
type Attempt struct {
	// Session numbers the session the attempt ran on: 0 for the one given
	// to Backup, n for the n-th one Retry.Open returned.
	Session int
	// Step is where the attempt failed (as BackupError.Step) and Err
	// why; both are empty for the attempt that succeeded.
	Step string
	Err  error
	// Wait is how long Backup waited after this attempt before the next
	// one; zero for the last.
	Wait time.Duration
}

func (r Retry) check() error {
	switch {
	case r.Attempts < 0:
		return vss.Errorf(vss.ErrInvalidArg, "", "Retry.Attempts is %d", r.Attempts)
	case r.Delay < 0 || r.MaxDelay < 0:
		return vss.Errorf(vss.ErrInvalidArg, "", "Retry waits are negative")
	case r.Jitter < 0 || r.Jitter > 1:
		return vss.Errorf(vss.ErrInvalidArg, "", "Retry.Jitter %v is not between 0 and 1", r.Jitter)
	}
	return nil
}

// retrier keeps the attempts of one Backup and decides on the next.
type retrier struct {
	policy   Retry
	attempts []Attempt
}

// start records the start of an attempt on session n.
func (rt *retrier) start(session int) {
	rt.attempts = append(rt.attempts, Attempt{Session: session})
}

// failed records why the current attempt failed.
func (rt *retrier) failed(step string, err error) {
	a := &rt.attempts[len(rt.attempts)-1]
	a.Step, a.Err = step, err
}

// more reports whether the policy allows another attempt.
func (rt *retrier) more() bool {
	return len(rt.attempts) < max(rt.policy.Attempts, 1)
}

// wait waits before the next attempt, recording the wait with the
// current one, on s's clock if it has one. It fails when ctx ends first.
func (rt *retrier) wait(ctx context.Context, s Requestor) error {
	d := rt.delay(len(rt.attempts))
	rt.attempts[len(rt.attempts)-1].Wait = d
	if sl, ok := s.(Sleeper); ok {
		return sl.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// delay is the wait after the n-th failed attempt (n from 1).
func (rt *retrier) delay(n int) time.Duration {
	p := rt.policy
	d, limit := p.Delay, p.MaxDelay
	if d == 0 {
		d = DefaultRetryDelay
	}
	if limit == 0 {
		limit = DefaultRetryMaxDelay
	}
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	if p.Jitter > 0 {
		u := rand.Float64()
		if p.Rand != nil {
			u = p.Rand.Float64()
		}
		d -= time.Duration(float64(d) * p.Jitter * u)
	}
	return d
}

// retryableAnew reports whether a backup that failed with err (before its
// data was stored) may be tried again on a new session: the transient
// failures of Retry, and writer failures that are all
// vss.ErrWriterRetryable.
func retryableAnew(err error, writers []WriterStatus) bool {
	if len(writers) > 0 {
		for _, w := range writers {
			if w.Failure != vss.ErrWriterRetryable {
				return false
			}
		}
		return true
	}
	for _, h := range []vss.HRESULT{vss.ErrSnapshotSetInProgress, vss.ErrFlushWritesTimeout, vss.ErrHoldWritesTimeout} {
		if errors.Is(err, h) {
			return true
		}
	}
	return false
}
