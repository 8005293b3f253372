package writer_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// vendorExtension is what a writer might add to its document on its own:
// an element with a namespace of its own, attributes, text and children.
var vendorExtension = vss.XMLElement{
	Tag: "INVENTORY_HINT",
	Attrs: []vss.XMLAttr{
		{Key: "xmlns", Value: "urn:example:inventory"},
		{Key: "note", Value: "checkpoint first & then copy\r\nthe log"},
	},
	Children: []vss.XMLElement{
		{Tag: "STEP", Attrs: []vss.XMLAttr{{Key: "order", Value: "1"}}, Text: "checkpoint"},
		{Space: "inv", Tag: "STEP", Attrs: []vss.XMLAttr{{Space: "xmlns", Key: "inv", Value: "urn:example:inv"}, {Space: "inv", Key: "order", Value: "2"}}},
	},
}

// A writer builds Unknown by hand, in the document, in a component and in
// a file set; the document written and read back holds the same.
func TestUnknownBuiltByHand(t *testing.T) {
	md := writer.NewMetadata(writer.Info{
		ClassID: vss.MustParseID("{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}"),
		Name:    "Inventory Writer", Usage: vss.UsageUserData, Source: vss.SourceTransactedDB,
	})
	md.Unknown = writer.Unknown{
		Attrs:    []vss.XMLAttr{{Key: "vendorVersion", Value: "7"}},
		Elements: []vss.XMLElement{vendorExtension},
	}
	md.UnknownIdentification = writer.Unknown{Attrs: []vss.XMLAttr{{Key: "build", Value: "9600"}}}
	c, err := md.AddComponent(writer.ComponentInfo{
		Type: vss.ComponentDatabase, LogicalPath: "Inventory", Name: "stock", Selectable: true,
		Unknown: writer.Unknown{Elements: []vss.XMLElement{{Tag: "SHARD", Text: "eu-west"}}},
	})
	require.NoError(t, err)
	require.NoError(t, md.AddDatabaseFiles("Inventory", "stock", writer.FileSpec{
		Path: `C:\Inventory`, Spec: "stock.db",
		Unknown: writer.Unknown{Attrs: []vss.XMLAttr{{Key: "compressed", Value: "yes"}}},
	}))
	assert.False(t, c.Unknown.Empty())

	doc, err := md.XML()
	require.NoError(t, err)
	for _, s := range []string{` vendorVersion="7"`, `<INVENTORY_HINT xmlns="urn:example:inventory"`, `<inv:STEP xmlns:inv="urn:example:inv" inv:order="2"/>`, `<SHARD>eu-west</SHARD>`, ` compressed="yes"`} {
		assert.Contains(t, doc, s)
	}
	back, err := writer.ParseMetadata([]byte(doc))
	require.NoError(t, err)
	if d := cmp.Diff(md, back); d != "" {
		t.Fatalf("read back differs (-built +read):\n%s", d)
	}
	assert.True(t, back.UnknownLocations.Empty())
	assert.Equal(t, []vss.XMLAttr{{Key: "compressed", Value: "yes"}}, back.Components[0].DatabaseFiles[0].Unknown.Attrs)
}

// A writer can add an element of its own to its metadata; a requestor
// reading the document finds it in Unknown.
func ExampleUnknown() {
	md := writer.NewMetadata(writer.Info{
		ClassID: vss.MustParseID("{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}"),
		Name:    "Inventory Writer", Usage: vss.UsageUserData, Source: vss.SourceTransactedDB,
	})
	md.Unknown.Elements = append(md.Unknown.Elements, vss.XMLElement{
		Tag:   "INVENTORY_HINT",
		Attrs: []vss.XMLAttr{{Key: "xmlns", Value: "urn:example:inventory"}, {Key: "shard", Value: "eu-west"}},
		Text:  "checkpoint before the backup",
	})
	doc, _ := md.XML()
	fmt.Println(doc[strings.Index(doc, "<INVENTORY_HINT"):])

	back, _ := writer.ParseMetadata([]byte(doc))
	for _, e := range back.Unknown.Elements {
		fmt.Printf("%s: %q\n", e.Tag, e.Text)
	}
	// Output:
	// <INVENTORY_HINT xmlns="urn:example:inventory" shard="eu-west">checkpoint before the backup</INVENTORY_HINT></WRITER_METADATA>
	// INVENTORY_HINT: "checkpoint before the backup"
}

// Text of an unknown element with carriage returns (written as
// references, since a CR read as itself is a line end) reads back as it
// was: written as itself, it came back as LF.
func TestUnknownTextKeepsCarriageReturns(t *testing.T) {
	doc := `<WRITER_METADATA><IDENTIFICATION writerId="00000000-0000-0000-0000-000000000001" instanceId="00000000-0000-0000-0000-000000000002"/>` +
		`<NOTE>a&#xD;b&#xD;&#xA;c &gt; d</NOTE></WRITER_METADATA>`
	md, err := writer.ParseMetadata([]byte(doc))
	require.NoError(t, err)
	require.Equal(t, "a\rb\r\nc > d", md.Unknown.Elements[0].Text)
	out, err := md.XML()
	require.NoError(t, err)
	again, err := writer.ParseMetadata([]byte(out))
	require.NoError(t, err)
	if d := cmp.Diff(md, again); d != "" {
		t.Fatalf("read back differs (-first +second):\n%s", d)
	}
}
