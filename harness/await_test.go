package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/judge"
	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/faketarget"
)

// Items the scripted target can send: the operation's completion and the
// roster, as faketarget.FlowFixture expects them.
const (
	opDoneItem = `{"changeType":"deleted","resource":"/app/calls/c1/operations/op1","resourceData":{"status":"completed"}}`
	rosterItem = `{"changeType":"updated","resource":"/app/calls/c1/participants","resourceData":[]}`
	// opDoneAgain is opDoneItem delivered again: the same JSON, written
	// another way.
	opDoneAgain = `{ "resourceData": {"status": "completed"}, "resource": "/app/calls/c1/operations/op1", "changeType": "deleted" }`
)

// scriptedTarget answers the invite of faketarget.FlowFixture with 202 and a
// Location, then POSTs each of posts (a value[] of items) to the callback,
// in order, as a service that retries a delivery would.
func scriptedTarget(t testing.TB, posts ...[]string) string {
	t.Helper()
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Callback string `json:"callback"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Callback == "" {
			http.Error(w, "callback required", http.StatusBadRequest)
			return
		}
		w.Header().Set("Location", "http://"+r.Host+"/app/calls/c1/operations/op1")
		w.WriteHeader(http.StatusAccepted)
		wg.Go(func() {
			for _, items := range posts {
				resp, err := client.Post(body.Callback, "application/json", bytes.NewReader([]byte(`{"value":[`+strings.Join(items, ",")+`]}`)))
				if err != nil {
					return // the run ended (a test then says what it lacked)
				}
				resp.Body.Close()
			}
		})
	}))
	t.Cleanup(func() {
		wg.Wait()
		srv.Close()
	})
	return srv.URL
}

// flowWith is faketarget.FlowFixture with its await block edited: old
// replaced by new.
func flowWith(t testing.TB, old, new string) string {
	t.Helper()
	src := strings.Replace(faketarget.FlowFixture, old, new, 1)
	if src == faketarget.FlowFixture {
		t.Fatalf("FlowFixture no longer has %q", old)
	}
	return src
}

// TestAwaitCountsARedeliveryOnce: the target delivers the operation's
// completion twice (a retried POST); under unexpected: fail the block still
// passes, the timeline shows the redelivery, and nothing is left unmatched.
func TestAwaitCountsARedeliveryOnce(t *testing.T) {
	url := scriptedTarget(t, []string{opDoneItem}, []string{opDoneAgain}, []string{rosterItem})
	r := newRunner(t, url)
	src := flowWith(t, "      within: 1s\n", "      within: 30s\n      unexpected: fail\n")
	res := r.Run(context.Background(), parse(t, src))
	if res.Status != Passed {
		t.Fatalf("status %s: %s", res.Status, res.Reason)
	}
	var marks []int
	for _, e := range res.Timeline {
		if e.Kind == timeline.Notify && e.RedeliveryOf != nil {
			marks = append(marks, *e.RedeliveryOf)
		}
	}
	if len(marks) != 1 || marks[0] != 0 {
		t.Errorf("timeline marks redeliveries of %v, want one of #0", marks)
	}
	if len(res.Unmatched) != 0 {
		t.Errorf("unmatched = %+v, want none: the redelivery goes with its original", res.Unmatched)
	}
}

// TestAwaitRedeliveryDoesNotMeetACount: two deliveries of one completion are
// one completion, short of count: 2, so the roster that must follow both
// comes too early.
func TestAwaitRedeliveryDoesNotMeetACount(t *testing.T) {
	url := scriptedTarget(t, []string{opDoneItem, opDoneAgain}, []string{rosterItem})
	r := newRunner(t, url)
	src := flowWith(t, "where: {resourceData.status: completed}}", "where: {resourceData.status: completed}, count: 2}")
	src = strings.Replace(src, "      within: 1s\n", "      within: 30s\n", 1)
	res := r.Run(context.Background(), parse(t, src))
	if res.Status != Failed || res.Failure.Verdict == nil {
		t.Fatalf("status %s, failure %+v: a redelivery met count: 2", res.Status, res.Failure)
	}
	if !strings.Contains(res.Failure.Message, `expectation "opDone" not met: only 1 of 2 arrived`) ||
		!strings.Contains(res.Failure.Message, "notification #1 is a redelivery of #0") {
		t.Errorf("failure does not say the redelivery counted once:\n%s", res.Failure.Message)
	}
}

// TestAwaitEndsADecidedBlockAtOnce: the roster comes before the operation
// it must follow, the only roster count: 1 allows: the block is decided
// failed then, and the await returns without waiting out its 30 s bound.
func TestAwaitEndsADecidedBlockAtOnce(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{Swap: true})
	defer srv.Close()
	r := newRunner(t, srv.URL)
	src := flowWith(t, "      within: 1s\n", "      within: 30s\n")
	res := r.Run(context.Background(), parse(t, src))
	if res.Status != Failed || res.Failure == nil || res.Failure.Verdict == nil {
		t.Fatalf("status %s, failure %+v", res.Status, res.Failure)
	}
	v := res.Failure.Verdict
	if v.TimedOut || v.Decided == "" {
		t.Fatalf("the await waited out its bound (timed out %v, decided %q):\n%s", v.TimedOut, v.Decided, res.Failure.Message)
	}
	for _, want := range []string{`decided: failed at notification #0`, `expectation "roster" not met: out of order`, `arrived before "opDone"`} {
		if !strings.Contains(res.Failure.Message, want) {
			t.Errorf("failure lacks %q:\n%s", want, res.Failure.Message)
		}
	}
}

// BenchmarkDecidedFailure measures, for a block that fails for good (the
// roster before the operation it must follow) under a 30 s bound, the time
// from the arrival of the notification that decided it to the await's
// return (the failure recorded in the timeline), in ms/decide.
func BenchmarkDecidedFailure(b *testing.B) {
	srv := faketarget.Start(faketarget.Faults{Swap: true})
	defer srv.Close()
	r := newRunner(b, srv.URL)
	f := parse(b, flowWith(b, "      within: 1s\n", "      within: 30s\n"))
	ctx := context.Background()
	var total time.Duration
	for b.Loop() {
		res := r.Run(ctx, f)
		if res.Status != Failed || res.Failure.Verdict == nil || res.Failure.Verdict.Decided == "" {
			b.Fatalf("not a decided failure: %s", res.Reason)
		}
		d, ok := decideLatency(res, res.Failure.Verdict.DecidedAt)
		if !ok {
			b.Fatal("the timeline lacks the deciding notification or the failure")
		}
		total += d
	}
	b.ReportMetric(float64(total.Nanoseconds())/1e6/float64(b.N), "ms/decide")
}

// decideLatency is the time from the arrival of notification idx to the
// failure event of res's timeline.
func decideLatency(res *Result, idx int) (time.Duration, bool) {
	var arrived, failed time.Time
	k := 0
	for _, e := range res.Timeline {
		switch e.Kind {
		case timeline.Notify:
			if k == idx {
				arrived = e.At
			}
			k++
		case timeline.Failure:
			failed = e.At
		}
	}
	return failed.Sub(arrived), !arrived.IsZero() && !failed.IsZero()
}

// TestAwaitRedeliveryOfAnEarlierBlocksNotification: the completion an
// earlier block took arrives again while a later block waits: it is not
// unexpected there, and it is not left unmatched.
func TestAwaitRedeliveryOfAnEarlierBlocksNotification(t *testing.T) {
	url := scriptedTarget(t, []string{opDoneItem}, []string{opDoneAgain}, []string{rosterItem})
	r := newRunner(t, url)
	src := flowWith(t, "        - {name: roster, after: [opDone]",
		"  - await:\n      within: 30s\n      unexpected: fail\n      expect:\n        - {name: roster, after: [opDone]")
	res := r.Run(context.Background(), parse(t, src))
	if res.Status != Passed {
		t.Fatalf("status %s: %s", res.Status, res.Reason)
	}
	if len(res.Steps) != 3 {
		t.Errorf("ran %d steps, want 3: the fixture was not split in two blocks", len(res.Steps))
	}
	if len(res.Unmatched) != 0 {
		t.Errorf("unmatched = %+v, want none: the redelivery goes with its original", res.Unmatched)
	}
}

// TestUnmatchedRedeliverySaysWhatItRepeats: a roster no block takes,
// delivered twice, is reported unmatched twice, the second time as a
// redelivery of the first.
func TestUnmatchedRedeliverySaysWhatItRepeats(t *testing.T) {
	rosterAgain := strings.ReplaceAll(rosterItem, ",", ", ")
	url := scriptedTarget(t, []string{rosterItem}, []string{rosterAgain}, []string{opDoneItem})
	r := newRunner(t, url)
	src := flowWith(t, "        - {name: roster, after: [opDone], changeType: updated, resource: /app/calls/c1/participants}\n", "")
	src = strings.Replace(src, "      within: 1s\n", "      within: 30s\n", 1)
	res := r.Run(context.Background(), parse(t, src))
	if res.Status != Passed {
		t.Fatalf("status %s: %s", res.Status, res.Reason)
	}
	type unmatched struct {
		Index        int
		RedeliveryOf *int
	}
	var got []unmatched
	for _, u := range res.Unmatched {
		got = append(got, unmatched{u.Index, u.RedeliveryOf})
	}
	zero := 0
	if diff := cmp.Diff([]unmatched{{0, nil}, {1, &zero}}, got); diff != "" {
		t.Errorf("unmatched (-want +got):\n%s", diff)
	}
}

// TestAwaitFailsOnDuplicatesWhenTheBlockSaysSo: under duplicates: fail, the
// redelivered completion fails the block at once, naming the redelivery;
// the same flow passes under duplicates: ignore.
func TestAwaitFailsOnDuplicatesWhenTheBlockSaysSo(t *testing.T) {
	posts := [][]string{{opDoneItem}, {opDoneAgain}, {rosterItem}}
	t.Run("fail", func(t *testing.T) {
		r := newRunner(t, scriptedTarget(t, posts...))
		src := flowWith(t, "      within: 1s\n", "      within: 30s\n      duplicates: fail\n")
		res := r.Run(context.Background(), parse(t, src))
		if res.Status != Failed || res.Failure == nil || res.Failure.Verdict == nil {
			t.Fatalf("status %s, failure %+v: a redelivery passed a block that fails on duplicates", res.Status, res.Failure)
		}
		if v := res.Failure.Verdict; v.TimedOut || v.Decided == "" {
			t.Errorf("the block was not decided at the redelivery (timed out %v, decided %q)", v.TimedOut, v.Decided)
		}
		if want := "notification #1 is a redelivery of #0, and the block fails on duplicates"; !strings.Contains(res.Failure.Message, want) {
			t.Errorf("failure lacks %q:\n%s", want, res.Failure.Message)
		}
	})
	t.Run("ignore", func(t *testing.T) {
		r := newRunner(t, scriptedTarget(t, posts...))
		src := flowWith(t, "      within: 1s\n", "      within: 30s\n      duplicates: ignore\n")
		if res := r.Run(context.Background(), parse(t, src)); res.Status != Passed {
			t.Fatalf("status %s: %s", res.Status, res.Reason)
		}
	})
}

// TestCompileBlockCarriesDuplicates: the block the runner and replay serve
// judge fails on duplicates exactly when the fixture says fail.
func TestCompileBlockCarriesDuplicates(t *testing.T) {
	for _, tt := range []struct {
		duplicates string
		want       bool
	}{{"", false}, {"ignore", false}, {"fail", true}} {
		a := &fixture.Await{Duplicates: tt.duplicates, Expect: []fixture.Expectation{{Pattern: fixture.Pattern{Name: "a"}}}}
		b, err := CompileBlock(a, func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		if b.FailDuplicates != tt.want {
			t.Errorf("duplicates %q: FailDuplicates = %v, want %v", tt.duplicates, b.FailDuplicates, tt.want)
		}
	}
}

// TestResourceMatchesAPathWithoutItsSlash: a notification whose resource
// path lacks its leading slash (as some pages write it) meets the
// resource a fixture writes with one, plain or as a regex, in either
// field; another path still does not.
func TestResourceMatchesAPathWithoutItsSlash(t *testing.T) {
	lookup := func(name string) (string, bool) { return "57dab8b1-894c-409a-b240-bd8beae78896", name == "callId" }
	tests := []struct {
		resource string // as the fixture writes it
		got      string // as the notification has it
		want     bool
	}{
		{`"/communications/calls/{{callId}}/operations/op1"`, "communications/calls/57DAB8B1894C409AB240BD8BEAE78896/operations/op1", true},
		{`"/communications/calls/{{callId}}/operations/op1"`, "/communications/calls/57DAB8B1894C409AB240BD8BEAE78896/operations/op1", true},
		{`"~^/communications/calls/[^/]+/operations/op1$"`, "communications/calls/x/operations/op1", true},
		{`"/communications/calls/{{callId}}/operations/op1"`, "communications/calls/other/operations/op1", false},
		{`"~^/communications/calls/[^/]+$"`, "communications/calls/x/operations/op1", false},
	}
	for _, tt := range tests {
		p, err := CompilePattern(&fixture.Pattern{Resource: json.RawMessage(tt.resource)}, lookup)
		if err != nil {
			t.Fatal(err)
		}
		for _, field := range []string{"resource", "resourceUrl"} {
			item := []byte(`{"` + field + `":` + strconv.Quote(tt.got) + `}`)
			blk := judge.New(judge.Block{Expect: []judge.Expectation{{Pattern: p}}}, nil)
			got := blk.Offer(timeline.Notification{Item: item})
			if got != tt.want {
				t.Errorf("%s %s, %s %q: taken = %v, want %v", "resource", tt.resource, field, tt.got, got, tt.want)
			}
		}
	}
}
