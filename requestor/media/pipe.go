package media

import (
	"crypto/sha256"
	"hash"
	"sync"
)

// blockSize is the unit data moves in: large, so that a file system or
// archive read and write costs little per byte.
const blockSize = 1 << 20

// inlineSize is the largest file hashed (and, by a Writer, written) in
// line: below it handing blocks to other goroutines costs more than it
// saves.
const inlineSize = 256 << 10

// bufPool holds blockSize buffers, so that no file allocates its own.
var bufPool = sync.Pool{New: func() any { b := make([]byte, blockSize); return &b }}

// stage runs fn on blocks, in the order given, on a goroutine of its own,
// while the caller goes on: the caller reads the next block, another
// stage writes this one. A block handed to add must not change until
// wait says the stage is done with it.
type stage struct {
	jobs    chan []byte
	acks    chan error // one per block done
	pending int        // blocks handed over and not yet acknowledged
	err     error      // the first error of fn
}

func startStage(depth int, fn func([]byte) error) *stage {
	s := &stage{jobs: make(chan []byte, depth), acks: make(chan error, depth)}
	go func(jobs <-chan []byte, acks chan<- error) {
		for b := range jobs {
			acks <- fn(b)
		}
	}(s.jobs, s.acks)
	return s
}

func (s *stage) add(b []byte) {
	s.jobs <- b
	s.pending++
}

// wait returns once at most n blocks handed over are still being worked
// on, with the stage's first error. Blocks are done in order: the oldest
// ones are free again.
func (s *stage) wait(n int) error {
	for s.pending > n {
		if err := <-s.acks; err != nil && s.err == nil {
			s.err = err
		}
		s.pending--
	}
	return s.err
}

// stop waits for every block and ends the goroutine.
func (s *stage) stop() {
	s.wait(0)
	close(s.jobs)
}

// pipe computes the SHA-256 of a file's blocks: on a stage of its own for
// a large file, so that hashing runs beside the reading and writing of
// the blocks on another core; in line for a small one.
type pipe struct {
	h     hash.Hash
	st    *stage
	async bool
}

func newPipe() *pipe { return &pipe{h: sha256.New()} }

// start begins a file of the given size; depth is how many blocks may be
// in flight.
func (p *pipe) start(size int64, depth int) {
	p.async = size > inlineSize
	if p.async && p.st == nil {
		h := p.h
		p.st = startStage(depth, func(b []byte) error { h.Write(b); return nil })
	}
}

// wait returns once at most n blocks handed over are still being hashed.
func (p *pipe) wait(n int) {
	if p.async {
		p.st.wait(n)
	}
}

// add hashes b, or hands it over to be hashed.
func (p *pipe) add(b []byte) {
	if len(b) == 0 {
		return
	}
	if p.async {
		p.st.add(b)
	} else {
		p.h.Write(b)
	}
}

// sum returns the digest of the file's blocks, once all are hashed, and
// makes the pipe ready for the next file. (The stage's acknowledgements
// order its writes to the hash before this read of it.)
func (p *pipe) sum() (s [sha256.Size]byte) {
	p.wait(0)
	p.h.Sum(s[:0])
	p.h.Reset()
	return s
}

// drain waits until no block handed over is still being hashed, and
// drops the file's digest: the caller may reuse its buffers.
func (p *pipe) drain() {
	p.wait(0)
	p.h.Reset()
}

// stop ends the hashing goroutine, once no block is pending.
func (p *pipe) stop() {
	if p.st != nil {
		p.st.stop()
		p.st = nil
	}
}
