//go:build race

package selftest

// raceBuild is true when the tests were built with -race; the suite binary
// is then built the same way, so that the build cache already holds it.
const raceBuild = true
