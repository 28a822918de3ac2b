package receiver

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/timeline"
)

func TestCanonicalKey(t *testing.T) {
	const item = `{"changeType":"updated","resource":"/app/calls/c1","resourceData":{"state":"established","n":[1,2]}}`
	same := []string{
		item,
		" {\n  \"resource\" : \"/app/calls/c1\",\n  \"resourceData\": {\"n\": [ 1 , 2 ], \"state\": \"established\"},\n  \"changeType\": \"updated\"\n} ",
	}
	different := []string{
		`{"changeType":"updated","resource":"/app/calls/c1","resourceData":{"state":"established","n":[2,1]}}`,      // array order
		`{"changeType":"updated","resource":"/app/calls/c1","resourceData":{"state":"established","n":[1,2.0]}}`,    // number spelling
		`{"changeType":"updated","resource":"/app/calls/c1","resourceData":{"state":"establishe\u0064","n":[1,2]}}`, // string spelling
		`{"changeType":"updated","resource":"/app/calls/c1","resourceData":{"state":"established","n":[1,2],"x":null}}`,
		`{"changeType":"deleted","resource":"/app/calls/c1","resourceData":{"state":"established","n":[1,2]}}`,
		`{"changeType":"updated","resource":"/app/calls/C1","resourceData":{"state":"established","n":[1,2]}}`,
		`[` + item + `]`,
		`{not json`,
	}
	want := canonicalKey([]byte(item))
	for _, s := range same {
		if canonicalKey([]byte(s)) != want {
			t.Errorf("canonicalKey(%s) differs from canonicalKey(%s): only whitespace and member order changed", s, item)
		}
	}
	for _, s := range different {
		if canonicalKey([]byte(s)) == want {
			t.Errorf("canonicalKey(%s) equals canonicalKey(%s): a different notification would count as a redelivery", s, item)
		}
	}
	// Members that share a name keep their order: a reader sees the first.
	if canonicalKey([]byte(`{"a":1,"a":2}`)) == canonicalKey([]byte(`{"a":2,"a":1}`)) {
		t.Error(`{"a":1,"a":2} and {"a":2,"a":1} have one key; gjson reads a as 1 in one and 2 in the other`)
	}
	if canonicalKey([]byte(`{"b":1,"a":1,"a":2}`)) != canonicalKey([]byte(`{"a":1,"b":1,"a":2}`)) {
		t.Error("moving another member around duplicate names changed the key")
	}
}

// TestRedeliveriesAreMarked: an item identical to one that arrived before
// on the same run, in another POST or the same one, is kept with its own
// arrival index and marked as a redelivery of the first, in the items and
// in the timeline; a different item, or the same item on another run, is not.
func TestRedeliveriesAreMarked(t *testing.T) {
	rc := start(t, Config{})
	tl := &timeline.Timeline{}
	run := rc.NewRun(tl)
	other := rc.NewRun(nil)
	hc := client(t)
	a := `{"changeType":"updated","resource":"/app/calls/c1","resourceData":{"state":"established"}}`
	aAgain := `{"resourceData": {"state": "established"}, "resource": "/app/calls/c1", "changeType": "updated"}`
	b := `{"changeType":"updated","resource":"/app/calls/c1","resourceData":{"state":"terminated"}}`
	for _, body := range []string{notifications(a, b), notifications(aAgain, b, b), notifications(a)} {
		if got := send(t, hc, http.MethodPost, run.URL(), body, nil); got != http.StatusAccepted {
			t.Fatalf("POST = %d, want 202", got)
		}
	}
	send(t, hc, http.MethodPost, other.URL(), notifications(a), nil)

	type mark struct {
		Index      int
		Redelivery bool
		Original   int
	}
	var got []mark
	for _, n := range run.Since(0) {
		m := mark{Index: n.Index, Redelivery: n.Redelivery}
		if n.Redelivery {
			m.Original = n.Original
		}
		got = append(got, m)
	}
	want := []mark{{0, false, 0}, {1, false, 0}, {2, true, 0}, {3, true, 1}, {4, true, 1}, {5, true, 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("redelivery marks (-want +got):\n%s", diff)
	}
	var events []*int
	for _, e := range eventsOf(tl, timeline.Notify) {
		events = append(events, e.RedeliveryOf)
	}
	zero, one := 0, 1
	if diff := cmp.Diff([]*int{nil, nil, &zero, &one, &one, &zero}, events); diff != "" {
		t.Errorf("timeline redeliveryOf (-want +got):\n%s", diff)
	}
	if n := other.Since(0); len(n) != 1 || n[0].Redelivery {
		t.Errorf("the first item of another run = %+v, want a first delivery", n)
	}
}

func TestRunIDsAreUnguessable(t *testing.T) {
	rc := start(t, Config{})
	id := regexp.MustCompile(`/callbacks/([0-9a-f]{32})$`)
	seen := map[string]bool{}
	for range 3 {
		m := id.FindStringSubmatch(rc.NewRun(nil).URL())
		if m == nil {
			t.Fatalf("a run's URL does not end in /callbacks/ and 32 hex digits")
		}
		if seen[m[1]] {
			t.Fatalf("two runs share the id %s", m[1])
		}
		seen[m[1]] = true
	}
}
