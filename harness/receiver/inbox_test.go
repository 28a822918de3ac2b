package receiver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/timeline"
)

func TestWaitReturnsAtOnceWhenEnoughArrived(t *testing.T) {
	rc := start(t, Config{})
	run := rc.NewInbox(nil)
	send(t, client(t), http.MethodPost, run.URL(), notifications(`{}`, `{}`), nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for n := range 2 {
		if err := run.Wait(ctx, n); err != nil {
			t.Errorf("Wait(done ctx, %d) with 2 items = %v, want nil", n, err)
		}
	}
	if err := run.Wait(ctx, 2); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait(canceled ctx, 2) with 2 items = %v, want context.Canceled", err)
	}
}

func TestWaitEndsAtItsBound(t *testing.T) {
	rc := start(t, Config{})
	run := rc.NewInbox(nil)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := run.Wait(ctx, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait with nothing arriving = %v, want context.DeadlineExceeded", err)
	}
}

func TestWaitWakesOnArrival(t *testing.T) {
	rc := start(t, Config{})
	run := rc.NewInbox(nil)
	hc := client(t)
	ctx := bounded(t)
	for n := range 3 {
		done := make(chan error, 1)
		go func() { done <- run.Wait(ctx, n) }()
		send(t, hc, http.MethodPost, run.URL(), notifications(fmt.Sprintf(`{"n":%d}`, n)), nil)
		if err := <-done; err != nil {
			t.Fatalf("Wait(ctx, %d) = %v, want nil once item %d arrived", n, err, n)
		}
		if run.Len() <= n {
			t.Fatalf("Wait(ctx, %d) returned with Len %d", n, run.Len())
		}
	}
}

func TestWaitWakesOnClose(t *testing.T) {
	rc := start(t, Config{})
	run := rc.NewInbox(nil)
	done := make(chan error, 1)
	go func() { done <- run.Wait(bounded(t), 0) }()
	run.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("Wait on a closed run = %v, want ErrClosed", err)
	}
}

func TestOverflow(t *testing.T) {
	const maxItems = 5
	rc := start(t, Config{MaxPerRun: maxItems})
	tl := &timeline.Timeline{}
	run := rc.NewInbox(tl)
	hc := client(t)
	ctx := bounded(t)

	done := make(chan error, 1)
	go func() { done <- run.Wait(ctx, 10) }() // more than the run can ever hold

	three := notifications(`{"i":1}`, `{"i":2}`, `{"i":3}`)
	send(t, hc, http.MethodPost, run.URL(), three, nil)
	if err := run.Err(); err != nil {
		t.Fatalf("Err after 3 of %d items = %v, want nil", maxItems, err)
	}
	send(t, hc, http.MethodPost, run.URL(), three, nil) // items 4 and 5 fit, the 6th overflows
	if err := <-done; !errors.Is(err, ErrTooManyNotifications) {
		t.Errorf("pending Wait = %v, want ErrTooManyNotifications", err)
	}
	if err := run.Err(); !errors.Is(err, ErrTooManyNotifications) {
		t.Errorf("Err = %v, want ErrTooManyNotifications", err)
	}
	for range 3 {
		if got := send(t, hc, http.MethodPost, run.URL(), three, nil); got != http.StatusAccepted {
			t.Errorf("POST after overflow = %d, want the configured status (the target is not to blame yet)", got)
		}
	}
	if run.Len() != maxItems || len(run.Since(0)) != maxItems {
		t.Errorf("Len %d, Since(0) %d items; want both %d: nothing kept past the bound", run.Len(), len(run.Since(0)), maxItems)
	}
	if n := len(eventsOf(tl, timeline.Notify)); n != maxItems {
		t.Errorf("timeline has %d notification events, want %d", n, maxItems)
	}
	if notes := eventsOf(tl, timeline.Note); len(notes) != 1 || !strings.Contains(notes[0].Text, "overflowed") {
		t.Errorf("timeline notes = %+v, want one saying the run overflowed", notes)
	}
	if err := run.Wait(ctx, maxItems-1); err != nil {
		t.Errorf("Wait(ctx, %d) = %v, want nil: %d items are there", maxItems-1, err, maxItems)
	}
	if err := run.Wait(ctx, maxItems); !errors.Is(err, ErrTooManyNotifications) {
		t.Errorf("Wait(ctx, %d) = %v, want ErrTooManyNotifications", maxItems, err)
	}
}

func TestRefusalsAreBounded(t *testing.T) {
	const maxItems = 3
	rc := start(t, Config{MaxPerRun: maxItems})
	tl := &timeline.Timeline{}
	run := rc.NewInbox(tl)
	hc := client(t)
	for range maxItems + 4 {
		if got := send(t, hc, http.MethodPost, run.URL(), `not json`, nil); got != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", got)
		}
	}
	if n := len(run.Refusals()); n != maxItems {
		t.Errorf("%d refusals kept, want %d", n, maxItems)
	}
	if n := len(tl.Events()); n != maxItems {
		t.Errorf("%d timeline events, want %d", n, maxItems)
	}
}

// TestAcceptAfterClose covers a POST whose body was still being read when its
// run was closed: nothing is kept, and the handler answers 404.
func TestAcceptAfterClose(t *testing.T) {
	rc := start(t, Config{})
	tl := &timeline.Timeline{}
	run := rc.NewInbox(tl)
	run.Close()
	if run.accept("/callbacks/x", http.Header{}, []json.RawMessage{json.RawMessage(`{}`)}) {
		t.Error("accept on a closed run reported success")
	}
	run.refuse(http.MethodPost, "/callbacks/x", http.Header{}, http.StatusBadRequest, "late")
	if run.Len() != 0 || len(run.Refusals()) != 0 || len(tl.Events()) != 0 {
		t.Errorf("closed run kept %d items, %d refusals, %d events; want none", run.Len(), len(run.Refusals()), len(tl.Events()))
	}
}

func TestWaitForWakesOnRefusal(t *testing.T) {
	rc, err := Start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	run := rc.NewInbox(nil)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- run.WaitFor(ctx, 0, 0)
	}()
	resp, err := http.Post(run.URL(), "application/json", strings.NewReader("{not json"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrRefused) {
			t.Fatalf("WaitFor = %v, want ErrRefused", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitFor did not wake on a refusal")
	}
}
