//go:build windows && (amd64 || arm64)

package vssfake

import (
	"context"
	"errors"
	"sync"
	"time"
	"unsafe"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/vsscom"
)

const asyncSlots = vsscom.AsyncSlots

// async is one fake IVssAsync: the operation runs in a goroutine.
type async struct {
	f      *Fake
	name   string
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	result vss.HRESULT // VSS_S_ASYNC_PENDING until done
}

// startAsync runs op in a goroutine and returns its IVssAsync. The call
// named in f.Block waits for Cancel instead of running.
func startAsync(f *Fake, name string, op func(*Fake, context.Context) error) unsafe.Pointer {
	ctx, cancel := context.WithCancel(context.Background())
	a := &async{f: f, name: name, cancel: cancel, done: make(chan struct{}), result: vss.AsyncPending}
	go func() {
		defer close(a.done)
		var err error
		if f.Block == name {
			<-ctx.Done()
			err = ctx.Err()
		} else {
			err = op(f, ctx)
		}
		r := vss.AsyncFinished
		switch {
		case errors.Is(err, context.Canceled):
			r = vss.AsyncCancelled
		case err != nil:
			r = vss.CodeOf(err)
		}
		a.mu.Lock()
		a.result = r
		a.mu.Unlock()
	}()
	return newObject("async", a)
}

// final runs when the last reference goes: an operation still running is
// cancelled and waited for, as VSS would not leave it behind.
func (a *async) final() {
	a.cancel()
	<-a.done
}

func asyncMethods() map[int]method {
	get := func(o *instance) *async { return o.impl.(*async) }
	return map[int]method{
		vsscom.AsyncCancel: {1, func(o *instance, _ []uintptr) vss.HRESULT {
			a := get(o)
			a.f.mu.Lock()
			a.f.cancelled = append(a.f.cancelled, a.name)
			a.f.mu.Unlock()
			a.cancel()
			return vss.OK
		}},
		vsscom.AsyncWait: {2, func(o *instance, args []uintptr) vss.HRESULT {
			a := get(o)
			ms := uint32(args[1])
			if ms == 0xFFFFFFFF { // INFINITE
				<-a.done
				return vss.OK
			}
			t := time.NewTimer(time.Duration(ms) * time.Millisecond)
			defer t.Stop()
			select {
			case <-a.done:
			case <-t.C:
			}
			return vss.OK
		}},
		vsscom.AsyncQueryStatus: {3, func(o *instance, args []uintptr) vss.HRESULT {
			if args[2] != 0 { // pReserved "should be NULL" (IVssAsync::QueryStatus)
				return vss.ErrInvalidArg
			}
			a := get(o)
			a.mu.Lock()
			r := a.result
			a.mu.Unlock()
			putU32(args[1], uint32(r))
			return vss.OK
		}},
	}
}
