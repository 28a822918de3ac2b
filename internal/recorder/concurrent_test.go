package recorder

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/fixture"
)

// TestConcurrentFlows records 50 call flows at once: every request and
// every notification reaches the fixture once, the bot receives every
// notification, each call's steps keep their order, and the fixture
// replays. The calls API (and the simulator) deliver a notification at
// least once: one whose delivery timed out on a busy machine comes again,
// and counts once.
func TestConcurrentFlows(t *testing.T) {
	const flows = 50
	const notesPerFlow = 7 // establishing, established, op completed, roster, terminating, terminated, deleted
	ctx, cancel := context.WithTimeout(context.Background(), flowsBound)
	defer cancel()
	sim, rec := recording(t)
	bot := newTestBot(t, rec.URL, sim)

	runFlows(t, ctx, bot, flows)
	if t.Failed() {
		return
	}
	items, redelivered := bot.received()
	if items != flows*notesPerFlow {
		t.Fatalf("the bot received %d distinct notification items (and %d redeliveries), want %d", items, redelivered, flows*notesPerFlow)
	}
	st := rec.Recorder.Stats()
	if st.Requests != 3*flows || st.Notifications-st.Redeliveries != flows*notesPerFlow {
		t.Errorf("recorded %d requests and %d notifications (%d of them redeliveries), want %d and %d", st.Requests,
			st.Notifications, st.Redeliveries, 3*flows, flows*notesPerFlow)
	}
	t.Logf("redeliveries: %d to the bot, %d through the recorder", redelivered, st.Redeliveries)
	path, data := stopAndWrite(t, rec, Meta{ID: "fifty-flows"})
	fx, err := fixture.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	if n := countSends(fx); n != 3*flows {
		t.Errorf("the fixture has %d send steps, want %d", n, 3*flows)
	}
	if n := countExpectations(fx); n != flows*notesPerFlow {
		t.Errorf("the fixture expects %d notifications, want %d", n, flows*notesPerFlow)
	}
	checkFlowOrder(t, fx, flows)
	if r := replay(t, ctx, path); r.Status != harness.Passed {
		t.Fatalf("replay of the recorded fixture: %s: %s", r.Status, failureOf(r))
	}
}

// runFlows runs n call flows at once and fails the test with the error of
// each flow that failed.
func runFlows(t *testing.T, ctx context.Context, bot *testBot, n int) {
	t.Helper()
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := runFlow(ctx, bot, i); err != nil {
				errs <- fmt.Errorf("flow %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// runFlow creates a call (on a callback of its own), waits for it to be
// established, invites a participant, waits for the roster, deletes the
// call and waits for its deletion.
func runFlow(ctx context.Context, bot *testBot, i int) error {
	loc, _, err := bot.expect(ctx, 201, "POST", "/app/calls", map[string]any{
		"callback":            fmt.Sprintf("%s/flow/%d", bot.cb.URL, i),
		"requestedModalities": []string{},
		"meetingInfo":         map[string]any{"organizer": map[string]any{"user": map[string]any{"id": realOrganizerID}}},
	})
	if err != nil {
		return err
	}
	call := lastSegment(loc)
	if err := bot.awaitCall(ctx, call, "updated", "established"); err != nil {
		return err
	}
	if _, _, err := bot.expect(ctx, 202, "POST", "/app/calls/"+call+"/participants/invite", map[string]any{
		"participants": []any{map[string]any{"identity": map[string]any{"user": map[string]any{"id": realUserID}}}},
	}); err != nil {
		return err
	}
	roster := strings.ToLower(strings.ReplaceAll(call, "-", "")) + "/participants"
	if _, err := bot.waitFor(ctx, "roster of "+call, func(it botItem) bool {
		return strings.HasSuffix(strings.ToLower(it.Resource), roster)
	}); err != nil {
		return err
	}
	if _, _, err := bot.expect(ctx, 204, "DELETE", "/app/calls/"+call, nil); err != nil {
		return err
	}
	return bot.awaitCall(ctx, call, "deleted", "")
}

func countSends(f *fixture.Fixture) int {
	n := 0
	for _, st := range f.Steps {
		if st.Send != "" {
			n++
		}
	}
	return n
}

// checkFlowOrder checks each call's flow in a fixture of n flows: created
// (its capture), invited, deleted, and each of its notifications after its
// creation.
func checkFlowOrder(t *testing.T, fx *fixture.Fixture, n int) {
	t.Helper()
	created := map[string]int{}
	invited := map[string]int{}
	varRE := regexp.MustCompile(`\{\{(callId[0-9]*)\}\}`)
	for i, st := range fx.Steps {
		for name := range st.Capture {
			if strings.HasPrefix(name, "callId") {
				created[name] = i
			}
		}
		method, p := fixture.SplitSend(st.Send)
		m := varRE.FindStringSubmatch(p)
		switch {
		case m == nil:
		case method == "POST" && strings.HasSuffix(p, "/invite"):
			if c, ok := created[m[1]]; !ok || c >= i {
				t.Errorf("step %d invites %s before its creation", i+1, m[1])
			}
			invited[m[1]] = i
		case method == "DELETE":
			if v, ok := invited[m[1]]; !ok || v >= i {
				t.Errorf("step %d deletes %s before its invite", i+1, m[1])
			}
		}
		if st.Await == nil {
			continue
		}
		for _, e := range st.Await.Expect {
			if m := varRE.FindStringSubmatch(string(e.Resource)); m != nil {
				if c, ok := created[m[1]]; !ok || c >= i {
					t.Errorf("step %d: notification %s comes before %s is created", i+1, e.Name, m[1])
				}
			}
		}
	}
	if len(created) != n {
		t.Errorf("%d calls captured, want %d", len(created), n)
	}
}
