package judge

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/match"
	"github.com/callconform/callconform/harness/timeline"
)

// fuzzBlocks are the fixed blocks FuzzJudge feeds arbitrary items to: every
// order, optional, count, forbid, unexpected: fail and duplicates: fail.
func fuzzBlocks() map[string]Block {
	optional := stateBlock()
	optional.Expect = append([]Expectation{exp("ringing", "updated", call, "ringing")}, optional.Expect...)
	optional.Expect[0].Optional = true
	optional.Expect[2].After = append(optional.Expect[2].After, "ringing")
	optional.Forbid = []Pattern{{Name: "no-delete", ChangeType: "deleted", Resource: optional.Expect[1].Resource}}
	counted := Block{Expect: []Expectation{
		exp("op", "deleted", call+"/operations/0FE0623F", ""),
		exp("rosters", "updated", call+"/participants", "", "op"),
	}}
	counted.Expect[1].Count = 2
	m, err := match.CompileResource([]byte(`"~/participants$"`))
	if err != nil {
		panic(err)
	}
	counted.Expect = append(counted.Expect, Expectation{Pattern: Pattern{Name: "anyRoster", Resource: m}, Optional: true},
		exp("gone", "deleted", call, "", "terminated")) // after an earlier block's match: #1
	listed := stateBlock()
	listed.Order = Listed
	listed.FailUnexpected = true
	anyOrder := stateBlock()
	anyOrder.Order = Any
	anyOrder.FailDuplicates = true
	return map[string]Block{"optional": optional, "counted": counted, "listed": listed, "any": anyOrder}
}

// FuzzJudge offers arbitrary items (one a line; a set bit of redelivered
// marks the item at that position a redelivery of an earlier one) to fixed
// blocks. The judge never panics; its verdict is the same on a second run;
// once it decides a failure it stays decided and the verdict fails; and its
// report is valid UTF-8 with no control character but newline and tab.
func FuzzJudge(f *testing.F) {
	f.Add(string(establishing)+"\n"+string(established), uint64(0))
	f.Add(string(roster)+"\n"+string(opDone)+"\n"+string(roster), uint64(0))
	f.Add(string(opDone)+"\n"+string(roster)+"\n"+string(roster), uint64(4))
	f.Add(string(established)+"\n"+string(note("updated", call, "ringing"))+"\n"+string(deleted), uint64(0))
	f.Add(`{"changeType":"updated","resource":"/app/calls/57dab8b1-894c-409a-b240-bd8beae78896","resourceData":{"state":"established\u001b[2J"}}`, uint64(0))
	f.Add("not json\n{\"changeType\":7}\n[]\nnull\n\"\x9b31m\"", uint64(3))
	blocks := fuzzBlocks()
	f.Fuzz(func(t *testing.T, lines string, redelivered uint64) {
		items := strings.Split(lines, "\n")
		if len(items) > 64 {
			items = items[:64]
		}
		for name, b := range blocks {
			v1, decided := judgeFuzzed(t, b, items, redelivered)
			v2, _ := judgeFuzzed(t, b, items, redelivered)
			if diff := cmp.Diff(v1, v2); diff != "" {
				t.Fatalf("block %s: the verdict changed on a second run (-first +second):\n%s", name, diff)
			}
			if decided && v1.OK {
				t.Fatalf("block %s: decided a failure, yet the verdict passes:\n%s", name, v1)
			}
			report := v1.String()
			if !utf8.ValidString(report) {
				t.Fatalf("block %s: the report is not valid UTF-8: %q", name, report)
			}
			for _, r := range report {
				if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
					t.Fatalf("block %s: the report holds control character %U: %q", name, r, report)
				}
			}
		}
	})
}

// judgeFuzzed offers items to a judge of b and returns its verdict, and
// whether it decided a failure; it fails t when a decision is taken back.
func judgeFuzzed(t *testing.T, b Block, items []string, redelivered uint64) (Verdict, bool) {
	j := New(b, map[string][]int{"terminated": {1}})
	decided := false
	for i, it := range items {
		n := timeline.Notification{Index: i, Item: []byte(it)}
		if i > 0 && redelivered&(1<<i) != 0 {
			n.Redelivery, n.Original = true, i/2
		}
		j.Offer(n)
		if decided && !j.Decided() {
			t.Fatalf("the judge took back a decision at item %d", i)
		}
		decided = j.Decided()
	}
	return j.Verdict(!j.Done()), decided
}
