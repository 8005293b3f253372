package requestor

import (
	"context"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/writer"
)

// ComponentSelection names a writer component to back up. WriterClass
// alone names the component in every running instance of the writer
// class that declares it (most writer classes run one instance); with
// WriterInstance it names that instance's, as AddComponent takes it.
type ComponentSelection struct {
	WriterInstance vss.ID
	WriterClass    vss.ID
	Component      writer.ComponentKey
}

// Selector chooses the components of a component-mode backup once the
// writers have answered Identify (step 4): it sees every writer's
// metadata document, as WriterMetadata returns it, and returns the
// selection. An error ends the backup, as a failed step.
type Selector func(ctx context.Context, md []*writer.Metadata) ([]ComponentSelection, error)

// SelectByName returns a Selector that selects, in every writer named
// writerName, the components whose key prints as one of keys
// (writer.ComponentKey.String: `LogicalPath\Name`, or Name at the top).
// A key no such writer declares is an error (vss.ErrObjectNotFound), so a
// backup never silently leaves out what was asked for.
func SelectByName(writerName string, keys ...string) Selector {
	return func(_ context.Context, mds []*writer.Metadata) ([]ComponentSelection, error) {
		var out []ComponentSelection
		for _, k := range keys {
			n := len(out)
			for _, md := range mds {
				if md.Name != writerName {
					continue
				}
				for _, c := range md.Components {
					if c.Key().String() == k {
						out = append(out, ComponentSelection{WriterInstance: md.InstanceID, WriterClass: md.ClassID, Component: c.Key()})
					}
				}
			}
			if len(out) == n {
				return nil, vss.Errorf(vss.ErrObjectNotFound, "", "no writer %q declares a component %s", writerName, k)
			}
		}
		return out, nil
	}
}

// resolveSelection returns sels with each writer instance and class
// filled in from the gathered metadata: a selection by class alone
// becomes one per running instance of the class that declares the
// component. A selection by class that no running instance declares
// fails with vss.ErrObjectNotFound; one naming an instance is left for
// AddComponent to check, as VSS does.
func resolveSelection(sels []ComponentSelection, mds []*writer.Metadata) ([]ComponentSelection, *BackupError) {
	var out []ComponentSelection
	seen := map[ComponentSelection]bool{}
	add := func(s ComponentSelection) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range sels {
		if s.WriterInstance != vss.NilID {
			for _, md := range mds {
				if md.InstanceID == s.WriterInstance && s.WriterClass == vss.NilID {
					s.WriterClass = md.ClassID
				}
			}
			add(s)
			continue
		}
		found := false
		for _, md := range mds {
			if md.ClassID == s.WriterClass && md.Component(s.Component) != nil {
				add(ComponentSelection{WriterInstance: md.InstanceID, WriterClass: md.ClassID, Component: s.Component})
				found = true
			}
		}
		if !found {
			return nil, &BackupError{Step: "AddComponent " + s.Component.String(),
				Err: vss.Errorf(vss.ErrObjectNotFound, "", "no running writer of class %v declares the component", s.WriterClass)}
		}
	}
	return out, nil
}
