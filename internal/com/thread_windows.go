//go:build windows && (amd64 || arm64)

package com

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"

	"golang.org/x/sys/windows"

	"github.com/vsskit/vss"
)

// Thread is one OS thread, locked to its goroutine, initialised for COM's
// multithreaded apartment. Every call on a session's COM objects runs on
// its session's Thread, so no COM object is ever used from a thread COM
// was not initialised on.
type Thread struct {
	work chan func()
	done chan struct{}
	once sync.Once
}

// ErrClosed is what Do returns once the thread is closed: the work did
// not run.
var ErrClosed = errors.New("the COM thread is closed")

// PanicError is what Do returns when the work panicked: the panic is
// recovered on the thread, which goes on serving, and handed to the caller
// as an error (a panic on a thread of its own would otherwise end the
// process, out of reach of the caller's recover).
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the COM thread's stack when it panicked
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic on the COM thread: %v", e.Value) }

// NewThread starts the thread and initialises COM on it
// (CoInitializeEx with COINIT_MULTITHREADED). COM security is set
// separately, with InitSecurity, on the thread.
func NewThread() (*Thread, error) {
	t := &Thread{work: make(chan func()), done: make(chan struct{})}
	errc := make(chan error, 1)
	go t.loop(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	return t, nil
}

func (t *Thread) loop(errc chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(t.done)
	if err := windows.CoInitializeEx(0, windows.COINIT_MULTITHREADED); err != nil && hresultOf(err) != vss.False {
		errc <- &vss.Error{Op: "CoInitializeEx", Code: hresultOf(err), Detail: "COM is not available"}
		return
	}
	defer windows.CoUninitialize()
	errc <- nil
	for f := range t.work {
		f()
	}
}

// Do runs f on the thread and waits for it. It returns nil when f
// returned, a *PanicError when f panicked (the thread goes on), and
// ErrClosed, without running f, after Close.
func (t *Thread) Do(f func()) error {
	done := make(chan error, 1)
	if !t.send(func() { done <- run(f) }) {
		return ErrClosed
	}
	return <-done
}

// run calls f, turning a panic into a *PanicError.
func run(f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	f()
	return nil
}

// send queues g on the thread, or reports false when it is closed.
func (t *Thread) send(g func()) (ok bool) {
	defer func() {
		if recover() != nil { // send on the closed channel: the thread is gone
			ok = false
		}
	}()
	t.work <- g
	return true
}

// Close uninitialises COM and ends the thread once the work queued before
// it is done. It is safe to call more than once.
func (t *Thread) Close() {
	t.once.Do(func() { close(t.work) })
	<-t.done
}

// hresultOf turns an error from x/sys/windows into an HRESULT.
func hresultOf(err error) vss.HRESULT {
	if e, ok := err.(syscall.Errno); ok {
		if uint32(e)&0x80000000 != 0 || e == 1 {
			return vss.HRESULT(uint32(e))
		}
		return vss.HRESULT(0x80070000 | uint32(e)&0xFFFF) // HRESULT_FROM_WIN32
	}
	return vss.ErrFail
}
