package writer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

func declareSales(t *testing.T) *writer.Metadata {
	t.Helper()
	md := writer.NewMetadata(writer.Info{
		ClassID: vss.MustParseID("{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}"), InstanceID: vss.MustParseID("{dd8d6255-b3bb-4ec1-8249-73cd75c0ee21}"),
		Name: "Sales Writer", Usage: vss.UsageUserData, Source: vss.SourceTransactedDB,
	})
	_, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentDatabase, LogicalPath: `HOST\SQL`, Name: "sales", Selectable: true, NotifyOnBackupComplete: true})
	require.NoError(t, err)
	require.NoError(t, md.AddDatabaseFiles(`HOST\SQL`, "sales", writer.FileSpec{Path: `C:\db`, Spec: "sales.mdf"}))
	require.NoError(t, md.AddDatabaseLogFiles(`HOST\SQL`, "sales", writer.FileSpec{Path: `C:\db`, Spec: "sales.ldf"}))
	_, err = md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, Name: "config", Selectable: true})
	require.NoError(t, err)
	require.NoError(t, md.AddFiles("", "config", writer.FileSpec{Path: `C:\etc`, Spec: "*", Recursive: true}))
	require.NoError(t, md.AddExcludeFiles(writer.FileSpec{Path: `C:\db`, Spec: "*.tmp"}))
	require.NoError(t, md.SetRestoreMethod(writer.RestoreMethod{Method: vss.RestoreIfCanReplace, WriterRestore: vss.WriterRestoreAlways}))
	require.NoError(t, md.AddAlternateLocationMapping(writer.FileSpec{Path: `C:\etc`, Spec: "*", Recursive: true, AlternatePath: `D:\etc`}))
	require.NoError(t, md.AddDependency(writer.ComponentKey{Type: vss.ComponentFileGroup, Name: "config"}, writer.Dependency{LogicalPath: `HOST\SQL`, ComponentName: "sales"}))
	md.SetBackupSchema(vss.SchemaDifferential | vss.SchemaIncremental)
	return md
}

// What a writer declares with the builder reads back equal.
func TestBuilderRoundTrip(t *testing.T) {
	md := declareSales(t)
	require.NoError(t, md.Validate())
	out, err := md.XML()
	require.NoError(t, err)
	back, err := writer.ParseMetadata([]byte(out))
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(md, back))
}

// The builder refuses what VSS refuses, and leaves the document unchanged.
func TestBuilderValidation(t *testing.T) {
	md := declareSales(t)
	before, err := md.XML()
	require.NoError(t, err)
	db := writer.ComponentKey{Type: vss.ComponentDatabase, LogicalPath: `HOST\SQL`, Name: "sales"}
	for _, tc := range []struct {
		name string
		err  error
		code vss.HRESULT
	}{
		{"no name", func() error {
			_, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup})
			return err
		}(), vss.ErrInvalidArg},
		{"no type", func() error { _, err := md.AddComponent(writer.ComponentInfo{Name: "x"}); return err }(), vss.ErrInvalidArg},
		{"backslash in name", func() error {
			_, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, Name: `a\b`})
			return err
		}(), vss.ErrInvalidArg},
		{"leading backslash", func() error {
			_, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, LogicalPath: `\HOST`, Name: "x"})
			return err
		}(), vss.ErrInvalidArg},
		{"trailing backslash", func() error {
			_, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, LogicalPath: `HOST\`, Name: "x"})
			return err
		}(), vss.ErrInvalidArg},
		{"empty segment", func() error {
			_, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, LogicalPath: `HOST\\SQL`, Name: "x"})
			return err
		}(), vss.ErrInvalidArg},
		{"twice", func() error {
			_, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentDatabase, LogicalPath: `HOST\SQL`, Name: "sales"})
			return err
		}(), vss.ErrObjectAlreadyExists},
		{"files with the component", func() error {
			_, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, Name: "y", Files: []writer.FileSpec{{Path: "C:", Spec: "*"}}})
			return err
		}(), vss.ErrInvalidArg},
		{"files of an unknown component", md.AddFiles("", "nope", writer.FileSpec{Path: `C:\`, Spec: "*"}), vss.ErrObjectNotFound},
		{"file group files to a database", md.AddFiles(`HOST\SQL`, "sales", writer.FileSpec{Path: `C:\`, Spec: "*"}), vss.ErrObjectNotFound},
		{"no path", md.AddDatabaseFiles(`HOST\SQL`, "sales", writer.FileSpec{Spec: "*.mdf"}), vss.ErrInvalidArg},
		{"no spec", md.AddExcludeFiles(writer.FileSpec{Path: `C:\`}), vss.ErrInvalidArg},
		{"path in spec", md.AddExcludeFiles(writer.FileSpec{Path: `C:\`, Spec: `db\*.tmp`}), vss.ErrInvalidArg},
		{"bad restore method", md.SetRestoreMethod(writer.RestoreMethod{Method: 42}), vss.ErrInvalidArg},
		{"stop-start without service", md.SetRestoreMethod(writer.RestoreMethod{Method: vss.RestoreStopStart}), vss.ErrInvalidArg},
		{"mapping of no file set", md.AddAlternateLocationMapping(writer.FileSpec{Path: `E:\`, Spec: "*", AlternatePath: `F:\`}), vss.ErrInvalidArg},
		{"mapping without target", md.AddAlternateLocationMapping(writer.FileSpec{Path: `C:\etc`, Spec: "*", Recursive: true}), vss.ErrInvalidArg},
		{"dependency without name", md.AddDependency(db, writer.Dependency{}), vss.ErrInvalidArg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Error(t, tc.err)
			assert.True(t, errors.Is(tc.err, tc.code), "%v is not %v", tc.err, tc.code)
		})
	}
	after, err := md.XML()
	require.NoError(t, err)
	assert.Equal(t, before, after, "a refused call changed the document")
}

// Identify fails a writer whose document is not valid, such as a
// database component without database files.
func TestIdentifyValidates(t *testing.T) {
	w := identifying{declare: func(md *writer.Metadata) error {
		_, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentDatabase, Name: "empty"})
		return err
	}}
	_, err := writer.Identify(context.Background(), w)
	require.Error(t, err)
	assert.True(t, errors.Is(err, vss.ErrInvalidArg))
	assert.Contains(t, err.Error(), "has no database files")
}

type identifying struct {
	declare func(*writer.Metadata) error
}

func (identifying) Info() writer.Info                                      { return writer.Info{Name: "w"} }
func (identifying) OnPrepareSnapshot(context.Context, *writer.Event) error { return nil }
func (identifying) OnFreeze(context.Context, *writer.Event) error          { return nil }
func (identifying) OnThaw(context.Context, *writer.Event) error            { return nil }
func (identifying) OnAbort(context.Context, *writer.Event) error           { return nil }
func (w identifying) OnIdentify(_ context.Context, md *writer.Metadata) error {
	return w.declare(md)
}

// The builder finds components and file sets through an index that
// follows what a program does to the document directly: components
// appended to Components, a component renamed through its pointer, a
// slice filtered, files added to or removed from a component's lists, a
// copy of the document.
func TestBuilderFollowsDirectChanges(t *testing.T) {
	md := declareSales(t)
	fg := func(name string) writer.ComponentKey {
		return writer.ComponentKey{Type: vss.ComponentFileGroup, Name: name}
	}
	md.Components = append(md.Components, &writer.ComponentInfo{Type: vss.ComponentFileGroup, Name: "appended"})
	require.NoError(t, md.AddFiles("", "appended", writer.FileSpec{Path: `C:\app`, Spec: "*"}))
	_, err := md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, Name: "appended"})
	assert.True(t, errors.Is(err, vss.ErrObjectAlreadyExists), "%v", err)

	md.Component(fg("appended")).Name = "renamed"
	require.NoError(t, md.AddFiles("", "renamed", writer.FileSpec{Path: `C:\app2`, Spec: "*"}))
	assert.True(t, errors.Is(md.AddFiles("", "appended", writer.FileSpec{Path: `C:\x`, Spec: "*"}), vss.ErrObjectNotFound))
	_, err = md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, Name: "appended"})
	require.NoError(t, err, "the old name is free")

	// Mappings find file sets by path and specification in any case.
	require.NoError(t, md.AddAlternateLocationMapping(writer.FileSpec{Path: `c:\APP2`, Spec: "*", AlternatePath: `D:\app2`}))
	c := md.Component(fg("renamed"))
	c.Files = append(c.Files, writer.FileSpec{Path: `C:\direct`, Spec: "*.log"})
	require.NoError(t, md.AddAlternateLocationMapping(writer.FileSpec{Path: `C:\direct`, Spec: "*.LOG", AlternatePath: `D:\direct`}))
	c.Files = nil
	assert.True(t, errors.Is(md.AddAlternateLocationMapping(writer.FileSpec{Path: `C:\app2`, Spec: "*", AlternatePath: `D:\app2`}), vss.ErrInvalidArg))

	// A filtered slice: the component left out is gone.
	var kept []*writer.ComponentInfo
	for _, c := range md.Components {
		if c.Name != "renamed" {
			kept = append(kept, c)
		}
	}
	md.Components = kept
	assert.True(t, errors.Is(md.AddFiles("", "renamed", writer.FileSpec{Path: `C:\x`, Spec: "*"}), vss.ErrObjectNotFound))

	// A copy has its own components list.
	cp := *md
	_, err = cp.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, Name: "copy only"})
	require.NoError(t, err)
	assert.True(t, errors.Is(md.AddFiles("", "copy only", writer.FileSpec{Path: `C:\x`, Spec: "*"}), vss.ErrObjectNotFound))
	_, err = md.AddComponent(writer.ComponentInfo{Type: vss.ComponentFileGroup, Name: "copy only"})
	require.NoError(t, err)
	require.NoError(t, md.Validate())
	require.NoError(t, cp.Validate())
}
