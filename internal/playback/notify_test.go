package playback

import (
	"reflect"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/fixture"
)

func TestSendOrderFollowsAfterEdges(t *testing.T) {
	a := &fixture.Await{Expect: []fixture.Expectation{
		{Pattern: fixture.Pattern{Name: "gone"}, After: []string{"terminated"}},
		{Pattern: fixture.Pattern{Name: "roster"}, After: []string{"opDone"}},
		{Pattern: fixture.Pattern{Name: "terminated"}, After: []string{"opDone", "inAnEarlierBlock"}},
		{Pattern: fixture.Pattern{Name: "opDone"}},
	}}
	if got, want := sendOrder(a), []int{3, 1, 2, 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("partial order = %v, want %v", got, want)
	}
	a.Order = "listed"
	if got, want := sendOrder(a), []int{0, 1, 2, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("listed order = %v, want %v", got, want)
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
