package requestor

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// SnapshotFile is a file of a shadow copy that a component's file set
// names: where to read it and where it belongs.
type SnapshotFile struct {
	// Volume is the shadow-copied volume, as Plan.Volumes names it, and
	// FS the shadow copy's contents; Name is the file in FS,
	// slash-separated ("shop/orders.db").
	Volume string
	FS     fs.FS
	Name   string
	// Path is the file's place on the original volume, a Windows path
	// (`C:\shop\orders.db`): where a restore puts it back. For a file set
	// with an alternate path the file was read there, and Path is still
	// under the file set's own Path.
	Path string
	// Component is the component whose file set named the file: the one
	// selected, or a subcomponent of its component set.
	Component writer.ComponentKey
	// Spec is the file set that named it.
	Spec writer.FileSpec
}

// Open opens the file in the shadow copy.
func (f SnapshotFile) Open() (fs.File, error) { return f.FS.Open(f.Name) }

// OriginalPath returns the Windows path on the original volume of name,
// a slash-separated file of the shadow copy: for the shadow copy of `C:\`,
// "shop/orders.db" is `C:\shop\orders.db`.
func (v VolumeSnapshot) OriginalPath(name string) string {
	root := strings.TrimRight(v.Volume, `\/`)
	if name == "." || name == "" {
		return root + `\`
	}
	return root + `\` + strings.ReplaceAll(name, "/", `\`)
}

// ComponentFiles lists the files of a writer's component in the shadow
// copies snaps: the files its file sets (Files, DatabaseFiles, LogFiles)
// name, and those of the components of its component set (the components
// whose logical path is under it, which selecting it includes; Working
// with Selectability and Logical Paths), less the files the writer's
// exclude list names. md is the writer's metadata, as GatherWriterMetadata
// returned it. The files come in the order of the file sets, each set's
// files in lexical order; a file two sets name is listed once.
//
// File sets (writer.FileSpec, IVssWMFiledesc) name files the way
// Microsoft's pages define them:
//
//   - Path is a directory, a Windows path that may hold environment
//     variables (%SystemRoot%) but no wildcards, with or without a
//     trailing backslash ("file set", VSS glossary;
//     IVssCreateWriterMetadata::AddFilesToFileGroup). It is matched to
//     the snapshotted volume it is on whatever its case.
//   - Spec is a file name that may hold the ? and * wildcards and no
//     directory (IVssWMFiledesc::GetFilespec), matched as FindFirstFile
//     matches, which "Overview of the Backup Discovery Phase" says to use:
//     ? is one character, * any number, letters match whatever their
//     case. The VSS pages say no more; as FindFirstFile does, and this
//     library's rule, a final ".*" also matches a name with no
//     extension, so "*.*" is every file (Microsoft's own example of a
//     file set, C:\Database\*.*, in "Writer Metadata Document
//     Contents"). MatchFileSpec applies these rules.
//   - Recursive takes in the files of every directory under Path too
//     (IVssWMFiledesc::GetRecursive).
//   - AlternatePath, when set, is where the files are read at backup;
//     they are still restored to Path (Working with Alternate Paths during
//     Backup; AddFilesToFileGroup), which SnapshotFile.Path gives.
//   - The writer's exclude list (writer.Metadata.ExcludeFiles,
//     IVssCreateWriterMetadata::AddExcludeFiles) takes precedence over its
//     components' files ("Exclude File List Specification", Writer
//     Metadata Document Contents); a file is left out when the list names
//     it where it is read or where it is restored.
//
// Only regular files are listed: links and other reparse points are not
// followed, and a directory is never a match itself. A file set whose
// directory does not exist in the shadow copy names no file; that is not
// an error (a writer may declare files before they exist, "Overview of
// Backup Initialization").
//
// It fails with vss.ErrObjectNotFound when md has no component key, and
// when a file set's directory is on none of the snapshotted volumes (the
// component's data would be missing from the backup) or names an
// environment variable that is not set.
func ComponentFiles(snaps []VolumeSnapshot, md *writer.Metadata, key writer.ComponentKey) ([]SnapshotFile, error) {
	const op = "ComponentFiles"
	c := md.Component(key)
	if c == nil {
		return nil, vss.Errorf(vss.ErrObjectNotFound, op, "writer %q declares no component %v", md.Name, key)
	}
	excl := NewExcludeList(md)
	seen := map[string]bool{}
	var out []SnapshotFile
	for _, comp := range componentSet(md, c) {
		for _, spec := range allFileSets(comp) {
			files, err := listFileSet(snaps, spec)
			if err != nil {
				return nil, vss.Errorf(vss.ErrObjectNotFound, op, "component %v of writer %q: %w", comp.Key(), md.Name, err)
			}
			for _, f := range files {
				id := f.Volume + "\x00" + f.Name
				if seen[id] || excl.Excludes(f.Path) || excl.Excludes(snapshotOf(snaps, f.Volume).OriginalPath(f.Name)) {
					continue
				}
				seen[id] = true
				f.Component = comp.Key()
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// componentSet returns c and the components of md in c's component set,
// in document order.
func componentSet(md *writer.Metadata, c *writer.ComponentInfo) []*writer.ComponentInfo {
	full := c.Name
	if c.LogicalPath != "" {
		full = c.LogicalPath + `\` + c.Name
	}
	set := []*writer.ComponentInfo{c}
	for _, o := range md.Components {
		if o != c && (o.LogicalPath == full || strings.HasPrefix(o.LogicalPath, full+`\`)) {
			set = append(set, o)
		}
	}
	return set
}

func allFileSets(c *writer.ComponentInfo) []writer.FileSpec {
	out := make([]writer.FileSpec, 0, len(c.Files)+len(c.DatabaseFiles)+len(c.LogFiles))
	out = append(out, c.Files...)
	out = append(out, c.DatabaseFiles...)
	return append(out, c.LogFiles...)
}

func snapshotOf(snaps []VolumeSnapshot, volume string) VolumeSnapshot {
	for _, s := range snaps {
		if s.Volume == volume {
			return s
		}
	}
	return VolumeSnapshot{Volume: volume}
}

// listFileSet lists the regular files of the shadow copies that spec
// names, read from its alternate path when it has one.
func listFileSet(snaps []VolumeSnapshot, spec writer.FileSpec) ([]SnapshotFile, error) {
	home, err := expandPath(spec.Path)
	if err != nil {
		return nil, err
	}
	from := home
	if spec.AlternatePath != "" {
		if from, err = expandPath(spec.AlternatePath); err != nil {
			return nil, err
		}
	}
	snap, rel, ok := onVolume(snaps, from)
	if !ok {
		return nil, errors.New(from + ` is not on a volume of the snapshot set`)
	}
	if snap.FS == nil {
		return nil, errors.New("the shadow copy of " + snap.Volume + " cannot be read in this process")
	}
	dir, err := resolveDir(snap.FS, rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	pat := newPattern(spec.Spec)
	var out []SnapshotFile
	add := func(name string) {
		sub := strings.TrimPrefix(strings.TrimPrefix(name, dir), "/")
		if dir == "." {
			sub = name
		}
		out = append(out, SnapshotFile{Volume: snap.Volume, FS: snap.FS, Name: name,
			Path: home + `\` + strings.ReplaceAll(sub, "/", `\`), Spec: spec})
	}
	if !spec.Recursive {
		entries, err := fs.ReadDir(snap.FS, dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Type().IsRegular() && pat.match(e.Name()) {
				add(path.Join(dir, e.Name()))
			}
		}
		return out, nil
	}
	err = fs.WalkDir(snap.FS, dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && pat.match(d.Name()) {
			add(name)
		}
		return nil
	})
	return out, err
}

// onVolume finds the shadow copy of the volume p is on, the one with
// the longest root when volumes are mounted in one another, and returns
// p's slash-separated path in it.
func onVolume(snaps []VolumeSnapshot, p string) (VolumeSnapshot, string, bool) {
	best, bestLen, rel := -1, -1, ""
	lp := strings.ToLower(p)
	for i, s := range snaps {
		root := strings.ToLower(strings.TrimRight(s.Volume, `\/`))
		var rest string
		switch {
		case lp == root:
		case strings.HasPrefix(lp, root+`\`):
			rest = p[len(root)+1:]
		default:
			continue
		}
		if len(root) > bestLen {
			best, bestLen, rel = i, len(root), rest
		}
	}
	if best < 0 {
		return VolumeSnapshot{}, "", false
	}
	rel = strings.Trim(strings.ReplaceAll(rel, `\`, "/"), "/")
	if rel == "" {
		rel = "."
	}
	return snaps[best], rel, true
}

// resolveDir returns the directory rel of fsys as fsys spells it: Windows
// paths match whatever their case, so a writer's `C:\Shop` is the shadow
// copy's "shop".
func resolveDir(fsys fs.FS, rel string) (string, error) {
	if !fs.ValidPath(rel) {
		return "", errors.New(rel + " is not a valid path")
	}
	if fi, err := fs.Stat(fsys, rel); err == nil {
		if !fi.IsDir() {
			return "", &fs.PathError{Op: "open", Path: rel, Err: fs.ErrNotExist}
		}
		return rel, nil
	}
	cur := "."
	for _, part := range strings.Split(rel, "/") {
		entries, err := fs.ReadDir(fsys, cur)
		if err != nil {
			return "", err
		}
		found := ""
		for _, e := range entries {
			if e.IsDir() && strings.EqualFold(e.Name(), part) {
				found = e.Name()
				break
			}
		}
		if found == "" {
			return "", &fs.PathError{Op: "open", Path: rel, Err: fs.ErrNotExist}
		}
		cur = path.Join(cur, found)
	}
	return cur, nil
}

// expandPath expands the %NAME% environment variables of a file set's
// path and drops its trailing backslashes.
func expandPath(p string) (string, error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(p, '%')
		if i < 0 {
			break
		}
		j := strings.IndexByte(p[i+1:], '%')
		if j < 0 {
			break
		}
		name := p[i+1 : i+1+j]
		v, ok := os.LookupEnv(name)
		if !ok {
			return "", errors.New("environment variable %" + name + "% is not set")
		}
		b.WriteString(p[:i])
		b.WriteString(v)
		p = p[i+2+j:]
	}
	b.WriteString(p)
	return strings.TrimRight(strings.ReplaceAll(b.String(), "/", `\`), `\`), nil
}

// ExcludeList is the exclude lists of writers (writer.Metadata.ExcludeFiles,
// IVssCreateWriterMetadata::AddExcludeFiles): the files a backup must
// leave out. A tool that copies whole directories, not components, checks
// each file against the exclude lists of every writer.
type ExcludeList struct {
	sets []fileSet
}

// NewExcludeList gathers the exclude lists of the writers mds. A file set
// whose path names an environment variable that is not set excludes
// nothing.
func NewExcludeList(mds ...*writer.Metadata) *ExcludeList {
	l := &ExcludeList{}
	for _, md := range mds {
		for _, spec := range md.ExcludeFiles {
			dir, err := expandPath(spec.Path)
			if err != nil {
				continue
			}
			l.sets = append(l.sets, fileSet{dir: strings.ToLower(dir), recursive: spec.Recursive, pat: newPattern(spec.Spec)})
		}
	}
	return l
}

// Excludes reports whether a writer's exclude list names the file at p,
// a Windows path on the original volume (`C:\shop\orders.tmp`; see
// VolumeSnapshot.OriginalPath).
func (l *ExcludeList) Excludes(p string) bool {
	if l == nil || len(l.sets) == 0 {
		return false
	}
	p = strings.ToLower(strings.ReplaceAll(p, "/", `\`))
	i := strings.LastIndexByte(p, '\\')
	if i < 0 {
		return false
	}
	dir, name := p[:i], p[i+1:]
	for _, s := range l.sets {
		if (dir == s.dir || s.recursive && strings.HasPrefix(dir, s.dir+`\`)) && s.pat.match(name) {
			return true
		}
	}
	return false
}

// fileSet is a file set made ready for matching: its directory expanded
// and in lower case.
type fileSet struct {
	dir       string
	recursive bool
	pat       pattern
}

// pattern is a file specification: ? matches one character, * any
// number, letters whatever their case; a final ".*" also matches a name
// with no extension (see ComponentFiles).
type pattern struct {
	spec    []rune
	noExt   []rune // spec without its final ".*", or nil
	matches bool   // "*" or "*.*": every name
}

func newPattern(spec string) pattern {
	s := []rune(strings.ToLower(spec))
	p := pattern{spec: s}
	if spec == "*" || spec == "*.*" {
		p.matches = true
	}
	if n := len(s); n >= 2 && s[n-2] == '.' && s[n-1] == '*' {
		p.noExt = s[:n-2]
	}
	return p
}

func (p pattern) match(name string) bool {
	if p.matches {
		return true
	}
	n := []rune(strings.ToLower(name))
	if wildMatch(p.spec, n) {
		return true
	}
	return p.noExt != nil && !strings.ContainsRune(name, '.') && wildMatch(p.noExt, n)
}

// wildMatch matches name against pat, in which ? is one rune and * any
// number, in linear time: on a mismatch it goes back to the last *.
func wildMatch(pat, name []rune) bool {
	pi, ni := 0, 0
	star, mark := -1, 0
	for ni < len(name) {
		switch {
		case pi < len(pat) && (pat[pi] == '?' || pat[pi] == name[ni]):
			pi++
			ni++
		case pi < len(pat) && pat[pi] == '*':
			star, mark = pi, ni
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ni = mark
		default:
			return false
		}
	}
	for pi < len(pat) && pat[pi] == '*' {
		pi++
	}
	return pi == len(pat)
}

// MatchFileSpec reports whether the file name name matches the file
// specification spec of a file set, as ComponentFiles matches: ? is one
// character, * any number, case does not matter, and a final ".*" also
// matches a name with no extension.
func MatchFileSpec(spec, name string) bool { return newPattern(spec).match(name) }
