package recorder

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestJournalOrder: exchanges added from many goroutines get distinct,
// dense sequence numbers, and a snapshot lists them in that order.
func TestJournalOrder(t *testing.T) {
	var j journal
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				e := &exchange{method: "POST"}
				j.add(e)
				j.answer(e, 202, nil)
				j.answerBody(e, nil, false)
			}
		}()
	}
	wg.Wait()
	xs := kept(t, &j)
	if len(xs) != 800 {
		t.Fatalf("%d exchanges, want 800", len(xs))
	}
	for i, x := range xs {
		if x.seq != i || x.status != 202 {
			t.Fatalf("exchange %d: seq %d status %d", i, x.seq, x.status)
		}
	}
	if diff := cmp.Diff(Stats{Requests: 800}, j.stats(), ignoreBytes); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

// TestSnapshotDropsRetries: a delivery the bot refused with a retryable
// status, sent again, is kept once; a refusal never followed by the same
// body is kept (nothing lost); a non-retryable refusal is kept.
func TestSnapshotDropsRetries(t *testing.T) {
	var j journal
	for _, e := range []*exchange{
		{isNote: true, callback: 1, body: []byte("a"), botStatus: 503},
		{isNote: true, callback: 1, body: []byte("a"), botStatus: 0},
		{isNote: true, callback: 1, body: []byte("a"), botStatus: 202},
		{isNote: true, callback: 2, body: []byte("a"), botStatus: 429},
		{isNote: true, callback: 1, body: []byte("b"), botStatus: 400},
		{isNote: true, callback: 1, body: []byte("b"), botStatus: 202},
	} {
		addDone(&j, e)
	}
	var got []int
	for _, x := range kept(t, &j) {
		got = append(got, x.seq)
	}
	if diff := cmp.Diff([]int{2, 3, 4, 5}, got); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Stats{Notifications: 6, Redeliveries: 2}, j.stats(), ignoreBytes); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

// TestSnapshotDropsRedeliveries: a notification the bot accepted and the
// upstream delivered again (its delivery timed out on the upstream's side)
// is kept once, at its first delivery, whatever the bot answered the
// others; one the bot refused and then accepted is kept at its acceptance.
func TestSnapshotDropsRedeliveries(t *testing.T) {
	var j journal
	for _, e := range []*exchange{
		{isNote: true, callback: 1, body: []byte("a"), botStatus: 202},
		{isNote: true, callback: 1, body: []byte("b"), botStatus: 0},
		{isNote: true, callback: 1, body: []byte("a"), botStatus: 202},
		{isNote: true, callback: 1, body: []byte("b"), botStatus: 200},
		{isNote: true, callback: 1, body: []byte("a"), botStatus: 0},
		{isNote: true, callback: 1, body: []byte("b"), botStatus: 503},
		{isNote: true, callback: 2, body: []byte("a"), botStatus: 202},
	} {
		addDone(&j, e)
	}
	var got []int
	for _, x := range kept(t, &j) {
		got = append(got, x.seq)
	}
	if diff := cmp.Diff([]int{0, 3, 6}, got); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Stats{Notifications: 7, Redeliveries: 4}, j.stats(), ignoreBytes); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

// addDone adds a complete exchange to j, as if it had passed through.
func addDone(j *journal, e *exchange) {
	j.add(e)
	j.mu.Lock()
	j.complete(e)
	j.mu.Unlock()
}

// kept returns what j journaled, in sequence order, redeliveries left out:
// what a fixture is built from.
func kept(t *testing.T, j *journal) []*exchange {
	t.Helper()
	snap, err := j.pending()
	if err != nil {
		t.Fatal(err)
	}
	drops, _, _, err := findRedeliveries(snap)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := snap.reader()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var out []*exchange
	if _, _, err := readJournal(rc, func(x *exchange) error {
		if !drops[x.seq] {
			out = append(out, x)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// ignoreBytes leaves the journal's size out of a comparison of Stats.
var ignoreBytes = cmpopts.IgnoreFields(Stats{}, "BytesWritten")

// flakySink fails its nth append, as a full disk would.
type flakySink struct {
	sink
	n int
}

func (f *flakySink) append(line []byte) error {
	if f.n--; f.n == 0 {
		return errors.New("no space left on device")
	}
	return f.sink.append(line)
}

// TestJournalWriteFailureIsSaid: an exchange the journal could not write
// is missing from the fixture, and the build says the journal lost
// exchanges instead of failing: the rest is still written.
func TestJournalWriteFailureIsSaid(t *testing.T) {
	r, err := New(Config{Upstream: "https://graph.example.test/beta", PublicURL: "https://rec.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	r.journal.sink = &flakySink{sink: r.journal.sinkOf(), n: 2}
	for _, p := range []string{"/app/calls/a", "/app/calls/b", "/app/calls/c"} {
		record(r, &exchange{method: "GET", path: p, status: 200})
	}
	in, err := r.buildInput()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	res, err := buildFixture(&buf, in, Meta{ID: "lossy"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 2 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "no space left on device") {
		t.Errorf("%d requests, notes %q; want 2 and the write failure said", res.Requests, res.Notes)
	}
}
