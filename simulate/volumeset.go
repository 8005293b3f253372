package simulate

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/vsskit/vss"
)

// VolumeSet is the volumes of a simulated machine, by name. Names are
// matched as Windows matches them, without regard to case, and the
// trailing backslash may be left out (`c:` names `C:\`). It
// also does VSS's flush and hold across volumes for the coordinator
// (coordinator.WriteHolder), and numbers the shadow copy devices of the
// providers that share it, as one machine numbers them.
type VolumeSet struct {
	mu      sync.Mutex
	vols    map[string]*Volume
	devices int
	shadows map[string]*VolumeSnapshot // by device object (ShadowCopy)
}

// NewVolumeSet returns a set holding vols. A volume with an empty or
// duplicate name is left out; use Add to see the error.
func NewVolumeSet(vols ...*Volume) *VolumeSet {
	s := &VolumeSet{vols: map[string]*Volume{}}
	for _, v := range vols {
		_ = s.Add(v)
	}
	return s
}

// volumeKey is how volume names are compared: without regard to case, and
// with or without the trailing backslash (`c:` is `C:\`).
func volumeKey(name string) string {
	k := strings.ToUpper(name)
	if !strings.HasSuffix(k, `\`) {
		k += `\`
	}
	return k
}

// Add adds a volume to the machine. The name must be new and not empty.
func (s *VolumeSet) Add(v *Volume) error {
	if v == nil || strings.TrimSpace(v.Name()) == "" {
		return vss.Errorf(vss.ErrInvalidArg, "add volume", "a volume needs a name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := volumeKey(v.Name())
	if _, ok := s.vols[k]; ok {
		return vss.Errorf(vss.ErrObjectAlreadyExists, "add volume", "volume %s already exists", v.Name())
	}
	s.vols[k] = v
	return nil
}

// Get returns the named volume.
func (s *VolumeSet) Get(name string) (*Volume, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.vols[volumeKey(name)]
	return v, ok
}

// Names returns the names of the volumes, sorted.
func (s *VolumeSet) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.vols))
	for _, v := range s.vols {
		names = append(names, v.Name())
	}
	slices.Sort(names)
	return names
}

// nextDevice returns the next shadow copy device object of the machine:
// \\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1, 2, ...
func (s *VolumeSet) nextDevice() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.devices++
	const prefix = `\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy`
	var b [len(prefix) + 20]byte
	return string(strconv.AppendInt(append(b[:0], prefix...), int64(s.devices), 10))
}

// resolve returns the named volumes, or an error naming the first unknown one.
func (s *VolumeSet) resolve(op string, names []string) ([]*Volume, error) {
	out := make([]*Volume, 0, len(names))
	for _, n := range names {
		v, ok := s.Get(n)
		if !ok {
			return nil, vss.Errorf(vss.ErrObjectNotFound, op, "no volume %s", n)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// HoldWrites flushes and holds writes on the named volumes, all or none:
// if one cannot be held (unknown: VSS_E_OBJECT_NOT_FOUND; already held:
// VSS_E_BAD_STATE), the ones held by this call are released and the error
// is returned.
func (s *VolumeSet) HoldWrites(ctx context.Context, volumes []string) error {
	const op = "HoldWrites"
	if err := ctx.Err(); err != nil {
		return err
	}
	vols, err := s.resolve(op, volumes)
	if err != nil {
		return err
	}
	for i, v := range vols {
		if err := v.HoldWrites(); err != nil {
			for _, h := range vols[:i] {
				_ = h.ReleaseWrites()
			}
			return err
		}
	}
	return nil
}

// ReleaseWrites releases the held writes of the named volumes; each
// applies its queued writes in order. It releases every volume it can,
// whatever ctx says (writes must never stay held), and returns the errors
// of the others (unknown, or not held).
func (s *VolumeSet) ReleaseWrites(_ context.Context, volumes []string) error {
	const op = "ReleaseWrites"
	var errs []error
	seen := map[*Volume]bool{}
	for _, n := range volumes {
		v, ok := s.Get(n)
		switch {
		case !ok:
			errs = append(errs, vss.Errorf(vss.ErrObjectNotFound, op, "no volume %s", n))
		case seen[v]:
		default:
			seen[v] = true
			if err := v.ReleaseWrites(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
