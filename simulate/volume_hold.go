package simulate

import (
	"context"
	"io/fs"
	"math"

	"github.com/vsskit/vss"
)

// pendingWrite is a write submitted while the volume's writes were held.
type pendingWrite struct {
	w    Write
	done func(error)
}

// HoldWrites starts VSS's flush and hold on the volume: from now until
// ReleaseWrites, every write is held, not applied, and none is lost.
// Microsoft's "Shadow Copy Creation for Providers" describes it: VSS
// issues IOCTL_VOLSNAP_FLUSH_AND_HOLD_WRITES, after which "VolSnap.sys
// causes all subsequent write IRPs to be queued", and once the last
// provider's CommitSnapshots returns "VSS releases all pending write IRPs".
// A write held is delayed, never failed:
//
//   - Submit queues the write and calls its completion after the release
//     applies it, as an asynchronous write completes; Do waits for that
//     completion, as a blocking write does on its own goroutine.
//   - The plain write methods (WriteFile, WriteAt, Truncate, Rename,
//     Remove, MkdirAll) return nil at once, and the release applies the
//     write in its turn. This is the library's rule, not Microsoft's: a
//     plain write may come from the simulator's loop, which also runs the
//     release, so it cannot block until then; it behaves as a write
//     accepted into a cache, and Do is the write that waits. Only a write
//     whose arguments are invalid whatever the volume holds (a bad path,
//     a negative offset) fails at once. One that fails when it is applied
//     (its directory was removed by an earlier held write, say) has no
//     caller left to tell: VolumeStats.FailedHeldWrites counts it.
//
// Held writes are applied in the order they were issued, Submit's and the
// plain methods' alike, and none appears in a snapshot taken during the
// hold. Reads and Snapshot go on (a read does not see a held write before
// the release). It fails with VSS_E_BAD_STATE if writes are already held.
func (v *Volume) HoldWrites() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.held {
		return vss.Errorf(vss.ErrBadState, "HoldWrites", "writes to volume %s are already held", v.name)
	}
	v.held = true
	return nil
}

// ReleaseWrites ends the hold: the queued writes are applied in the order
// they were submitted, then each one's completion is called, in the same
// order. It fails with VSS_E_BAD_STATE if writes are not held.
func (v *Volume) ReleaseWrites() error {
	v.mu.Lock()
	if !v.held {
		v.mu.Unlock()
		return vss.Errorf(vss.ErrBadState, "ReleaseWrites", "writes to volume %s are not held", v.name)
	}
	q := v.queue
	v.queue = nil
	v.held = false
	errs := make([]error, len(q))
	for i, p := range q {
		errs[i] = v.apply(p.w)
		if errs[i] != nil && p.done == nil {
			v.stats.FailedHeldWrites++
		}
	}
	v.mu.Unlock()
	for i, p := range q {
		if p.done != nil {
			p.done(errs[i])
		}
	}
	return nil
}

// Held reports whether the volume's writes are held.
func (v *Volume) Held() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.held
}

// Pending returns how many writes wait for ReleaseWrites.
func (v *Volume) Pending() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.queue)
}

// Submit issues a write as an application does. If writes are not held it
// is applied at once and done (if not nil) is called with its result
// before Submit returns. If they are held, it is queued (its data is
// copied, so the caller may reuse its buffer), it does not appear in any
// snapshot taken during the hold, and done is called after ReleaseWrites
// applies it. A write is never lost.
func (v *Volume) Submit(w Write, done func(error)) {
	v.mu.Lock()
	if v.held {
		v.hold(w, done)
		v.mu.Unlock()
		return
	}
	err := v.apply(w)
	v.mu.Unlock()
	if done != nil {
		done(err)
	}
}

// hold queues w, with a copy of its data, for the release; v.mu is held.
func (v *Volume) hold(w Write, done func(error)) {
	w.data = append([]byte(nil), w.data...)
	v.queue = append(v.queue, pendingWrite{w: w, done: done})
	v.stats.QueuedWrites++
}

// maxWholeRead bounds what ReadFile reads in one piece (2 GiB): a larger
// file, which a sparse file can cheaply be, is read through FS in parts.
const maxWholeRead = math.MaxInt32

// ReadFile returns the current contents of the file at path. Files over
// 2 GiB fail with ErrFileTooLarge; read them in parts through FS.
func (v *Volume) ReadFile(path string) ([]byte, error) {
	p, err := cleanPath("readfile", path)
	if err != nil {
		return nil, err
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	return readFile(v.root, "readfile", p)
}

// readFile reads the whole file at the clean path p below root.
func readFile(root *inode, op, p string) ([]byte, error) {
	n, err := lookup(root, op, p)
	if err != nil {
		return nil, err
	}
	if n.dir {
		return nil, &fs.PathError{Op: op, Path: p, Err: ErrIsDir}
	}
	if n.size > maxWholeRead {
		return nil, &fs.PathError{Op: op, Path: p, Err: ErrFileTooLarge}
	}
	b := make([]byte, n.size)
	readAt(n, b, 0)
	return b, nil
}

// Do issues w as Submit does and waits for its result: at once while
// writes are not held, after ReleaseWrites while they are. It is for
// applications that run on goroutines of their own, as under vsstest.TestWriter;
// an application on the Loop uses Submit. If ctx ends first, Do returns
// ctx's error; the write, already accepted by the volume, still completes
// at the release.
func (v *Volume) Do(ctx context.Context, w Write) error {
	done := make(chan error, 1)
	v.Submit(w, func(err error) { done <- err })
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
