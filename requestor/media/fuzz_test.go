package media

import (
	"bytes"
	"context"
	"testing"
	"testing/fstest"

	"github.com/vsskit/vss/requestor"
)

// Any bytes: Open and Verify never panic, and agree: an archive Verify
// accepts reads back whole (every file and document to its end), and one
// that reads back whole passes Verify.
func FuzzOpenAndVerify(f *testing.F) {
	var b bytes.Buffer
	w := NewWriter(&b)
	fsys := fstest.MapFS{
		"a/file.txt": {Data: []byte("data")},
		"a/link":     {Data: []byte("file.txt"), Mode: 0o777 | 1<<27},
		"b/x":        {Data: bytes.Repeat([]byte("x"), 1000)},
	}
	if err := w.CopySnapshot(context.Background(), requestor.VolumeSnapshot{Volume: `C:\`, FS: fsys}); err != nil {
		f.Fatal(err)
	}
	if err := w.Finish("<BACKUP_COMPONENTS/>", nil); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:1536])
	f.Fuzz(func(t *testing.T, data []byte) {
		verr := verifyBytes(data)
		_, rerr := readAll(data)
		if (verr == nil) != (rerr == nil) {
			t.Fatalf("Verify: %v; reading back: %v", verr, rerr)
		}
	})
}
