package mock

import (
	"reflect"
	"testing"

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
