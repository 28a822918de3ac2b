package judge

import (
	"strings"
	"testing"

	"github.com/callconform/callconform/harness/timeline"
)

// offered is a notification as a test offers it: an item, or a redelivery
// of the item at arrival index of.
type offered struct {
	item []byte
	of   int // arrival index of the original + 1; 0 = a first delivery
}

func first(item []byte) offered { return offered{item: item} }

func again(of int, items [][]byte) offered { return offered{item: items[of], of: of + 1} }

// offerAll offers items to j from arrival index from on, and returns the
// next arrival index.
func offerAll(j *Judge, from int, items []offered) int {
	for _, it := range items {
		n := timeline.Notification{Index: from, Item: it.item}
		if it.of > 0 {
			n.Redelivery, n.Original = true, it.of-1
		}
		j.Offer(n)
		from++
	}
	return from
}

func firsts(items ...[]byte) []offered {
	out := make([]offered, len(items))
	for i, it := range items {
		out[i] = first(it)
	}
	return out
}

var ringing = note("updated", call, "ringing")

// TestJudgeDecides tells apart blocks that have failed for good, which the
// await may end at once, from blocks that a further notification can still
// make pass. A decided case is checked to stay failed whatever follows; an
// undecided one names a continuation that makes it pass.
func TestJudgeDecides(t *testing.T) {
	optionalPred := stateBlock()
	optionalPred.Expect = append([]Expectation{exp("ringing", "updated", call, "ringing")}, optionalPred.Expect...)
	optionalPred.Expect[0].Optional = true
	optionalPred.Expect[2].After = append(optionalPred.Expect[2].After, "ringing")
	strict := stateBlock()
	strict.FailUnexpected = true
	noDup := stateBlock()
	noDup.FailDuplicates = true
	opRoster := Block{Expect: []Expectation{
		exp("op", "deleted", call+"/operations/0FE0623F", ""),
		exp("roster", "updated", call+"/participants", "", "op"),
	}}
	twoRosters := opRoster
	twoRosters.Expect = append([]Expectation(nil), opRoster.Expect...)
	twoRosters.Expect[1].Count = 2
	optionalRoster := opRoster
	optionalRoster.Expect = append([]Expectation(nil), opRoster.Expect...)
	optionalRoster.Expect[1].Optional = true
	listed := Block{Order: Listed, Expect: []Expectation{
		exp("a", "updated", call, "establishing"),
		exp("b", "updated", call, "established"),
	}}
	anyOrder := listed
	anyOrder.Order = Any
	// The same notification can meet a later expectation when an earlier
	// one refuses it for order.
	fallback := Block{Expect: []Expectation{
		exp("inOrder", "updated", call, "established", "establishing"),
		exp("establishing", "updated", call, "establishing"),
		exp("any", "updated", call, "established"),
	}}
	withForbid := stateBlock()
	withForbid.Forbid = []Pattern{{Name: "no-delete", ChangeType: "deleted"}}
	roster2 := note("updated", call+"/participants", "second")

	tests := []struct {
		name    string
		block   Block
		prior   map[string][]int
		items   []offered
		decided bool
		reason  string    // for a decided case: in the verdict's Decided
		pass    []offered // for an undecided case: a continuation that passes
	}{
		{"forbidden", withForbid, nil, firsts(establishing, deleted), true, `forbidden notification #1 arrived (pattern "no-delete")`, nil},
		{"unexpected with unexpected fail", strict, nil, firsts(roster), true, "unexpected: fail", nil},
		{"redelivery with duplicates fail", noDup, nil, []offered{first(establishing), again(0, [][]byte{establishing})}, true, "redelivery of #0", nil},
		{"late optional predecessor", optionalPred, nil, firsts(establishing, established, ringing), true, `optional "ringing" arrived (#2)`, nil},
		{"only match before its predecessor", opRoster, nil, firsts(roster), true, `"roster" can no longer be met: #0 matches it but came before "op"`, nil},
		{"one of two matches too early", twoRosters, nil, firsts(roster, opDone), true, `"roster" can no longer be met`, nil},
		{"listed out of order", listed, nil, firsts(established), true, `"b" can no longer be met: #0 matches it but came before "a"`, nil},
		{"before an earlier block's match", Block{Expect: []Expectation{exp("gone", "deleted", call, "", "terminated")}},
			map[string][]int{"terminated": {5}}, firsts(deleted), true, `came before "terminated"`, nil},

		{"nothing yet", stateBlock(), nil, nil, false, "", firsts(establishing, established)},
		{"half way", stateBlock(), nil, firsts(establishing), false, "", firsts(established)},
		{"count short", twoRosters, nil, firsts(opDone, roster), false, "", firsts(roster2)},
		{"optional match too early is judged absent", optionalRoster, nil, firsts(roster), false, "", firsts(opDone)},
		{"early match taken by another expectation", fallback, nil, firsts(established), false, "", firsts(establishing, established)},
		{"any order", anyOrder, nil, firsts(established), false, "", firsts(establishing)},
		{"unexpected ignored", stateBlock(), nil, firsts(roster, deleted), false, "", firsts(establishing, established)},
		{"redelivery counted once", stateBlock(), nil, []offered{first(establishing), again(0, [][]byte{establishing})}, false, "", firsts(established)},
		{"redelivery under unexpected fail", strict, nil, []offered{first(establishing), again(0, [][]byte{establishing})}, false, "", firsts(established)},
		{"forbid window, all met", withForbid, nil, firsts(establishing, established), false, "", nil},
		{"after an earlier block's match", Block{Expect: []Expectation{exp("gone", "deleted", call, "", "terminated")}},
			map[string][]int{"terminated": {0}}, nil, false, "", firsts(deleted)},
	}
	// What may follow a decided block: everything the cases use.
	pool := firsts(establishing, established, terminated, deleted, opDone, roster, roster2, ringing)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := New(tt.block, tt.prior)
			decidedAt := -1
			for k := range tt.items {
				offerAll(j, k, tt.items[k:k+1])
				if j.Decided() && decidedAt < 0 {
					decidedAt = k
				}
			}
			next := len(tt.items)
			if got := j.Decided(); got != tt.decided {
				t.Fatalf("Decided() = %v, want %v; verdict:\n%s", got, tt.decided, j.Verdict(false))
			}
			if !tt.decided {
				if v := j.Verdict(false); v.Decided != "" {
					t.Errorf("an undecided block's verdict says decided: %q", v.Decided)
				}
				offerAll(j, next, tt.pass)
				if v := j.Verdict(!j.Done()); !v.OK {
					t.Fatalf("the continuation did not pass, so the block was decided after all:\n%s", v)
				}
				return
			}
			if !j.Done() {
				t.Error("decided but not Done: the await would wait out its bound")
			}
			v := j.Verdict(false)
			if v.OK || !strings.Contains(v.Decided, tt.reason) || !strings.Contains(v.String(), "decided: failed at notification #") {
				t.Fatalf("verdict OK %v, Decided %q, want a failure decided by %q:\n%s", v.OK, v.Decided, tt.reason, v)
			}
			if v.DecidedAt != decidedAt {
				t.Errorf("DecidedAt = %d, want #%d, the notification that decided it", v.DecidedAt, decidedAt)
			}
			// Whatever follows, in either order, it stays failed.
			for _, rest := range [][]offered{pool, reversed(pool)} {
				k := New(tt.block, tt.prior)
				n := offerAll(k, 0, tt.items)
				for _, it := range rest {
					k.Offer(timeline.Notification{Index: n, Item: it.item})
					n++
				}
				if v := k.Verdict(true); v.OK {
					t.Fatalf("decided, yet a continuation passes:\n%s", v)
				}
			}
		})
	}
}

func reversed(s []offered) []offered {
	out := make([]offered, len(s))
	for i, x := range s {
		out[len(s)-1-i] = x
	}
	return out
}

// TestJudgeRedeliveryIsOneNotification: a redelivery meets no expectation,
// is neither unexpected nor forbidden, is taken when its original was, and
// is shown in the verdict; with FailDuplicates it fails the block.
func TestJudgeRedeliveryIsOneNotification(t *testing.T) {
	counted := Block{Expect: []Expectation{exp("rosters", "updated", call+"/participants", "")}}
	counted.Expect[0].Count = 2
	j := New(counted, nil)
	if !j.Offer(timeline.Notification{Index: 0, Item: roster}) {
		t.Fatal("the first roster was not taken")
	}
	if !j.Offer(timeline.Notification{Index: 1, Item: roster, Redelivery: true, Original: 0}) {
		t.Error("the redelivery of a taken notification was not reported taken")
	}
	v := j.Verdict(true)
	if v.OK || !strings.Contains(v.String(), `expectation "rosters" not met: only 1 of 2 arrived`) {
		t.Fatalf("a redelivery met count: 2:\n%s", v)
	}
	if len(v.Redelivered) != 1 || v.Redelivered[0].Index != 1 || v.Redelivered[0].Original != 0 || v.Duplicates {
		t.Errorf("Redelivered = %+v, Duplicates %v; want #1 of #0, not failing", v.Redelivered, v.Duplicates)
	}
	if !strings.Contains(v.String(), "notification #1 is a redelivery of #0, counted once with it") {
		t.Errorf("the report does not show the redelivery:\n%s", v)
	}

	forbid := Block{Forbid: []Pattern{{Name: "no-delete", ChangeType: "deleted"}}}
	j = New(forbid, nil)
	j.Offer(timeline.Notification{Index: 0, Item: deleted})
	if j.Offer(timeline.Notification{Index: 1, Item: deleted, Redelivery: true, Original: 0}) {
		t.Error("the redelivery of a notification no expectation took was reported taken")
	}
	if v := j.Verdict(false); len(v.Forbidden) != 1 || len(v.Unexpected) != 1 {
		t.Errorf("forbidden %d, unexpected %d; want 1 and 1: a redelivery is the same notification", len(v.Forbidden), len(v.Unexpected))
	}

	strict := stateBlock()
	strict.FailUnexpected = true
	j = New(strict, nil)
	j.Offer(timeline.Notification{Index: 0, Item: establishing})
	j.Offer(timeline.Notification{Index: 1, Item: establishing, Redelivery: true, Original: 0})
	j.Offer(timeline.Notification{Index: 2, Item: established})
	if v := j.Verdict(false); !v.OK {
		t.Fatalf("a redelivery tripped unexpected: fail:\n%s", v)
	}

	dup := stateBlock()
	dup.FailDuplicates = true
	j = New(dup, nil)
	j.Offer(timeline.Notification{Index: 0, Item: establishing})
	j.Offer(timeline.Notification{Index: 1, Item: establishing, Redelivery: true, Original: 0})
	if !j.Done() {
		t.Fatal("a redelivery with FailDuplicates did not end the block")
	}
	v = j.Verdict(false)
	if v.OK || !v.Duplicates || !strings.Contains(v.String(), "duplicate: notification #1 is a redelivery of #0") {
		t.Fatalf("FailDuplicates: verdict OK %v, Duplicates %v:\n%s", v.OK, v.Duplicates, v)
	}
	if !strings.Contains(v.String(), `expectation "established" not met: not waited for`) {
		t.Errorf("the report does not say established was not waited for:\n%s", v)
	}
}

// TestJudgeDecidedReasons: when an expectation can no longer be met, the
// others without a match say so plainly; when the block refused a
// notification (forbidden, unexpected, duplicate), they were not waited for.
func TestJudgeDecidedReasons(t *testing.T) {
	opRoster := Block{Expect: []Expectation{
		exp("op", "deleted", call+"/operations/0FE0623F", ""),
		exp("roster", "updated", call+"/participants", "", "op"),
	}}
	v, _ := run(opRoster, roster)
	if want := `expectation "op" not met: no notification matched before the block was decided at notification #0`; !strings.Contains(v.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, v)
	}
	if names(v.Unmet) != "roster" || names(v.Open) != "op" {
		t.Errorf("unmet %q, open %q; want roster to blame and op not waited for", names(v.Unmet), names(v.Open))
	}
	// The completion came on another call, then the roster: the near miss
	// is likely the target's completion, so op is to blame too.
	v, _ = run(opRoster, note("deleted", "/app/calls/OTHER/operations/0FE0623F", ""), roster)
	if names(v.Unmet) != "op roster" || len(v.Open) != 0 {
		t.Errorf("unmet %q, open %q; want op and roster to blame", names(v.Unmet), names(v.Open))
	}
	strict := opRoster
	strict.FailUnexpected = true
	v, _ = run(strict, establishing)
	if want := `expectation "op" not met: not waited for: the block ended at notification #0, which it refuses`; !strings.Contains(v.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, v)
	}
}

// names lists the names of us, space-separated.
func names(us []Unmet) string {
	var out []string
	for _, u := range us {
		out = append(out, u.Name)
	}
	return strings.Join(out, " ")
}
