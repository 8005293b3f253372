package media_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/media"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// A backup stored as an archive, and read back as a restore reads it.
func Example() {
	// A simulated machine: C:\ with one file, a writer, a provider.
	vol := simulate.NewVolume(`C:\`)
	vol.MkdirAll("Users/ann")
	vol.WriteFile("Users/ann/plan.txt", []byte("Q3: ship the backup tool.\n"))
	vols := simulate.NewVolumeSet(vol)
	r, _, err := simulate.NewSession(simulate.Config{
		Writers:   []writer.Writer{simulate.NewScriptedWriter("Orders")},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()

	// The files stream into the archive during the backup (Copy); the
	// documents follow once Backup has returned.
	var archive bytes.Buffer // a file, in a real tool
	mw := media.NewWriter(&archive)
	res, err := requestor.Backup(ctx, r, requestor.Plan{Volumes: []string{`C:\`}, Copy: mw.CopySnapshots})
	if err != nil {
		log.Fatal(err)
	}
	wmd, err := media.WriterMetadataXML(ctx, r, res)
	if err != nil {
		log.Fatal(err)
	}
	if err := mw.Finish(res.BackupDocument, wmd); err != nil {
		log.Fatal(err)
	}

	// Read back: the documents, and each file, checked as it is read.
	a, err := media.Open(bytes.NewReader(archive.Bytes()), int64(archive.Len()))
	if err != nil {
		log.Fatal(err)
	}
	docs, _ := a.WriterMetadata()
	fmt.Println("writer metadata documents:", len(docs))
	files, _ := a.Files()
	for _, f := range files {
		if !f.Mode.IsRegular() {
			fmt.Printf("%s %s%s\n", f.Mode, f.Volume, f.Path)
			continue
		}
		rc, _ := a.Open(f)
		data, err := io.ReadAll(rc)
		rc.Close()
		fmt.Printf("%s %s%s %q %v\n", f.Mode, f.Volume, f.Path, data, err)
	}

	// A damaged byte is found, and the entry named.
	b := bytes.Clone(archive.Bytes())
	b[bytes.Index(b, []byte("ship"))] = 'S'
	_, err = media.Verify(ctx, bytes.NewReader(b))
	var ee *media.EntryError
	fmt.Println(errors.Is(err, media.ErrCorrupt), errors.As(err, &ee) && ee.Entry == "data/C/Users/ann/plan.txt")
	// Output:
	// writer metadata documents: 1
	// drwxr-xr-x C:\Users
	// drwxr-xr-x C:\Users/ann
	// -rw-r--r-- C:\Users/ann/plan.txt "Q3: ship the backup tool.\n" <nil>
	// true true
}
