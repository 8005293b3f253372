package provider

import (
	"fmt"
	"strings"
)

// Method names a method VSS calls on a provider: the methods of Provider
// and of its optional capabilities (FSOpener). It is the one list of
// provider method names in this module: traces, fault plans and
// interceptors all use it, and String returns the Go method name.
type Method int

// The provider methods, in the order of the creation sequence, then the
// management calls.
const (
	MethodIsVolumeSupported Method = iota + 1
	MethodBeginPrepareSnapshot
	MethodEndPrepareSnapshots
	MethodPreCommitSnapshots
	MethodCommitSnapshots
	MethodPostCommitSnapshots
	MethodPreFinalCommitSnapshots
	MethodPostFinalCommitSnapshots
	MethodAbortSnapshots
	MethodGetSnapshotProperties
	MethodSnapshotFS
	MethodDeleteSnapshots
	MethodQuery
)

var methodNames = [...]string{
	MethodIsVolumeSupported: "IsVolumeSupported", MethodBeginPrepareSnapshot: "BeginPrepareSnapshot",
	MethodEndPrepareSnapshots: "EndPrepareSnapshots", MethodPreCommitSnapshots: "PreCommitSnapshots",
	MethodCommitSnapshots: "CommitSnapshots", MethodPostCommitSnapshots: "PostCommitSnapshots",
	MethodPreFinalCommitSnapshots: "PreFinalCommitSnapshots", MethodPostFinalCommitSnapshots: "PostFinalCommitSnapshots",
	MethodAbortSnapshots: "AbortSnapshots", MethodGetSnapshotProperties: "GetSnapshotProperties",
	MethodSnapshotFS: "SnapshotFS", MethodDeleteSnapshots: "DeleteSnapshots", MethodQuery: "Query",
}

// String returns the Go method name, for example "CommitSnapshots".
func (m Method) String() string {
	if m > 0 && int(m) < len(methodNames) {
		return methodNames[m]
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Methods lists every provider method, in the order of the constants.
func Methods() []Method {
	ms := make([]Method, 0, len(methodNames)-1)
	for m := MethodIsVolumeSupported; int(m) < len(methodNames); m++ {
		ms = append(ms, m)
	}
	return ms
}

// ParseMethod returns the method named name (its Go method name). The
// error names the valid choices.
func ParseMethod(name string) (Method, error) {
	for _, m := range Methods() {
		if m.String() == name {
			return m, nil
		}
	}
	names := make([]string, 0, len(methodNames)-1)
	for _, m := range Methods() {
		names = append(names, m.String())
	}
	return 0, fmt.Errorf("provider: no method %q; the methods are %s", name, strings.Join(names, ", "))
}

// Creation reports whether m is a call of the creation sequence after
// BeginPrepareSnapshot, from EndPrepareSnapshots to
// PostFinalCommitSnapshots: a failure of one of them fails the whole set.
func (m Method) Creation() bool {
	return m >= MethodEndPrepareSnapshots && m <= MethodPostFinalCommitSnapshots
}
