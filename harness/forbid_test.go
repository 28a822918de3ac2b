package harness

import (
	"testing"
	"time"

	"github.com/callconform/callconform/harness/fixture"
)

// TestForbidWindowBoundsOnlyForbidOnlyBlocks: the runner's forbid window
// replaces the bound of a block that only forbids, and of no other.
func TestForbidWindowBoundsOnlyForbidOnlyBlocks(t *testing.T) {
	forbidOnly := &fixture.Await{Within: fixture.Duration(time.Second), Forbid: []fixture.Pattern{{Name: "op"}}}
	expecting := &fixture.Await{Within: fixture.Duration(time.Second), Expect: []fixture.Expectation{{Pattern: fixture.Pattern{Name: "a"}}}, Forbid: []fixture.Pattern{{Name: "op"}}}
	unbounded := &fixture.Await{Forbid: []fixture.Pattern{{Name: "op"}}}
	tests := []struct {
		name   string
		runner Runner
		block  *fixture.Await
		want   time.Duration
	}{
		{"forbid only, window set", Runner{ForbidWindow: 3 * time.Second}, forbidOnly, 3 * time.Second},
		{"forbid only, no window", Runner{}, forbidOnly, time.Second},
		{"expecting, window set", Runner{ForbidWindow: 3 * time.Second}, expecting, time.Second},
		{"forbid only without a bound, window set", Runner{ForbidWindow: 3 * time.Second, Within: 7 * time.Second}, unbounded, 3 * time.Second},
		{"forbid only without a bound, no window", Runner{Within: 7 * time.Second}, unbounded, 7 * time.Second},
	}
	for _, tt := range tests {
		s := &scenario{r: &tt.runner}
		if got := s.within(tt.block); got != tt.want {
			t.Errorf("%s: within = %s, want %s", tt.name, got, tt.want)
		}
	}
}
