package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/internal/testdata"
)

const wmd = `<WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo" version="1.2"><IDENTIFICATION writerId="a65faa63-5ea8-4ebc-9dbd-a0c4db26912a" instanceId="dd8d6255-b3bb-4ec1-8249-73cd75c0ee21" friendlyName="Shop Writer" usage="USER_DATA" dataSource="TRANSACTION_DB"/>` +
	`<BACKUP_LOCATIONS><FILE_GROUP logicalPath="Shop" componentName="orders" selectable="yes"><FILE_LIST path="C:\shop" filespec="orders.db"/></FILE_GROUP></BACKUP_LOCATIONS></WRITER_METADATA>`

const bcd = `<BACKUP_COMPONENTS xmlns="x-schema:#VssComponentMetadata" version="1.2" selectComponents="yes" backupType="full" snapshotSetId="e109943b-232e-4b52-8dc4-62b7de94761b">` +
	`<WRITER_COMPONENTS instanceId="dd8d6255-b3bb-4ec1-8249-73cd75c0ee21" writerId="a65faa63-5ea8-4ebc-9dbd-a0c4db26912a"><COMPONENT logicalPath="Shop" componentName="orders" componentType="filegroup" backupSucceeded="yes" backupStamp="lsn:9"/></WRITER_COMPONENTS></BACKUP_COMPONENTS>`

func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

func runInspect(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestSummaries(t *testing.T) {
	code, out, _ := runInspect(write(t, "w.xml", wmd))
	require.Equal(t, 0, code)
	for _, s := range []string{"writer metadata document", "Shop Writer", "{A65FAA63-5EA8-4EBC-9DBD-A0C4DB26912A}", "VSS_UT_USERDATA", `Shop\orders`, "selectable yes", `C:\shop\orders.db`} {
		assert.Contains(t, out, s)
	}
	code, out, _ = runInspect(write(t, "b.xml", bcd))
	require.Equal(t, 0, code)
	for _, s := range []string{"backup components document", "VSS_BT_FULL", "component mode    yes", `Shop\orders`, "backed up", `"lsn:9"`} {
		assert.Contains(t, out, s)
	}
}

func TestJSON(t *testing.T) {
	code, out, _ := runInspect("-json", write(t, "b.xml", bcd))
	require.Equal(t, 0, code)
	var v struct {
		Kind     string
		Document struct {
			SelectComponents bool
			Writers          []struct {
				Components []struct{ Name, BackupStamp string }
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.Equal(t, "backup components document", v.Kind)
	assert.True(t, v.Document.SelectComponents)
	assert.Equal(t, "lsn:9", v.Document.Writers[0].Components[0].BackupStamp)
}

func TestRoundTrip(t *testing.T) {
	code, out, _ := runInspect("-roundtrip", write(t, "w.xml", wmd), write(t, "b.xml", bcd))
	require.Equal(t, 0, code)
	assert.Contains(t, out, "writer metadata document: round trip equal, nothing lost")
	assert.Contains(t, out, "backup components document: round trip equal, nothing lost")
}

// The round trip check is not vacuous: given an input holding an attribute
// the written document lacks, it reports the loss.
func TestRoundTripReportsLoss(t *testing.T) {
	d, err := parse([]byte(wmd))
	require.NoError(t, err)
	doctored := bytes.Replace([]byte(wmd), []byte(`componentName="orders"`), []byte(`componentName="orders" extra="1"`), 1)
	var out bytes.Buffer
	err = checkRoundTrip(doctored, d, &out)
	assert.True(t, errors.Is(err, errChanged))
	assert.Contains(t, out.String(), `lost: attribute /WRITER_METADATA/BACKUP_LOCATIONS/FILE_GROUP@extra="1"`)
}

func TestErrors(t *testing.T) {
	code, _, errOut := runInspect(write(t, "bad.xml", `<WRITER_METADATA><IDENTIFICATION writerId="x"/></WRITER_METADATA>`))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `attribute writerId: "x" is not a GUID`)
	code, _, errOut = runInspect(write(t, "other.xml", `<html/>`))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "a VSS document has <WRITER_METADATA> or <BACKUP_COMPONENTS>")
	code, _, _ = runInspect()
	assert.Equal(t, 2, code)
}

// Every real document of ../shared/testdata passes -roundtrip; the
// diskshadow manifests are refused for what they are.
func TestRealDocuments(t *testing.T) {
	dir := testdata.Dir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.xml"))
	if len(files) == 0 {
		t.Fatalf("no real VSS documents under %s", dir)
	}
	for _, f := range files {
		code, out, errOut := runInspect("-roundtrip", f)
		if filepath.Base(f) != "" && bytes.Contains([]byte(f), []byte("Manifest")) {
			assert.Equal(t, 1, code, f)
			assert.Contains(t, errOut, "diskshadow manifest")
			continue
		}
		assert.Equal(t, 0, code, "%s: %s%s", f, out, errOut)
	}
}

// A component's failure, partial files and differenced files show in the
// summary of a backup components document.
func TestSummaryOfComponentFailureAndFiles(t *testing.T) {
	doc := `<BACKUP_COMPONENTS xmlns="x-schema:#VssComponentMetadata" version="1.2" selectComponents="yes" backupType="incremental">` +
		`<WRITER_COMPONENTS instanceId="dd8d6255-b3bb-4ec1-8249-73cd75c0ee21" writerId="a65faa63-5ea8-4ebc-9dbd-a0c4db26912a">` +
		`<COMPONENT componentName="orders" componentType="database" failure="2147754995" applicationFailure="0" applicationMessage="locked">` +
		`<PARTIAL_FILE path="C:\shop" filename="orders.db" ranges="0:4096"/>` +
		`<DIFFERENCED_FILE path="C:\shop\logs" filespec="*.log" recursive="no" lastModifyTime="134405028000000000"/></COMPONENT></WRITER_COMPONENTS></BACKUP_COMPONENTS>`
	code, out, _ := runInspect(write(t, "b.xml", doc))
	require.Equal(t, 0, code)
	for _, s := range []string{"failed: VSS_E_WRITERERROR_RETRYABLE (locked)", "1 partial files", "1 differenced file sets"} {
		assert.Contains(t, out, s)
	}
}
