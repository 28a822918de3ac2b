package recorder

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/fixture"
)

// TestConcurrentFlows records 50 call flows at once: every request and
// every notification reaches the fixture, the bot receives every
// notification, each call's steps keep their order, and the fixture replays.
func TestConcurrentFlows(t *testing.T) {
	const flows = 50
	const notesPerFlow = 7 // establishing, established, op completed, roster, terminating, terminated, deleted
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	sim, rec := recording(t)
	bot := newTestBot(t, rec.URL, sim)

	var wg sync.WaitGroup
	for i := range flows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loc, _ := bot.mustCall(ctx, 201, "POST", "/app/calls", map[string]any{
				"callback":            fmt.Sprintf("%s/flow/%d", bot.cb.URL, i),
				"requestedModalities": []string{},
				"meetingInfo":         map[string]any{"organizer": map[string]any{"user": map[string]any{"id": realOrganizerID}}},
			})
			call := lastSegment(loc)
			bot.waitCall(ctx, call, "updated", "established")
			bot.mustCall(ctx, 202, "POST", "/app/calls/"+call+"/participants/invite", map[string]any{
				"participants": []any{map[string]any{"identity": map[string]any{"user": map[string]any{"id": realUserID}}}},
			})
			bot.wait(ctx, "roster of "+call, func(it botItem) bool {
				return strings.HasSuffix(strings.ToLower(it.Resource), strings.ToLower(strings.ReplaceAll(call, "-", ""))+"/participants")
			})
			status, _, out := bot.call(ctx, "DELETE", "/app/calls/"+call, nil)
			if status != 204 {
				t.Errorf("DELETE: status %d: %s", status, out)
				return
			}
			bot.waitCall(ctx, call, "deleted", "")
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if got := bot.received(); got != flows*notesPerFlow {
		t.Fatalf("the bot received %d notification items, want %d", got, flows*notesPerFlow)
	}
	st := rec.Recorder.Stats()
	if st.Requests != 3*flows || st.Notifications != flows*notesPerFlow {
		t.Errorf("recorded %d requests and %d notifications, want %d and %d", st.Requests, st.Notifications, 3*flows, flows*notesPerFlow)
	}
	path, data := stopAndWrite(t, rec, Meta{ID: "fifty-flows"})
	fx, err := fixture.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	sends := 0
	for _, st := range fx.Steps {
		if st.Send != "" {
			sends++
		}
	}
	if sends != 3*flows {
		t.Errorf("the fixture has %d send steps, want %d", sends, 3*flows)
	}
	if n := countExpectations(fx); n != flows*notesPerFlow {
		t.Errorf("the fixture expects %d notifications, want %d", n, flows*notesPerFlow)
	}
	// Each call's flow in order: created (its capture), invited, deleted,
	// and each of its notifications after its creation.
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
		if st.Await != nil {
			for _, e := range st.Await.Expect {
				if m := varRE.FindStringSubmatch(string(e.Resource)); m != nil {
					if c, ok := created[m[1]]; !ok || c >= i {
						t.Errorf("step %d: notification %s comes before %s is created", i+1, e.Name, m[1])
					}
				}
			}
		}
	}
	if len(created) != flows {
		t.Errorf("%d calls captured, want %d", len(created), flows)
	}
	if r := replay(t, ctx, path); r.Status != harness.Passed {
		t.Fatalf("replay of the recorded fixture: %s: %s", r.Status, failureOf(r))
	}
}
