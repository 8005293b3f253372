package writer_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss/internal/testdata"
	"github.com/vsskit/vss/internal/xmldoc"
	"github.com/vsskit/vss/writer"
)

func realWMDs(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join(testdata.Dir(t), "*", "*.wmd.xml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// Every real writer metadata document parses, writes back, parses to an
// equal model, and loses no element or attribute.
func TestRealMetadataRoundTrip(t *testing.T) {
	for _, f := range realWMDs(t) {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".wmd.xml"), func(t *testing.T) {
			in, err := os.ReadFile(f)
			require.NoError(t, err)
			md, err := writer.ParseMetadata(in)
			require.NoError(t, err)
			require.NotEmpty(t, md.Name)
			require.False(t, md.ClassID.IsNil())

			out, err := md.XML()
			require.NoError(t, err)
			again, err := writer.ParseMetadata([]byte(out))
			require.NoError(t, err)
			if d := cmp.Diff(md, again); d != "" {
				t.Fatalf("parse(write(parse(doc))) differs from parse(doc) (-first +second):\n%s", d)
			}
			lost, err := xmldoc.Lost(in, []byte(out))
			require.NoError(t, err)
			require.Empty(t, lost, "elements or attributes lost in the round trip")
		})
	}
}
