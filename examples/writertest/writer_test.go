package writertest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/simulate/vsstest"
	"github.com/vsskit/vss/writer"
)

var instance = vss.MustParseID("{3f6e2c1a-9b7d-4e58-a1c0-5d2b8e7f9a35}")

// newWriter gives each rule of the suite a fresh store and writer on the
// simulated volume.
func newWriter(env vsstest.WriterEnv) writer.Writer {
	store, err := Open(env.Volume)
	if err != nil {
		panic(err)
	}
	return &Writer{Store: store, Instance: instance}
}

// options tell the suite how to use the store: a put must work after
// every backup (Healthy), shadow copies must be consistent (Consistent),
// and users put all along (Workload).
func options() vsstest.WriterTestOptions {
	store := func(w writer.Writer) *Store {
		switch w := w.(type) {
		case *Writer:
			return w.Store
		case *ForgetfulWriter:
			return w.Store
		}
		panic(fmt.Sprintf("not a KV store writer: %T", w))
	}
	return vsstest.WriterTestOptions{
		Healthy: func(ctx context.Context, w writer.Writer) error {
			return store(w).Put(ctx, "probe", "ok")
		},
		Consistent: Check,
		Workload: func(ctx context.Context, w writer.Writer) {
			for i := 0; ctx.Err() == nil; i++ {
				_ = store(w).Put(ctx, fmt.Sprintf("user%d", i%7), fmt.Sprint(i))
				time.Sleep(5 * time.Millisecond)
			}
		},
		Seeds: 5,
	}
}

// TestWriter checks the KV store writer against every VSS writer rule.
func TestWriter(t *testing.T) {
	vsstest.TestWriter(t, newWriter, options())
}

// fakeT collects the suite's reports instead of failing the test.
type fakeT struct {
	mu     sync.Mutex
	errors []string
}

func (*fakeT) Helper()      {}
func (*fakeT) Name() string { return "TestWriter" }
func (*fakeT) Logf(string, ...any) {
}
func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

// TestForgetfulWriterIsCaught runs the suite on the writer that does not
// thaw on Abort and checks what it reports, word for word: the rules
// broken, where, and how to reproduce each.
func TestForgetfulWriterIsCaught(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeT{}
		opts := options()
		opts.Seeds = 1
		vsstest.TestWriter(ft, func(env vsstest.WriterEnv) writer.Writer {
			return &ForgetfulWriter{*newWriter(env).(*Writer)}
		}, opts)
		require.NotEmpty(t, ft.errors)
		broken := map[string]bool{}
		for _, e := range ft.errors {
			rule, _, _ := strings.Cut(strings.TrimPrefix(e, "MUST "), " ")
			broken[strings.TrimSuffix(rule, ":")] = true
		}
		assert.Equal(t, map[string]bool{"Abort/AfterFreeze": true, "Abort/Twice": true, "Faults/Providers": true}, broken,
			"the rules whose backups end in Abort after Freeze, and only those")
		assert.Equal(t, "MUST Abort/AfterFreeze at Abort: after Abort following Freeze, the application does not work: "+
			"kv: put waited for the store to thaw: context deadline exceeded "+
			"(seed 1; reproduce: VSS_SEED=1 go test -run '^TestWriter$/^Abort$/^AfterFreeze$' .)", ft.errors[0])
	})
}

// TestTornWithoutFreeze shows what the writer protects against: a shadow
// copy taken in the middle of a put, without the writer, is torn.
func TestTornWithoutFreeze(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		vol := simulate.NewVolume(`C:\`)
		s, err := Open(vol)
		require.NoError(t, err)
		require.NoError(t, s.Put(context.Background(), "a", "1"))
		go func() { _ = s.Put(context.Background(), "b", "2") }()
		time.Sleep(IndexDelay / 2) // the put is between its two writes
		snap := vol.Snapshot()
		defer snap.Release()
		assert.ErrorContains(t, Check(snap.FS()), "a torn put")
		time.Sleep(IndexDelay) // the put ends
		require.NoError(t, Check(vol.FS()), "once the put is done, the live store is consistent")
		v, ok := s.Get("b")
		assert.True(t, ok)
		assert.Equal(t, "2", v)
	})
}
