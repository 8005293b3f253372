package writer_test

import (
	"fmt"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// A writer declares its components in OnIdentify with the builder methods
// of the Metadata it is handed; the requestor reads the document back.
func ExampleMetadata_AddComponent() {
	md := writer.NewMetadata(writer.Info{
		ClassID: vss.MustParseID("{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}"),
		Name:    "Inventory Writer", Usage: vss.UsageUserData, Source: vss.SourceTransactedDB,
	})
	if _, err := md.AddComponent(writer.ComponentInfo{
		Type: vss.ComponentDatabase, LogicalPath: "Inventory", Name: "stock", Selectable: true,
	}); err != nil {
		fmt.Println(err)
		return
	}
	_ = md.AddDatabaseFiles("Inventory", "stock", writer.FileSpec{Path: `C:\Inventory`, Spec: "stock.db"})
	_ = md.AddDatabaseLogFiles("Inventory", "stock", writer.FileSpec{Path: `C:\Inventory`, Spec: "stock.wal"})

	doc, _ := md.XML()
	back, _ := writer.ParseMetadata([]byte(doc))
	for _, c := range back.Components {
		fmt.Println(c.Key(), c.Type, "selectable:", c.Selectable, "files:", len(c.DatabaseFiles)+len(c.LogFiles))
	}
	// Output:
	// Inventory\stock VSS_CT_DATABASE selectable: true files: 2
}

// ParseMetadata reads a document saved by Windows, in UTF-8 or UTF-16.
func ExampleParseMetadata() {
	doc := `<WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo" version="1.2">` +
		`<IDENTIFICATION writerId="e8132975-6f93-4464-a53e-1050253ae220" instanceId="ce678d65-95d0-4bea-a43d-2a288bc94500" friendlyName="System Writer" usage="BOOTABLE_SYSTEM_STATE" dataSource="OTHER"/>` +
		`<BACKUP_LOCATIONS><FILE_GROUP componentName="System Files" selectable="yes"><FILE_LIST path="C:\Windows\System32" filespec="*.dll"/></FILE_GROUP></BACKUP_LOCATIONS></WRITER_METADATA>`
	md, err := writer.ParseMetadata([]byte(doc))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(md.Name, md.ClassID, md.Usage)
	fmt.Println(md.Components[0].Name, md.Components[0].Files[0].Path)

	_, err = writer.ParseMetadata([]byte(`<WRITER_METADATA><IDENTIFICATION writerId="nope"/></WRITER_METADATA>`))
	fmt.Println(err)
	// Output:
	// System Writer {E8132975-6F93-4464-A53E-1050253AE220} VSS_UT_BOOTABLESYSTEMSTATE
	// System Files C:\Windows\System32
	// vss document: <WRITER_METADATA/IDENTIFICATION> attribute writerId: "nope" is not a GUID (VSS_E_INVALID_XML_DOCUMENT)
}
