package media

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Entry names of the archive (see the package documentation).
const (
	dataDir        = "data/"
	backupDocEntry = "vss/backup-components.xml"
	writersDir     = "vss/writers/"
	manifestEntry  = "vss/manifest.json"
	digestEntry    = "vss/manifest.json.sha256"
)

// volumeKey turns a volume name as added to the snapshot set into the
// directory name its files go under: `C:\` is "C", `\\?\Volume{…}\` is
// "Volume{…}", `D:\mnt\data\` is "D_mnt_data". Characters other than
// letters, digits and -._{} become "_". The manifest keeps the volume's
// own name; the key only has to be a safe, readable tar name, and unique
// (the writer adds a suffix when two volumes make the same one).
func volumeKey(volume string) string {
	s := strings.TrimPrefix(volume, `\\?\`)
	s = strings.TrimRight(s, `\/`)
	s = strings.Replace(s, `:\`, `\`, 1)
	s = strings.TrimSuffix(s, ":")
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._{}", c) >= 0) {
			b[i] = '_'
		}
	}
	s = strings.Trim(string(b), ".")
	if s == "" {
		return "volume"
	}
	return s
}

// validKey reports whether a volume key read from an archive is one
// directory name.
func validKey(k string) bool {
	return k != "" && k != "." && k != ".." && !strings.ContainsAny(k, "/\\:\x00")
}

// checkPath refuses a path inside a volume that a restore could not
// write inside its target: it must be slash-separated and relative, with
// no empty, "." or ".." element (fs.ValidPath), no backslash or colon
// (a Windows absolute path, a device path such as \\?\ or \\.\, a drive
// letter or an alternate data stream), no NUL, and no element that
// Windows opens as a device (CON, PRN, AUX, NUL, COM0-9, LPT0-9, CONIN$,
// CONOUT$, with any extension). These are this library's rules: they
// keep a restore inside its target on every system.
func checkPath(p string) error {
	if p == "." || !fs.ValidPath(p) {
		return fmt.Errorf("%w: %q is not a relative path inside the volume", ErrUnsafePath, p)
	}
	if strings.ContainsAny(p, "\\:\x00") {
		return fmt.Errorf("%w: %q has a backslash, colon or NUL (an absolute, drive or device path on Windows)", ErrUnsafePath, p)
	}
	for elem := range strings.SplitSeq(p, "/") {
		if reservedName(elem) {
			return fmt.Errorf("%w: %q names the Windows device %s", ErrUnsafePath, p, elem)
		}
	}
	return nil
}

// reservedName reports whether Windows opens a file of that name as a
// device (Microsoft's "Naming Files, Paths, and Namespaces": CON, PRN,
// AUX, NUL, COM0-9, LPT0-9 and the superscript digits, also followed by
// an extension; and CONIN$, CONOUT$).
func reservedName(elem string) bool {
	base, _, _ := strings.Cut(elem, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) >= 4 && (base[:3] == "COM" || base[:3] == "LPT") {
		switch base[3:] {
		case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return true
		}
	}
	return false
}

// checkLink refuses a symbolic link at name (a path inside the volume)
// whose target could lead out of the volume: the target must be relative,
// slash-separated, in its shortest form (path.Clean leaves it as it is, so
// ".." comes only at its start and never follows another link) and, taken
// from the link's directory, stay inside the volume. This is this
// library's rule; it keeps a restored link pointing inside the restored
// volume.
func checkLink(name, target string) error {
	if target == "" || path.IsAbs(target) || strings.ContainsAny(target, "\\:\x00") || path.Clean(target) != target {
		return fmt.Errorf("%w: the link %s points to %q, not a relative path in its shortest form", ErrUnsafePath, name, target)
	}
	to := path.Join(path.Dir(name), target)
	if to == ".." || strings.HasPrefix(to, "../") {
		return fmt.Errorf("%w: the link %s points to %q, out of the volume", ErrUnsafePath, name, target)
	}
	return nil
}

// safeName turns a writer's name into a file name: letters, digits and
// -._ are kept, anything else becomes "_".
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			b[i] = '_'
		}
	}
	s = strings.Trim(string(b), ".")
	if s == "" {
		return "writer"
	}
	return s
}
