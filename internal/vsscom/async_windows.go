//go:build windows && (amd64 || arm64)

package vsscom

import (
	"context"
	"time"
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
)

// Async is an IVssAsync: the handle of a long VSS operation.
type Async struct {
	p  unsafe.Pointer
	op string // the method that started it, for errors
}

// Poll is how long one IVssAsync::Wait lasts before the wait loop checks
// the status and the context again.
const Poll = 100 * time.Millisecond

// CancelGrace bounds how long Wait waits for an operation to stop after
// it called Cancel.
const CancelGrace = 2 * time.Minute

// Wait waits for the operation to end and releases it. IVssAsync::Wait
// alone is not a reliable signal of completion, so it waits in short
// slices and asks QueryStatus after each. When ctx ends first it calls
// Cancel, waits for the operation to stop, and returns an error wrapping
// ctx's error (context.Cause) and VSS_S_ASYNC_CANCELLED, or the failure
// code the operation ended with. A failed operation returns its HRESULT.
func (a *Async) Wait(ctx context.Context) error {
	defer com.Release(a.p)
	cancelled := false
	var deadline time.Time
	for {
		if hr := com.HR(a.p, AsyncWait, new(com.Args).Uint(uintptr(Poll/time.Millisecond))); hr.Failed() {
			// Some versions refuse timed waits; poll by sleeping instead.
			time.Sleep(Poll)
		}
		var result vss.HRESULT
		// pReserved must be NULL (IVssAsync::QueryStatus).
		hr := com.HR(a.p, AsyncQueryStatus, new(com.Args).Ptr(unsafe.Pointer(&result)).Uint(0))
		if err := check("IVssAsync::QueryStatus ("+a.op+")", hr); err != nil {
			return err
		}
		switch {
		case result == vss.AsyncPending:
		case cancelled:
			// The caller's context ended: the call fails whatever the
			// operation's end, keeping a failure code it reported.
			code, detail := vss.AsyncCancelled, "cancelled: "
			if result.Failed() {
				code, detail = result, "cancelled, and the operation failed: "
			} else if result == vss.AsyncFinished {
				detail = "cancelled as the operation finished: "
			}
			return &vss.Error{Op: a.op, Code: code, Detail: detail + context.Cause(ctx).Error(), Err: context.Cause(ctx)}
		case result == vss.AsyncCancelled:
			return &vss.Error{Op: a.op, Code: result, Detail: "the operation was cancelled"}
		case result.Failed():
			return check(a.op, result)
		default:
			return nil
		}
		if cancelled {
			if time.Now().After(deadline) {
				return &vss.Error{Op: a.op, Code: vss.AsyncPending,
					Detail: "cancelled, but VSS did not stop the operation within " + CancelGrace.String(), Err: context.Cause(ctx)}
			}
			continue
		}
		if ctx.Err() != nil {
			cancelled = true
			deadline = time.Now().Add(CancelGrace)
			// Cancel may fail when the operation just ended; the status
			// says which.
			com.HR(a.p, AsyncCancel, nil)
		}
	}
}

// Release releases the operation without waiting for it.
func (a *Async) Release() { com.Release(a.p) }
