// Package writertest is an example of testing a VSS writer in CI: a toy
// key-value store, its writer, and a test file that checks the writer
// with vsstest.TestWriter on any OS, in virtual time. It is not part of
// the library; copy its shape for your own writer.
//
// The store keeps two files on its volume: kv/log, an append-only log of
// puts, and kv/index, the sorted key=value table the log replays to. A
// put appends to the log and then rewrites the index, so a shadow copy
// taken between the two holds a log and an index that disagree: a torn
// put. Its writer freezes the store for shadow copies, waiting for the
// put in flight, so that shadow copies are always consistent.
package writertest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vsskit/vss/simulate"
)

// Store is the toy key-value store. Its methods are safe for concurrent
// use.
type Store struct {
	vol *simulate.Volume

	mu       sync.Mutex
	data     map[string]string
	logSize  int64
	frozen   bool
	thawed   chan struct{} // closed at Thaw; replaced at each Freeze
	inFlight int
	idle     chan struct{} // closed when the last put in flight ends
}

// The store's files on its volume.
const (
	LogFile   = "kv/log"
	IndexFile = "kv/index"
)

// IndexDelay is how long a put takes between writing its log record and
// its index: the window in which a shadow copy not coordinated with the
// store would tear it.
const IndexDelay = 20 * time.Millisecond

// Open creates an empty store on vol.
func Open(vol *simulate.Volume) (*Store, error) {
	if err := vol.MkdirAll("kv"); err != nil {
		return nil, err
	}
	return &Store{vol: vol, data: map[string]string{}}, nil
}

// Put sets key to value. While the store is frozen for a shadow copy, Put
// waits for the thaw, or for ctx to end.
func (s *Store) Put(ctx context.Context, key, value string) error {
	if strings.ContainsAny(key, "=\n") || strings.Contains(value, "\n") {
		return fmt.Errorf("kv: put %q: keys hold no '=' or newline, values no newline", key)
	}
	s.mu.Lock()
	for s.frozen {
		thawed := s.thawed
		s.mu.Unlock()
		select {
		case <-thawed:
		case <-ctx.Done():
			return fmt.Errorf("kv: put waited for the store to thaw: %w", ctx.Err())
		}
		s.mu.Lock()
	}
	s.inFlight++
	record := []byte("put " + key + "=" + value + "\n")
	off := s.logSize
	s.logSize += int64(len(record))
	s.data[key] = value
	index := s.indexLocked()
	s.mu.Unlock()
	defer s.done()

	if err := s.vol.Do(ctx, simulate.WriteAtOp(LogFile, off, record)); err != nil {
		return fmt.Errorf("kv: put %q: log: %w", key, err)
	}
	time.Sleep(IndexDelay) // building the index takes a while
	if err := s.vol.Do(ctx, simulate.WriteFileOp(IndexFile, index)); err != nil {
		return fmt.Errorf("kv: put %q: index: %w", key, err)
	}
	return nil
}

// done ends a put in flight.
func (s *Store) done() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
	if s.inFlight == 0 && s.idle != nil {
		close(s.idle)
		s.idle = nil
	}
}

// indexLocked renders the index file from the table.
func (s *Store) indexLocked() []byte {
	keys := make([]string, 0, len(s.data))
	for k := range s.data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b bytes.Buffer
	for _, k := range keys {
		b.WriteString(k + "=" + s.data[k] + "\n")
	}
	return b.Bytes()
}

// Get returns the value of key.
func (s *Store) Get(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	return v, ok
}

// Freeze stops new puts and waits for the ones in flight, or for ctx to
// end. Freezing a frozen store does nothing more.
func (s *Store) Freeze(ctx context.Context) error {
	s.mu.Lock()
	if !s.frozen {
		s.frozen, s.thawed = true, make(chan struct{})
	}
	if s.inFlight == 0 {
		s.mu.Unlock()
		return nil
	}
	if s.idle == nil {
		s.idle = make(chan struct{})
	}
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("kv: freeze waited for puts in flight: %w", ctx.Err())
	}
}

// Thaw lets puts run again. Thawing a store that is not frozen does
// nothing, so a second Abort, or an Abort without Freeze, is harmless.
func (s *Store) Thaw() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.frozen {
		s.frozen = false
		close(s.thawed)
	}
}

// Check reports whether fsys, a copy of the store's volume (a shadow
// copy), holds a consistent store: the index is exactly what the log
// replays to. A torn put is an error.
func Check(fsys fs.FS) error {
	log, err := fs.ReadFile(fsys, LogFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	index, err := fs.ReadFile(fsys, IndexFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	want := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(log))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "put "), "=")
		if !ok {
			return fmt.Errorf("kv: torn log record %q", sc.Text())
		}
		want[k] = v
	}
	replayed := (&Store{data: want}).indexLocked()
	if !bytes.Equal(replayed, index) {
		return fmt.Errorf("kv: the index (%d entries) is not what the log (%d puts) replays to (%d entries): a torn put",
			bytes.Count(index, []byte("\n")), bytes.Count(log, []byte("\n")), len(want))
	}
	return nil
}
