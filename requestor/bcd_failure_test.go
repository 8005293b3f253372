package requestor_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

// What a writer records in its components — a failure
// (IVssComponentEx2::SetFailure), partial files (IVssComponent::AddPartialFile)
// and differenced files (AddDifferencedFilesByLastModifyTime) — is part of
// the backup components document ("Backup Components Document Contents":
// the requestor reads it through IVssComponent), so it survives SaveAsXML
// and a parse, written the direct way and through the tree alike.
func TestBackupDocumentKeepsComponentFailuresPartialAndDifferencedFiles(t *testing.T) {
	d := requestor.NewBackupDocument(requestor.BackupState{SelectComponents: true, Type: vss.BackupIncremental, PartialFileSupport: true})
	c, err := d.AddComponent(vss.ID{1}, vss.ID{2}, writer.ComponentKey{Type: vss.ComponentDatabase, LogicalPath: "SQL", Name: "sales"})
	require.NoError(t, err)
	c.PreviousBackupStamp, c.BackupOptions = "lsn:7", "COPY_ONLY=0"
	c.SetBackupStamp("lsn:42")
	require.NoError(t, c.SetFailure(vss.ErrWriterRetryable, 0x80070020, "file in use"))
	require.NoError(t, c.AddPartialFile(`C:\db`, "sales.mdf", "0:4096,0x10000:8192", "crc=1"))
	when := time.Date(2026, 11, 30, 9, 0, 0, 123456700, time.UTC)
	require.NoError(t, c.AddDifferencedFilesByLastModifyTime(`C:\db\logs`, "*.ldf", true, when))

	for name, doc := range map[string]*requestor.BackupDocument{"direct": d, "tree": withUnknownElement(d)} {
		t.Run(name, func(t *testing.T) {
			out, err := doc.XML()
			require.NoError(t, err)
			back, err := requestor.ParseBackupDocument([]byte(out))
			require.NoError(t, err, out)
			if diff := cmp.Diff(doc, back); diff != "" {
				t.Errorf("round trip (-wrote +read):\n%s\n%s", diff, out)
			}
			got := back.Writers[0].Components[0]
			if got.Failure == nil || *got.Failure != (writer.Failure{Code: vss.ErrWriterRetryable, Application: 0x80070020, Message: "file in use"}) {
				t.Errorf("failure = %+v", got.Failure)
			}
			if !got.DifferencedFiles[0].LastModifyTime.Equal(when) {
				t.Errorf("last modify time %v, want %v", got.DifferencedFiles[0].LastModifyTime, when)
			}
		})
	}
}

// withUnknownElement returns a copy of d with an element the model does
// not know, which makes XML write through the tree.
func withUnknownElement(d *requestor.BackupDocument) *requestor.BackupDocument {
	c := *d
	c.Unknown.Elements = []vss.XMLElement{{Tag: "SNAPSHOT_SET_DESCRIPTION"}}
	return &c
}
