package interop

import (
	"errors"
	"fmt"
	"testing"

	"github.com/callconform/callconform/internal/realtraffic"
	"github.com/google/go-cmp/cmp"
)

// realTrafficProblems are the samples of real traffic that the SDK cannot
// read whole, and what each problem is. Every other sample must parse with
// nothing lost.
//
//   - "gap" is a loss a known gap of the SDK explains: the operation
//     statuses the service sends ("completed", "failed") are not the SDK's
//     spelling ("Completed", "Failed").
//   - The two deletes of the documentation write resultInfo's code as a
//     string ("200", "0"); the SDK's int32 field refuses it (a ModelError).
//     The service's recordings send numbers, as the simulator does.
//   - The 2016-era SDK article and an SDK's log (issue #700) write states,
//     change types and media states in PascalCase; the SDK knows them in
//     camel case only.
var realTrafficProblems = map[string][]string{
	"comms-samples/calling-notifications/01-updated-established.json":         {"loss value[0].resourceData.state"},
	"graph-calling-bots/p2p-outgoing/05-play-prompt-completed.json":           {"gap value[0].resourceData.status"},
	"graph-docs-contrib-v1.0/delete/02-deleted-terminated.json":               {"model value[0].resourceData"},
	"graph-docs-v1.0/cancel-media-processing/01-record-operation-failed.json": {"gap value[0].resourceData.status"},
	"graph-docs-v1.0/delete/02-deleted-terminated.json":                       {"model value[0].resourceData"},
	"graph-docs-v1.0/invite/01-operation-completed.json":                      {"gap value[0].resourceData.status"},
	"graph-docs-v1.0/invite-pstn/01-operation-completed.json":                 {"gap value[0].resourceData.status"},
	"graph-docs-v1.0/invite-replacing-p2p/01-operation-completed.json":        {"gap value[0].resourceData.status"},
	"graph-docs-v1.0/play-prompt/01-operation-completed.json":                 {"gap value[0].resourceData.status"},
	"graph-docs-v1.0/record-response/01-operation-completed.json":             {"gap value[0].resourceData.status"},
	"issues/invite-pstn-failed/01-operation-failed.json":                      {"gap value[0].resourceData.status"},
	"issues/sdk-logged-pascal-case/01-updated-established.json": {
		"model value[0].changeType", "loss value[0].resourceData.mediaState.audio", "loss value[0].resourceData.state"},
}

// TestRealTrafficParses parses every notification of real traffic
// (internal/realtraffic) into the SDK's models.
func TestRealTrafficParses(t *testing.T) {
	samples := realtraffic.Notifications()
	if len(samples) == 0 {
		t.Fatal("no real traffic samples")
	}
	seen := make(map[string]bool)
	objects := 0
	for _, s := range samples {
		seen[s.Path()] = true
		t.Run(s.Path(), func(t *testing.T) {
			items, err := s.Items()
			if err != nil {
				t.Fatal(err)
			}
			ns, err := Parse(s.Body)
			if diff := cmp.Diff(realTrafficProblems[s.Path()], describe(err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s\nerror: %v", diff, err)
			}
			if len(ns) != len(items) {
				t.Errorf("Parse returned %d notifications, the body has %d", len(ns), len(items))
			}
			for _, n := range ns {
				objects += n.Objects()
			}
		})
	}
	for p := range realTrafficProblems {
		if !seen[p] {
			t.Errorf("realTrafficProblems names %s, which is not a sample", p)
		}
	}
	t.Logf("%d samples, %d resourceData objects parsed", len(samples), objects)
}

// describe names each problem of a Parse error by kind and place: "gap",
// "loss" or "model", then value[i].path; or its kind and message.
func describe(err error) []string {
	var out []string
	for _, p := range Problems(err) {
		var loss *LossError
		var me *ModelError
		switch {
		case errors.As(p, &loss) && knownGap(loss):
			out = append(out, fmt.Sprintf("gap value[%d].%s", loss.Item, loss.Path))
		case errors.As(p, &loss):
			out = append(out, fmt.Sprintf("loss value[%d].%s", loss.Item, loss.Path))
		case errors.As(p, &me):
			out = append(out, fmt.Sprintf("model value[%d].%s", me.Item, me.Path))
		default:
			out = append(out, "other: "+p.Error())
		}
	}
	return out
}
