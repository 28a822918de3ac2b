package playback

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/fixture"
)

func TestSendOrderFollowsAfterEdges(t *testing.T) {
	a := &fixture.Await{Expect: []fixture.Expectation{
		{Pattern: fixture.Pattern{Name: "gone"}, After: []string{"terminated"}},
		{Pattern: fixture.Pattern{Name: "roster"}, After: []string{"opDone"}},
		{Pattern: fixture.Pattern{Name: "terminated"}, After: []string{"opDone", "inAnEarlierBlock"}},
		{Pattern: fixture.Pattern{Name: "opDone"}},
	}}
	if diff := cmp.Diff([]int{3, 1, 2, 0}, sendOrder(a)); diff != "" {
		t.Errorf("partial order (-want +got):\n%s", diff)
	}
	a.Order = "listed"
	if diff := cmp.Diff([]int{0, 1, 2, 3}, sendOrder(a)); diff != "" {
		t.Errorf("listed order (-want +got):\n%s", diff)
	}
}

func TestPauseBefore(t *testing.T) {
	tests := []struct {
		delay time.Duration
		speed float64
		want  time.Duration
	}{
		{300 * time.Millisecond, 1, 300 * time.Millisecond}, // as recorded
		{300 * time.Millisecond, 0.5, 150 * time.Millisecond},
		{300 * time.Millisecond, 0, 0}, // as fast as possible
		{0, 1, DefaultGap},             // nothing recorded
		{0, 2, 2 * DefaultGap},
	}
	for _, tt := range tests {
		if got := pauseBefore(&post{delay: tt.delay}, tt.speed); got != tt.want {
			t.Errorf("pauseBefore(delay %v, speed %v) = %v, want %v", tt.delay, tt.speed, got, tt.want)
		}
	}
}
