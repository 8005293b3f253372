/*
 * bcryptprimitives.dll for Wine: the one export Go programs need.
 *
 * Go 1.22 and later read their random numbers from ProcessPrng in
 * bcryptprimitives.dll. Wine 8.0 (Debian bookworm) ships no such DLL, so a
 * Windows test binary of this project dies at start-up under Wine. .ci/wine-setup
 * builds this file with x86_64-w64-mingw32-gcc and puts the DLL into the
 * throwaway Wine prefix's system32. It is test tooling only: nothing of the
 * library links it.
 *
 * ProcessPrng fills the buffer from RtlGenRandom (advapi32's
 * SystemFunction036), which Wine implements over the host's random source.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {
        ULONG chunk = size > 0x40000000 ? 0x40000000 : (ULONG)size;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)instance; (void)reason; (void)reserved;
    return TRUE;
}
