//go:build windows && (amd64 || arm64)

package vssfake

import "syscall"

// callback makes a C-callable function of n pointer-sized arguments (the
// this pointer included) that hands them to f as a slice. syscall.NewCallback
// needs a function of a fixed arity; each method gets exactly its own, so
// no argument is read that the caller did not pass.
func callback(n int, f func(a []uintptr) uintptr) uintptr {
	switch n {
	case 1:
		return syscall.NewCallback(func(a0 uintptr) uintptr { return f([]uintptr{a0}) })
	case 2:
		return syscall.NewCallback(func(a0, a1 uintptr) uintptr { return f([]uintptr{a0, a1}) })
	case 3:
		return syscall.NewCallback(func(a0, a1, a2 uintptr) uintptr { return f([]uintptr{a0, a1, a2}) })
	case 4:
		return syscall.NewCallback(func(a0, a1, a2, a3 uintptr) uintptr { return f([]uintptr{a0, a1, a2, a3}) })
	case 5:
		return syscall.NewCallback(func(a0, a1, a2, a3, a4 uintptr) uintptr { return f([]uintptr{a0, a1, a2, a3, a4}) })
	case 6:
		return syscall.NewCallback(func(a0, a1, a2, a3, a4, a5 uintptr) uintptr {
			return f([]uintptr{a0, a1, a2, a3, a4, a5})
		})
	case 7:
		return syscall.NewCallback(func(a0, a1, a2, a3, a4, a5, a6 uintptr) uintptr {
			return f([]uintptr{a0, a1, a2, a3, a4, a5, a6})
		})
	case 8:
		return syscall.NewCallback(func(a0, a1, a2, a3, a4, a5, a6, a7 uintptr) uintptr {
			return f([]uintptr{a0, a1, a2, a3, a4, a5, a6, a7})
		})
	case 9:
		return syscall.NewCallback(func(a0, a1, a2, a3, a4, a5, a6, a7, a8 uintptr) uintptr {
			return f([]uintptr{a0, a1, a2, a3, a4, a5, a6, a7, a8})
		})
	case 10:
		return syscall.NewCallback(func(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9 uintptr) uintptr {
			return f([]uintptr{a0, a1, a2, a3, a4, a5, a6, a7, a8, a9})
		})
	}
	panic("vssfake: no callback of that arity") // a programming error in this package
}
