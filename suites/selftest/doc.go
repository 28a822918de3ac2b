// Package selftest checks the conformance suite itself: built as a binary,
// it passes against the simulator in series and in parallel, and fails the
// right spec, readably, against a simulator with one rule broken.
package selftest
