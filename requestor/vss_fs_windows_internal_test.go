//go:build windows && (amd64 || arm64)

package requestor

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"golang.org/x/sys/windows"
)

// TestLinkTags: reparse points that name another file (the name-surrogate
// bit of the tag) are links; those that hold their own data behind a
// filter are files, read as such (ntifs.h IsReparseTagNameSurrogate).
func TestLinkTags(t *testing.T) {
	for _, tc := range []struct {
		name string
		tag  uint32
		link bool
	}{
		{"symbolic link", windows.IO_REPARSE_TAG_SYMLINK, true},
		{"junction or mount point", windows.IO_REPARSE_TAG_MOUNT_POINT, true},
		{"deduplicated file", 0x80000013, false}, // IO_REPARSE_TAG_DEDUP
		{"cloud file", 0x9000001A, false},        // IO_REPARSE_TAG_CLOUD_1
		{"AF_UNIX socket", 0x80000023, false},    // IO_REPARSE_TAG_AF_UNIX
	} {
		if got := isLinkTag(tc.tag); got != tc.link {
			t.Errorf("%s (%#x): link %v, want %v", tc.name, tc.tag, got, tc.link)
		}
	}
	// A junction, which Go reports as an irregular file, is shown as a
	// link.
	fi, err := fstest.MapFS{"j": {Mode: fs.ModeIrregular | 0o555}}.Stat("j")
	if err != nil {
		t.Fatal(err)
	}
	if l := infoOf(fi, true); l.Mode() != fs.ModeSymlink|0o555 || l.IsDir() {
		t.Errorf("a junction's info: mode %v, dir %v", l.Mode(), l.IsDir())
	}
	if infoOf(fi, false) != fi {
		t.Error("a file that is not a link was changed")
	}
}
