package writer

import "strings"

// SameSet reports whether f and g name the same file set, as the restore
// calls that take a file set (AddNewTarget, AddAlternativeLocationMapping)
// must match one the writer declared: the same directory (letter case,
// the kind of slash and a trailing one aside), the same file
// specification (letter case aside) and the same recursion. AlternatePath
// is not compared.
func (f FileSpec) SameSet(g FileSpec) bool {
	dir := func(p string) string { return strings.TrimRight(strings.ReplaceAll(p, `\`, "/"), "/") }
	return strings.EqualFold(dir(f.Path), dir(g.Path)) && strings.EqualFold(f.Spec, g.Spec) && f.Recursive == g.Recursive
}

// InSet reports whether a component at logicalPath belongs to the
// component set that component k defines: its logical path is k's full
// path (k.String()) or lies below it. Logical paths compare without
// regard to letter case.
func (k ComponentKey) InSet(logicalPath string) bool {
	full := k.String()
	return strings.EqualFold(logicalPath, full) ||
		(len(logicalPath) > len(full) && strings.EqualFold(logicalPath[:len(full)], full) && logicalPath[len(full)] == '\\')
}
