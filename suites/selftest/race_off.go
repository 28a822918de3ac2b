//go:build !race

package selftest

const raceBuild = false
