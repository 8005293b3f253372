/*
 * abicheck.dll: a COM-style object compiled by a real C compiler, for the
 * test that checks how internal/com passes arguments (GUIDs by value,
 * wide strings, booleans, out pointers) against the Windows x64 calling
 * convention. Its methods have the signatures of the IVssBackupComponents
 * methods in vsbackup.h that take GUIDs by value, and record what they
 * received. .ci/wine builds it with x86_64-w64-mingw32-gcc and runs
 * internal/com's test under Wine with VSS_ABI_DLL pointing at it. Test
 * tooling only.
 */
#include <windows.h>

typedef struct Record {
    GUID  first, second;
    UINT  type;
    WCHAR path[64], name[64];
    UINT  flag;
    UINT  calls;
} Record;

static Record record;

typedef struct Object Object;
typedef struct ObjectVtbl {
    void *QueryInterface, *AddRef, *Release;
    /* IVssBackupComponents::SetBackupSucceeded */
    HRESULT (STDMETHODCALLTYPE *SetBackupSucceeded)(Object *This, GUID instanceId, GUID writerId,
        UINT ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, boolean bSucceded);
    /* IVssBackupComponents::AddToSnapshotSet */
    HRESULT (STDMETHODCALLTYPE *AddToSnapshotSet)(Object *This, LPWSTR pwszVolumeName, GUID ProviderId,
        GUID *pidSnapshot);
    /* IVssBackupComponents::DeleteSnapshots */
    HRESULT (STDMETHODCALLTYPE *DeleteSnapshots)(Object *This, GUID SourceObjectId, UINT eSourceObjectType,
        BOOL bForceDelete, LONG *plDeletedSnapshots, GUID *pNondeletedSnapshotID);
} ObjectVtbl;
struct Object { ObjectVtbl *vtbl; };

static void copyw(WCHAR *dst, LPCWSTR src)
{
    int i = 0;
    if (src)
        for (; src[i] && i < 63; i++)
            dst[i] = src[i];
    dst[i] = 0;
}

static HRESULT STDMETHODCALLTYPE SetBackupSucceeded(Object *This, GUID a, GUID b, UINT ct, LPCWSTR p, LPCWSTR n, boolean ok)
{
    (void)This;
    record.first = a; record.second = b; record.type = ct;
    copyw(record.path, p); copyw(record.name, n);
    record.flag = ok; record.calls++;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE AddToSnapshotSet(Object *This, LPWSTR vol, GUID prov, GUID *out)
{
    (void)This;
    record.first = prov; copyw(record.path, vol); record.calls++;
    *out = prov;
    out->Data1 ^= 0xFFFFFFFF; /* the snapshot ID: the provider ID with Data1 inverted */
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE DeleteSnapshots(Object *This, GUID id, UINT type, BOOL force, LONG *deleted, GUID *nondeleted)
{
    (void)This;
    record.first = id; record.type = type; record.flag = force; record.calls++;
    *deleted = 7;
    *nondeleted = id;
    return 0x80042308; /* VSS_E_OBJECT_NOT_FOUND */
}

static ObjectVtbl vtbl = { 0, 0, 0, SetBackupSucceeded, AddToSnapshotSet, DeleteSnapshots };
static Object object = { &vtbl };

__declspec(dllexport) Object *AbiObject(void) { return &object; }
__declspec(dllexport) Record *AbiRecord(void) { return &record; }

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)instance; (void)reason; (void)reserved;
    return TRUE;
}
