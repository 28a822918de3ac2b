package recorder

import (
	"context"
	"testing"
	"time"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/simulator"
)

// TestRedeliveriesAreRecordedOnce: a bot that does not answer the first
// delivery of each notification makes the simulator (like the calls API)
// give up on it and deliver it again. The recorder counts those
// redeliveries, the fixture expects each notification once, and it
// replays.
func TestRedeliveriesAreRecordedOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), flowsBound)
	defer cancel()
	// The simulator gives up on a delivery after Timeout: the stalled bot
	// makes that happen on every first delivery. Attempts are many, so
	// that a busy machine slowing a redelivery too costs another attempt,
	// not the notification.
	sim, rec := recordingWith(t, simulator.Config{Delivery: simulator.DeliveryConfig{
		Timeout: 500 * time.Millisecond, Attempts: 60, Backoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond,
	}})
	bot := newTestBot(t, rec.URL, sim)
	bot.stallFirstDeliveries()

	loc, _ := bot.mustCall(ctx, 201, "POST", "/app/calls", map[string]any{
		"callback":            bot.cb.URL + "/stalled",
		"requestedModalities": []string{},
		"meetingInfo":         map[string]any{"organizer": map[string]any{"user": map[string]any{"id": realOrganizerID}}},
	})
	call := lastSegment(loc)
	bot.waitCall(ctx, call, "updated", "established")
	bot.mustCall(ctx, 204, "DELETE", "/app/calls/"+call, nil)
	bot.waitCall(ctx, call, "deleted", "")
	// The deletion was the last notification: once it came again, each did.
	if err := bot.waitUntil(ctx, "redelivery of each notification", func() bool { return bot.redelivered >= len(bot.seen) }); err != nil {
		t.Fatal(err)
	}

	items, _ := bot.received()
	posts := bot.distinctPosts()
	st := rec.Recorder.Stats()
	if st.Redeliveries < posts {
		t.Errorf("%d notification POSTs, %d redeliveries recorded; want each POST delivered again", posts, st.Redeliveries)
	}
	if st.Notifications-st.Redeliveries != posts {
		t.Errorf("recorded %d notification POSTs, %d of them redeliveries; want %d once each", st.Notifications, st.Redeliveries, posts)
	}
	path, data := stopAndWrite(t, rec, Meta{ID: "redelivered"})
	fx, err := fixture.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	if n := countExpectations(fx); n != items {
		t.Errorf("the fixture expects %d notifications, the bot received %d distinct ones:\n%s", n, items, data)
	}
	if r := replay(t, ctx, path); r.Status != harness.Passed {
		t.Fatalf("replay of the recorded fixture: %s: %s", r.Status, failureOf(r))
	}
}
