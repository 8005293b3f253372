//go:build !unix

package main

// openNonblock is not needed where opening a file never waits.
const openNonblock = 0
