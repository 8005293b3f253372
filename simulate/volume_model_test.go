package simulate

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// model is the obvious implementation of a volume's namespace: whole
// files in a map. TestSnapshotsMatchModel runs random operations on a
// Volume and on a model and checks that every snapshot equals the model
// as it was when the snapshot was taken.
type model struct {
	files map[string][]byte
	dirs  map[string]bool
}

func (m *model) isDir(p string) bool  { return p == "." || m.dirs[p] }
func (m *model) isFile(p string) bool { _, ok := m.files[p]; return ok }

func (m *model) empty(d string) bool {
	for p := range m.files {
		if path.Dir(p) == d {
			return false
		}
	}
	for p := range m.dirs {
		if path.Dir(p) == d {
			return false
		}
	}
	return true
}

// tree renders the model as the test's tree function renders a file system.
func (m *model) tree() map[string]string {
	out := map[string]string{".": "/"}
	for p := range m.dirs {
		out[p] = "/"
	}
	for p, b := range m.files {
		out[p] = string(b)
	}
	return out
}

// apply applies the operation to the model and reports whether it is legal.
func (m *model) apply(op string, p, q string, off int64, data []byte) bool {
	switch op {
	case "writefile", "writeat":
		if !m.isDir(path.Dir(p)) || m.isDir(p) {
			return false
		}
		if op == "writefile" {
			m.files[p] = append([]byte(nil), data...)
			return true
		}
		b := m.files[p]
		if end := int(off) + len(data); end > len(b) && len(data) > 0 {
			b = append(b, make([]byte, end-len(b))...)
		}
		if len(data) > 0 {
			copy(b[off:], data)
		}
		m.files[p] = b
	case "truncate":
		b, ok := m.files[p]
		if !ok {
			return false
		}
		if int(off) <= len(b) {
			m.files[p] = b[:off:off]
		} else {
			m.files[p] = append(b, make([]byte, int(off)-len(b))...)
		}
	case "remove":
		switch {
		case m.isFile(p):
			delete(m.files, p)
		case m.dirs[p] && m.empty(p):
			delete(m.dirs, p)
		default:
			return false
		}
	case "mkdirall":
		for d := p; d != "."; d = path.Dir(d) {
			if m.isFile(d) {
				return false
			}
		}
		for d := p; d != "."; d = path.Dir(d) {
			m.dirs[d] = true
		}
	case "rename":
		if !m.isDir(path.Dir(q)) || p == q && (m.isFile(p) || m.dirs[p]) {
			return p == q && (m.isFile(p) || m.dirs[p])
		}
		switch {
		case m.isFile(p):
			if m.isDir(q) {
				return false
			}
			m.files[q] = m.files[p]
			delete(m.files, p)
		case m.dirs[p]:
			if m.isFile(q) || m.dirs[q] && !m.empty(q) || strings.HasPrefix(q, p+"/") {
				return false
			}
			moved := &model{files: map[string][]byte{}, dirs: map[string]bool{}}
			for f, b := range m.files {
				if strings.HasPrefix(f, p+"/") {
					moved.files[q+f[len(p):]] = b
					delete(m.files, f)
				}
			}
			for d := range m.dirs {
				if d == p || strings.HasPrefix(d, p+"/") {
					moved.dirs[q+d[len(p):]] = true
					delete(m.dirs, d)
				}
			}
			maps.Copy(m.files, moved.files)
			maps.Copy(m.dirs, moved.dirs)
		default:
			return false
		}
	}
	return true
}

// runModel runs steps random operations, each choice drawn from choose
// (a number in [0, n)), on a volume and on the model, checking every
// checkEvery steps and at the end that each live snapshot equals the
// model as it was when the snapshot was taken. It returns the volume's
// statistics.
func runModel(t testing.TB, choose func(n int) int, steps, checkEvery int) VolumeStats {
	names := []string{"a", "b", "d1", "d2", "d1/a", "d1/b", "d2/a", "d1/d3", "d1/d3/a"}
	ops := []string{"writefile", "writeat", "writeat", "writeat", "truncate", "remove", "mkdirall", "rename", "snapshot", "release"}
	v := NewVolume(`C:\`)
	m := &model{files: map[string][]byte{}, dirs: map[string]bool{}}
	type taken struct {
		s    *VolumeSnapshot
		want map[string]string
	}
	var snaps []taken
	defer func() {
		for _, s := range snaps {
			s.s.Release()
		}
	}()
	check := func(step int) {
		for i, s := range snaps {
			require.Equal(t, s.want, tree(t, s.s), "step %d: snapshot %d differs from the volume at its instant", step, i)
		}
		require.Equal(t, m.tree(), tree(t, v.FS()), "step %d: live volume differs from the model", step)
	}
	for step := range steps {
		op := ops[choose(len(ops))]
		p, q := names[choose(len(names))], names[choose(len(names))]
		off := int64(choose(3 * BlockSize))
		if choose(12) == 0 {
			// Past the first 64 blocks: the block tree grows a level.
			off += fan * BlockSize
		}
		data := make([]byte, choose(2*BlockSize))
		for i := range data {
			data[i] = byte('a' + (step+i)%26)
		}
		var err error
		switch op {
		case "snapshot":
			snaps = append(snaps, taken{v.Snapshot(), m.tree()})
			continue
		case "release":
			if len(snaps) > 0 {
				i := choose(len(snaps))
				snaps[i].s.Release()
				snaps = append(snaps[:i], snaps[i+1:]...)
			}
			continue
		case "writefile":
			err = v.WriteFile(p, data)
		case "writeat":
			err = v.WriteAt(p, off, data)
		case "truncate":
			err = v.Truncate(p, off)
		case "remove":
			err = v.Remove(p)
		case "mkdirall":
			err = v.MkdirAll(p)
		case "rename":
			err = v.Rename(p, q)
		}
		legal := m.apply(op, p, q, off, data)
		require.Equal(t, legal, err == nil, "step %d: %s %s %s @%d: error %v", step, op, p, q, off, err)
		if checkEvery > 0 && step%checkEvery == 0 {
			check(step)
		}
	}
	check(steps)
	for _, s := range snaps {
		s.s.Release()
	}
	snaps = nil
	require.Equal(t, 0, v.LiveSnapshots())
	return v.Stats()
}

func TestSnapshotsMatchModel(t *testing.T) {
	var mu sync.Mutex
	freed := 0
	t.Cleanup(func() {
		if !t.Failed() && freed == 0 {
			t.Error("no run freed a block: the test does not reach the dead lists")
		}
	})
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 0))
			st := runModel(t, rng.IntN, 600, 50)
			mu.Lock()
			freed += st.BlocksFreed
			mu.Unlock()
		})
	}
}

// FuzzSnapshotsMatchModel lets go test -fuzz choose the operations: each
// byte of the input is one choice.
func FuzzSnapshotsMatchModel(f *testing.F) {
	f.Add([]byte{8, 0, 1, 2, 1, 0, 200, 9, 1, 3, 3, 7, 8, 1, 4, 4, 0, 0, 9, 0})
	f.Add([]byte("snapshot, write, release and write again"))
	f.Fuzz(func(t *testing.T, b []byte) {
		choose := func(n int) int {
			if len(b) == 0 {
				return 0
			}
			c := int(b[0])
			b = b[1:]
			if n > 256 && len(b) > 0 {
				c = c<<8 | int(b[0])
				b = b[1:]
			}
			return c % n
		}
		runModel(t, choose, min(len(b)/4, 200), 10)
	})
}
