// Package suites is the Ginkgo conformance suite of the Graph calls API: one
// spec per fixture plus hand-written specs, each stating its requirement with
// MUST. Run it with `make conformance`, or build it with `make suite-binary`.
package suites
