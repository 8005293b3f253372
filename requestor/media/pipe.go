package media

import (
	"crypto/sha256"
	"hash"
	"sync"
)

// blockSize is the unit data moves in: large, so that a file system or
// archive read and write costs little per byte.
const blockSize = 1 << 20

// inlineSize is the largest file hashed in line: below it handing blocks
// to the hashing goroutine costs more than it saves.
const inlineSize = 256 << 10

// bufPool holds blockSize buffers, so that no file allocates its own.
var bufPool = sync.Pool{New: func() any { b := make([]byte, blockSize); return &b }}

// pipe computes the SHA-256 of a stream of blocks. For a large file it
// hashes on a goroutine of its own while the caller moves each block on
// (writes it to the archive, or hands it to the reader), so that hashing
// and moving run side by side on two cores; for a small one, in line.
// A block handed to add must not change until wait says so: the caller
// uses two buffers in turn and waits before refilling one.
type pipe struct {
	h       hash.Hash
	async   bool
	running bool
	pending int // blocks handed over and not yet hashed
	jobs    chan []byte
	acks    chan struct{}
	sums    chan [sha256.Size]byte
}

func newPipe() *pipe { return &pipe{h: sha256.New()} }

// start begins a file of the given size.
func (p *pipe) start(size int64) {
	p.async = size > inlineSize
	if p.async && !p.running {
		p.jobs = make(chan []byte, 2)
		p.acks = make(chan struct{}, 2)
		p.sums = make(chan [sha256.Size]byte)
		p.running = true
		go p.loop(p.jobs, p.acks, p.sums)
	}
}

func (p *pipe) loop(jobs <-chan []byte, acks chan<- struct{}, sums chan<- [sha256.Size]byte) {
	h := sha256.New()
	var sum [sha256.Size]byte
	for b := range jobs {
		if b == nil {
			h.Sum(sum[:0])
			h.Reset()
			sums <- sum
			continue
		}
		h.Write(b)
		acks <- struct{}{}
	}
}

// wait returns once at most one block handed over is still being hashed:
// the older of two buffers used in turn is free again.
func (p *pipe) wait() {
	for p.pending > 1 {
		<-p.acks
		p.pending--
	}
}

// add hashes b, or hands it over to be hashed.
func (p *pipe) add(b []byte) {
	if len(b) == 0 {
		return
	}
	if !p.async {
		p.h.Write(b)
		return
	}
	p.jobs <- b
	p.pending++
}

// sum returns the digest of the file's blocks, once all are hashed, and
// makes the pipe ready for the next file.
func (p *pipe) sum() (s [sha256.Size]byte) {
	if !p.async {
		p.h.Sum(s[:0])
		p.h.Reset()
		return s
	}
	for ; p.pending > 0; p.pending-- {
		<-p.acks
	}
	p.jobs <- nil
	return <-p.sums
}

// drain waits until no block handed over is still being hashed, and
// drops the file's digest: the caller may reuse its buffers.
func (p *pipe) drain() {
	if p.async {
		p.sum()
	} else {
		p.h.Reset()
	}
}

// stop ends the hashing goroutine, once no block is pending.
func (p *pipe) stop() {
	if p.running {
		for ; p.pending > 0; p.pending-- {
			<-p.acks
		}
		close(p.jobs)
		p.running = false
	}
}
