package simulate

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sync"
)

// The on-disk format of the simulated applications. A record of n blocks
// fills n whole BlockSize blocks of the data file, record id at block
// id*n. Each block is self-describing: a header (magic, record, part,
// parts, nonce) and a payload derived from the nonce, so a checker can
// tell a whole block from a stale, zero or foreign one without any state.
// A transactional application also appends a commitSize-byte commit
// record per transaction to its commit log, after the data blocks.
const (
	blockHeader = 24
	commitSize  = 32
)

var (
	blockMagic  = [8]byte{'V', 'S', 'S', 'R', 'E', 'C', 0, 1}
	commitMagic = [8]byte{'V', 'S', 'S', 'C', 'M', 'T', 0, 1}
)

// blockFiller is the body of every block: a fixed pattern between the
// header and the trailer, cheap to copy and to compare.
var blockFiller = func() []byte {
	b := make([]byte, BlockSize-blockHeader-8)
	x := uint64(0x9e3779b97f4a7c15)
	for i := 0; i+8 <= len(b); i += 8 {
		x = x*6364136223846793005 + 1442695040888963407
		binary.LittleEndian.PutUint64(b[i:], x)
	}
	return b
}()

// fillBlock writes part k of n of record id into b (BlockSize bytes): the
// header, the filler, and a trailer that repeats the nonce and part, so
// that a block is whole only if both of its ends are.
func fillBlock(b []byte, id, k, n int, nonce uint64) {
	copy(b, blockMagic[:])
	binary.LittleEndian.PutUint32(b[8:], uint32(id))
	binary.LittleEndian.PutUint16(b[12:], uint16(k))
	binary.LittleEndian.PutUint16(b[14:], uint16(n))
	binary.LittleEndian.PutUint64(b[16:], nonce)
	copy(b[blockHeader:], blockFiller)
	binary.LittleEndian.PutUint64(b[BlockSize-8:], ^nonce^uint64(k))
}

// fillCommit writes the commit record of transaction id into b
// (commitSize bytes).
func fillCommit(b []byte, id, n int, nonce uint64) {
	copy(b, commitMagic[:])
	binary.LittleEndian.PutUint32(b[8:], uint32(id))
	binary.LittleEndian.PutUint32(b[12:], uint32(n))
	binary.LittleEndian.PutUint64(b[16:], nonce)
	binary.LittleEndian.PutUint64(b[24:], ^nonce)
}

// slice returns b[off:off+n], shorter or empty past the end of b.
func slice(b []byte, off, n int64) []byte {
	if off >= int64(len(b)) {
		return nil
	}
	return b[off:min(off+n, int64(len(b)))]
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// recordState reads record id from a data file and a commit log: how many
// of its blocks are whole, the nonce of its commit record (0 when absent),
// and an error for a block that is neither whole nor zero (corrupt).
func (e *appEngine) recordState(data, clog []byte, id int) (parts int, commit uint64, err error) {
	n := e.cfg.Blocks
	if e.chk == nil {
		e.chk = make([]byte, BlockSize)
	}
	want := e.chk
	var nonce uint64
	for k := range n {
		b := slice(data, e.blockOffset(id, k), BlockSize)
		if len(b) == 0 || isZero(b) {
			continue
		}
		if len(b) < BlockSize || !bytes.Equal(b[:8], blockMagic[:]) {
			err = fmt.Errorf("block %d of record %d is corrupt", k, id)
			continue
		}
		nonce = binary.LittleEndian.Uint64(b[16:])
		fillBlock(want, id, k, n, nonce)
		if !bytes.Equal(b, want) {
			err = fmt.Errorf("block %d of record %d is corrupt", k, id)
			continue
		}
		parts++
	}
	if c := slice(clog, int64(id)*commitSize, commitSize); len(c) == commitSize && bytes.Equal(c[:8], commitMagic[:]) {
		commit = binary.LittleEndian.Uint64(c[16:])
		wantC := want[:commitSize]
		fillCommit(wantC, id, n, commit)
		if !bytes.Equal(c, wantC) {
			err, commit = fmt.Errorf("commit record of transaction %d is corrupt", id), 0
		} else if parts > 0 && commit != nonce {
			err = fmt.Errorf("commit record of transaction %d names other data", id)
		}
	}
	return parts, commit, err
}

// records returns how many record slots the data file and commit log
// reach.
func (e *appEngine) records(data, clog []byte) int {
	per := int64(e.cfg.Blocks) * BlockSize
	n := int((int64(len(data)) + per - 1) / per)
	return max(n, (len(clog)+commitSize-1)/commitSize)
}

// readFiles reads the application's files from fsys; a missing file reads
// as empty. The slices returned are the engine's read buffers, valid until
// its next readFiles: the checks read the files after every run, and a
// fresh copy each time was most of what a run allocated.
func (e *appEngine) readFiles(fsys fs.FS) (data, clog []byte, err error) {
	for _, b := range []*[]byte{&e.rdata, &e.rclog} {
		if *b == nil {
			if p, ok := readBufPool.Get().(*[]byte); ok {
				*b = *p
			}
		}
	}
	e.rdata, err = readInto(fsys, e.data, e.rdata)
	if err != nil {
		return nil, nil, err
	}
	if e.log {
		e.rclog, err = readInto(fsys, e.clog, e.rclog)
		if err != nil {
			return nil, nil, err
		}
	}
	return e.rdata, e.rclog, nil
}

// readBufPool holds read buffers of finished runs (releaseBuffers).
var readBufPool sync.Pool

// releaseBuffers hands the engine's read buffers to the next run; the
// engine reads nothing more.
func (e *appEngine) releaseBuffers() {
	for _, b := range []*[]byte{&e.rdata, &e.rclog} {
		if cap(*b) > 0 {
			s := (*b)[:0]
			readBufPool.Put(&s)
		}
		*b = nil
	}
}

// readInto reads the file name of fsys into buf, grown as needed; a
// missing file reads as empty.
func readInto(fsys fs.FS, name string, buf []byte) ([]byte, error) {
	f, err := fsys.Open(name)
	if isNotExist(err) {
		return buf[:0], nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	n := int(st.Size())
	buf = slices.Grow(buf[:0], n)[:n]
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return buf, nil
}

func isNotExist(err error) bool { return err != nil && errors.Is(err, fs.ErrNotExist) }

// checkCut checks a shadow copy of the application's volume against the
// application's own record of its writes: those applied before the commit
// instant (seq <= cut) are in it, byte for byte, and those applied after,
// or still held, are not. It is the checker's shadow model of the
// application at the commit.
func (e *appEngine) checkCut(fsys fs.FS, cut int) error {
	data, clog, err := e.readFiles(fsys)
	if err != nil {
		return err
	}
	return e.checkCutData(data, clog, cut)
}

// checkCutData is checkCut on the application's files as read.
func (e *appEngine) checkCutData(data, clog []byte, cut int) error {
	want := make([]byte, BlockSize)
	var errs []error
	for _, w := range e.writes {
		t := e.txns[w.txn]
		var got []byte
		var exp []byte
		if w.part < e.cfg.Blocks {
			got = slice(data, e.blockOffset(t.id, w.part), BlockSize)
			fillBlock(want, t.id, w.part, e.cfg.Blocks, t.nonce)
			exp = want
		} else {
			got = slice(clog, int64(t.id)*commitSize, commitSize)
			fillCommit(want[:commitSize], t.id, e.cfg.Blocks, t.nonce)
			exp = want[:commitSize]
		}
		in := bytes.Equal(got, exp)
		before := w.seq > 0 && w.seq <= cut
		switch {
		case before && !in:
			errs = append(errs, fmt.Errorf("write %d of request %d was applied before the commit and is not in the shadow copy", w.part, t.id))
		case !before && in:
			errs = append(errs, fmt.Errorf("write %d of request %d (held: %v) was applied after the commit and is in the shadow copy", w.part, t.id, w.heldSubmit))
		}
	}
	return firstErrs(errs)
}
