package playback

import (
	"strings"
	"testing"
)

func TestReportOK(t *testing.T) {
	done := StepReport{Index: 1, What: "POST /app/calls", State: StepDone,
		Notifications: []Delivery{{Expectation: "up", Status: 202}}}
	ok := Report{Scenarios: []ScenarioReport{{ID: "s", Steps: []StepReport{done}}}}
	if !ok.OK() || !strings.Contains(ok.String(), "result: the bot followed every scenario") {
		t.Errorf("a followed scenario is not OK:\n%s", ok)
	}
	for name, r := range map[string]Report{
		"never made":   {Scenarios: []ScenarioReport{{Steps: []StepReport{{State: StepNeverMade}}}}},
		"answered 500": {Scenarios: []ScenarioReport{{Steps: []StepReport{{State: StepDone, Notifications: []Delivery{{Status: 500}}}}}}},
		"no answer":    {Scenarios: []ScenarioReport{{Steps: []StepReport{{State: StepDone, Notifications: []Delivery{{Error: "no answer within 1s"}}}}}}},
		"unmatched":    {Scenarios: ok.Scenarios, Unmatched: []Unmatched{{Method: "GET", Path: "/x"}}},
		"in progress":  {Scenarios: []ScenarioReport{{Steps: []StepReport{{State: StepInProgress}}}}},
	} {
		if r.OK() {
			t.Errorf("%s: OK", name)
		}
		if !strings.Contains(r.String(), "result: the bot did not follow the scenario") {
			t.Errorf("%s: %s", name, r)
		}
	}
}
