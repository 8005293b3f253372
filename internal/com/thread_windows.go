//go:build windows && (amd64 || arm64)

package com

import (
	"runtime"
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

// NewThread starts the thread and initialises COM on it
// (CoInitializeEx with COINIT_MULTITHREADED), then sets the process-wide
// COM security once per process (see InitSecurity).
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
	if err := InitSecurity(); err != nil {
		errc <- err
		return
	}
	errc <- nil
	for f := range t.work {
		f()
	}
}

// Do runs f on the thread and waits for it. After Close it does nothing
// and returns false.
func (t *Thread) Do(f func()) (ran bool) {
	defer func() {
		if recover() != nil { // send on the closed channel: the thread is gone
			ran = false
		}
	}()
	ok := make(chan struct{})
	t.work <- func() { defer close(ok); f() }
	<-ok
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
