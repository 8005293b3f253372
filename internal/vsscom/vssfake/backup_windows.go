//go:build windows && (amd64 || arm64)

package vssfake

import (
	"context"
	"fmt"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
	"github.com/vsskit/vss/internal/vsscom"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

const backupSlots = vsscom.BCEx3Slots

// backup is one fake IVssBackupComponents.
type backup struct{ f *Fake }

// final ends the session when the last reference goes, as VSS does:
// writers get BackupShutdown, non-persistent shadow copies go away.
func (b *backup) final() { _ = b.f.R.Close() }

// G is the number of argument slots of a GUID passed by value.
const G = com.GUIDSlots

// component reads the (type, logical path, name) triple at a[i].
func component(a []uintptr, i int) writer.ComponentKey {
	return writer.ComponentKey{Type: vss.ComponentType(int32(a[i])),
		LogicalPath: com.WString(com.Ptr(a[i+1])), Name: com.WString(com.Ptr(a[i+2]))}
}

func backupMethods() map[int]method {
	b := func(o *instance) *backup { return o.impl.(*backup) }
	call := func(name string, args int, fn func(f *Fake, a []uintptr) error) method {
		return method{args, func(o *instance, a []uintptr) vss.HRESULT {
			f := b(o).f
			f.record(name)
			if f.Panic == name {
				panic("vssfake: " + name + " panics, as asked")
			}
			if f.Hang == name {
				f.hang()
			}
			return hr(fn(f, a))
		}}
	}
	startCall := func(name string, run func(f *Fake, ctx context.Context) error) method {
		return method{2, func(o *instance, a []uintptr) vss.HRESULT {
			f := b(o).f
			f.record(name)
			if f.Panic == name {
				panic("vssfake: " + name + " panics, as asked")
			}
			putPtr(a[1], startAsync(f, name, run))
			return vss.OK
		}}
	}
	return map[int]method{
		vsscom.BCInitializeForBackup: call("InitializeForBackup", 2, func(f *Fake, a []uintptr) error {
			err := f.R.InitializeForBackup(ctx, com.BSTRString(com.Ptr(a[1])))
			f.mu.Lock()
			f.forBackup = f.forBackup || err == nil
			f.mu.Unlock()
			return err
		}),
		vsscom.BCInitializeForRestore: call("InitializeForRestore", 2, func(f *Fake, a []uintptr) error { return nil }),
		vsscom.BCSetContext: call("SetContext", 2, func(f *Fake, a []uintptr) error {
			return f.R.SetContext(ctx, vss.SnapshotContext(uint32(a[1])))
		}),
		vsscom.BCSetBackupState: call("SetBackupState", 5, func(f *Fake, a []uintptr) error {
			return f.R.SetBackupState(ctx, requestorState(a))
		}),
		vsscom.BCGatherWriterMetadata: startCall("GatherWriterMetadata", func(f *Fake, ctx context.Context) error {
			if err := f.R.GatherWriterMetadata(ctx); err != nil {
				return err
			}
			md, err := f.R.WriterMetadata(ctx)
			f.mu.Lock()
			f.metadata, f.metaFreed = md, false
			f.mu.Unlock()
			return err
		}),
		vsscom.BCGetWriterMetadataCount: call("GetWriterMetadataCount", 2, func(f *Fake, a []uintptr) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			putU32(a[1], uint32(len(f.metadata)))
			return nil
		}),
		vsscom.BCGetWriterMetadata: call("GetWriterMetadata", 4, func(f *Fake, a []uintptr) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			i := int(uint32(a[1]))
			if i >= len(f.metadata) {
				return vss.ErrInvalidArg
			}
			com.PutGUID(a[2], f.metadata[i].InstanceID)
			putPtr(a[3], newObject("examine", &examine{m: f.metadata[i]}))
			return nil
		}),
		vsscom.BCFreeWriterMetadata: call("FreeWriterMetadata", 1, func(f *Fake, a []uintptr) error {
			f.mu.Lock()
			f.metadata, f.metaFreed = nil, true
			f.mu.Unlock()
			return nil
		}),
		vsscom.BCAddComponent: call("AddComponent", 4+2*G, func(f *Fake, a []uintptr) error {
			inst, i := com.ArgGUID(a, 1)
			class, i := com.ArgGUID(a, i)
			return f.R.AddComponent(ctx, inst, class, component(a, i))
		}),
		vsscom.BCPrepareForBackup: startCall("PrepareForBackup", func(f *Fake, ctx context.Context) error { return f.R.PrepareForBackup(ctx) }),
		vsscom.BCDoSnapshotSet:    startCall("DoSnapshotSet", func(f *Fake, ctx context.Context) error { return f.R.DoSnapshotSet(ctx) }),
		vsscom.BCBackupComplete:   startCall("BackupComplete", func(f *Fake, ctx context.Context) error { return f.R.BackupComplete(ctx) }),
		vsscom.BCPreRestore:       startCall("PreRestore", func(f *Fake, ctx context.Context) error { return nil }),
		vsscom.BCPostRestore:      startCall("PostRestore", func(f *Fake, ctx context.Context) error { return nil }),
		vsscom.BCGatherWriterStatus: startCall("GatherWriterStatus", func(f *Fake, ctx context.Context) error {
			if err := f.R.GatherWriterStatus(ctx); err != nil {
				return err
			}
			st, err := f.R.WriterStatus(ctx)
			f.mu.Lock()
			f.status = st
			f.mu.Unlock()
			return err
		}),
		vsscom.BCAbortBackup: call("AbortBackup", 1, func(f *Fake, a []uintptr) error { return f.R.AbortBackup(ctx) }),
		vsscom.BCGetWriterStatusCount: call("GetWriterStatusCount", 2, func(f *Fake, a []uintptr) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			putU32(a[1], uint32(len(f.status)))
			return nil
		}),
		vsscom.BCGetWriterStatus: call("GetWriterStatus", 7, func(f *Fake, a []uintptr) error {
			_, err := f.putWriterStatus(a, vss.ErrInvalidArg)
			return err
		}),
		vsscom.BCFreeWriterStatus: call("FreeWriterStatus", 1, func(f *Fake, a []uintptr) error {
			f.mu.Lock()
			f.status = nil
			f.mu.Unlock()
			return nil
		}),
		vsscom.BCSetBackupSucceeded: call("SetBackupSucceeded", 5+2*G, func(f *Fake, a []uintptr) error {
			inst, i := com.ArgGUID(a, 1)
			class, i := com.ArgGUID(a, i)
			return f.R.SetBackupSucceeded(ctx, inst, class, component(a, i), a[i+3]&0xFF != 0)
		}),
		vsscom.BCSetSelectedForRestore: call("SetSelectedForRestore", 5+G, func(f *Fake, a []uintptr) error {
			class, i := com.ArgGUID(a, 1)
			k := component(a, i)
			f.mu.Lock()
			f.restore = append(f.restore, fmt.Sprintf("%v:%s=%v", class, k, a[i+3]&0xFF != 0))
			f.mu.Unlock()
			return nil
		}),
		vsscom.BCSaveAsXML: call("SaveAsXML", 2, func(f *Fake, a []uintptr) error {
			x, err := f.R.SaveAsXML(ctx)
			if err != nil {
				return err
			}
			p, err := com.AllocBSTR(x)
			putPtr(a[1], p)
			return err
		}),
		vsscom.BCStartSnapshotSet: call("StartSnapshotSet", 2, func(f *Fake, a []uintptr) error {
			id, err := f.R.StartSnapshotSet(ctx)
			com.PutGUID(a[1], id)
			return err
		}),
		vsscom.BCAddToSnapshotSet: call("AddToSnapshotSet", 3+G, func(f *Fake, a []uintptr) error {
			prov, i := com.ArgGUID(a, 2)
			id, err := f.R.AddToSnapshotSet(ctx, com.WString(com.Ptr(a[1])), prov)
			if err == nil {
				f.mu.Lock()
				f.snapshots = append(f.snapshots, id)
				f.mu.Unlock()
			}
			com.PutGUID(a[i], id)
			return err
		}),
		vsscom.BCDeleteSnapshots: call("DeleteSnapshots", 5+G, func(f *Fake, a []uintptr) error {
			id, i := com.ArgGUID(a, 1)
			n, err := f.R.DeleteSnapshots(ctx, id, provider.ObjectType(int32(a[i])))
			putU32(a[i+2], uint32(n))
			return err
		}),
		vsscom.BCGetSnapshotProperties: call("GetSnapshotProperties", 2+G, func(f *Fake, a []uintptr) error {
			id, i := com.ArgGUID(a, 1)
			return f.snapshotProp(id, (*vsscom.SnapshotProp)(com.Ptr(a[i])))
		}),
		vsscom.BCQuery: call("Query", 4+G, func(f *Fake, a []uintptr) error {
			_, i := com.ArgGUID(a, 1)
			e := &enum{f: f}
			f.mu.Lock()
			e.ids = append(e.ids, f.snapshots...)
			f.mu.Unlock()
			putPtr(a[i+2], newObject("enum", e))
			return nil
		}),
	}
}

// requestorState reads SetBackupState's arguments.
func requestorState(a []uintptr) requestor.BackupState {
	return requestor.BackupState{SelectComponents: a[1]&0xFF != 0, BootableSystemState: a[2]&0xFF != 0,
		Type: vss.BackupType(int32(a[3])), PartialFileSupport: a[4]&0xFF != 0}
}
