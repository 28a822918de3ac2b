package receiver

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/timeline"
)

// TestIdentical: items that differ only in whitespace and member order are
// identical, and hash alike; any other difference tells them apart.
func TestIdentical(t *testing.T) {
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
		`{"changeType":"updated","resourceData":{"resource":"/app/calls/c1","state":"established","n":[1,2]}}`, // moved a level
		`[` + item + `]`,
	}
	for _, s := range same {
		if !identical([]byte(s), []byte(item)) || itemHash([]byte(s)) != itemHash([]byte(item)) {
			t.Errorf("%s and %s: not identical, or hashed apart; only whitespace and member order changed", s, item)
		}
	}
	for _, s := range different {
		if identical([]byte(s), []byte(item)) {
			t.Errorf("%s is identical to %s: a different notification would count as a redelivery", s, item)
		}
	}
	// Members that share a name keep their order: a reader sees the first.
	if identical([]byte(`{"a":1,"a":2}`), []byte(`{"a":2,"a":1}`)) {
		t.Error(`{"a":1,"a":2} and {"a":2,"a":1} are identical; gjson reads a as 1 in one and 2 in the other`)
	}
	if !identical([]byte(`{"b":1,"a":1,"a":2}`), []byte(`{"a":1,"b":1,"a":2}`)) {
		t.Error("moving another member around duplicate names made the items differ")
	}
	// Deeper than the canonical form sorts, whitespace still does not count.
	deep := strings.Repeat(`{"a":[`, maxCanonicalDepth) + `{"y":1,"x":2}` + strings.Repeat("]}", maxCanonicalDepth)
	spaced := strings.ReplaceAll(deep, ":", " : ")
	if !identical([]byte(deep), []byte(spaced)) || itemHash([]byte(deep)) != itemHash([]byte(spaced)) {
		t.Error("below the canonical depth, whitespace made two items differ")
	}
}

// TestRedeliveriesSurviveHashCollisions: items are filed by hash, but only
// an identical item is a redelivery; a colliding one is a first delivery.
func TestRedeliveriesSurviveHashCollisions(t *testing.T) {
	items := [][]byte{[]byte(`{"n":1}`), []byte(`{"n":2}`), []byte(` {"n" : 1} `), []byte(`{"n":2}`)}
	var d redeliveries
	var got []int
	for i, it := range items {
		first, ok := d.first(it, 42, i, func(k int) []byte { return items[k] }) // one hash for all
		if !ok {
			first = -1
		}
		got = append(got, first)
	}
	if diff := cmp.Diff([]int{-1, -1, 0, 1}, got); diff != "" {
		t.Errorf("first deliveries (-want +got; -1 = none):\n%s", diff)
	}
}

// TestRedeliveriesAreMarked: an item identical to one that arrived before
// on the same run, in another POST or the same one, is kept with its own
// arrival index and marked as a redelivery of the first, in the items and
// in the timeline; a different item, or the same item on another run, is not.
func TestRedeliveriesAreMarked(t *testing.T) {
	rc := start(t, Config{})
	tl := &timeline.Timeline{}
	run := rc.NewInbox(tl)
	other := rc.NewInbox(nil)
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
		m := id.FindStringSubmatch(rc.NewInbox(nil).URL())
		if m == nil {
			t.Fatalf("a run's URL does not end in /callbacks/ and 32 hex digits")
		}
		if seen[m[1]] {
			t.Fatalf("two runs share the id %s", m[1])
		}
		seen[m[1]] = true
	}
}

// BenchmarkItemHash is the receiver's cost, per notification item, of
// filing it to tell a redelivery: a roster update as the service sends it.
func BenchmarkItemHash(b *testing.B) {
	item := []byte(`{"@odata.type":"#microsoft.graph.commsNotification","changeType":"updated","resource":"/app/calls/57DAB8B1894C409AB240BD8BEAE78896/participants","resourceUrl":"/communications/calls/57dab8b1-894c-409a-b240-bd8beae78896/participants","resourceData":[{"@odata.type":"#microsoft.graph.participant","id":"550fae72-d251-43ec-868c-373732c2704f","info":{"identity":{"user":{"id":"550fae72-d251-43ec-868c-373732c2704f","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","displayName":"Heidi Steen"}},"languageId":"en-US","region":"westus"},"mediaStreams":[{"mediaType":"audio","sourceId":"1","direction":"sendReceive","serverMuted":false}],"isMuted":false,"isInLobby":false}]}`)
	for b.Loop() {
		itemHash(item)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/item")
}
