package suites

import _ "embed"

// Manifest is conformance.yaml: every requirement the suite checks, what
// each hand-written spec covers of the calls API, and the coverage per
// profile. `make manifest` regenerates it; a test fails when it is stale.
//
//go:embed conformance.yaml
var Manifest []byte
