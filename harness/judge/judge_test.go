package judge

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/callconform/callconform/harness/match"
	"github.com/callconform/callconform/harness/timeline"
)

// note builds a notification item.
func note(changeType, resource, state string) []byte {
	item := map[string]any{"changeType": changeType, "resource": resource}
	if state != "" {
		item["resourceData"] = map[string]any{"state": state}
	}
	b, _ := json.Marshal(item)
	return b
}

func exp(name, changeType, resource, state string, after ...string) Expectation {
	e := Expectation{Pattern: Pattern{Name: name, ChangeType: changeType}, After: after}
	if resource != "" {
		m, err := match.CompileResource(json.RawMessage(fmt.Sprintf("%q", resource)))
		if err != nil {
			panic(err)
		}
		e.Resource = m
	}
	if state != "" {
		m, _ := match.Compile(json.RawMessage(fmt.Sprintf("%q", state)))
		e.Where = []Cond{{Path: "resourceData.state", M: m}}
	}
	return e
}

func run(b Block, items ...[]byte) (Verdict, *Judge) {
	j := New(b, nil)
	for i, it := range items {
		if j.Done() {
			break
		}
		j.Offer(timeline.Notification{Index: i, Item: it})
	}
	return j.Verdict(!j.Done()), j
}

const call = "/app/calls/57DAB8B1894C409AB240BD8BEAE78896"

var (
	establishing = note("updated", call, "establishing")
	established  = note("updated", call, "established")
	terminated   = note("updated", call, "terminated")
	deleted      = note("deleted", call, "")
	opDone       = note("deleted", call+"/operations/0FE0623F", "")
	roster       = note("updated", call+"/participants", "")
)

func stateBlock() Block {
	return Block{Expect: []Expectation{
		exp("establishing", "updated", call, "establishing"),
		exp("established", "updated", call, "established", "establishing"),
	}}
}

func TestJudge(t *testing.T) {
	diamond := Block{Expect: []Expectation{
		exp("op", "deleted", call+"/operations/0FE0623F", ""),
		exp("roster", "updated", call+"/participants", "", "op"),
		exp("terminated", "updated", call, "terminated", "op"),
		exp("gone", "deleted", call, "", "roster", "terminated"),
	}}
	optional := stateBlock()
	optional.Expect = append(optional.Expect, exp("ringing", "updated", call, "ringing"))
	optional.Expect[2].Optional = true
	// An absent optional predecessor orders nothing: what comes after it is
	// judged as if the edge were not there.
	afterOptional := Block{Expect: []Expectation{
		exp("ringing", "updated", call, "ringing"),
		exp("established", "updated", call, "established", "ringing"),
	}}
	afterOptional.Expect[0].Optional = true
	strict := stateBlock()
	strict.FailUnexpected = true
	forbid := Block{Forbid: []Pattern{{Name: "no-op", ChangeType: "deleted"}}}
	counted := Block{Expect: []Expectation{exp("rosters", "updated", call+"/participants", "")}}
	counted.Expect[0].Count = 2
	listed := Block{Order: Listed, Expect: []Expectation{
		exp("a", "updated", call, "establishing"),
		exp("b", "updated", call, "established"),
	}}
	anyOrder := listed
	anyOrder.Order = Any

	tests := []struct {
		name   string
		block  Block
		items  [][]byte
		ok     bool
		report []string // substrings the failure report must contain
	}{
		{"in order", stateBlock(), [][]byte{establishing, established}, true, nil},
		{"swapped", stateBlock(), [][]byte{established, establishing},
			false, []string{`expectation "established" not met`, `#0 arrived before "establishing"`}},
		{"missing", stateBlock(), [][]byte{establishing},
			false, []string{`expectation "established" not met: no notification matched`, `- resourceData.state: "established"`, `+ resourceData.state: "establishing"`}},
		{"wrong resource", stateBlock(), [][]byte{establishing, note("updated", "/app/calls/OTHER", "established")},
			false, []string{`- resource: {$sameId: "` + call + `"}`, `+ resource: "/app/calls/OTHER"`}},
		{"duplicated is ignored by default", stateBlock(), [][]byte{establishing, establishing, established}, true, nil},
		{"duplicated fails when unexpected fail", strict, [][]byte{establishing, establishing, established},
			false, []string{"unexpected notification #1"}},
		{"extra with unexpected fail", strict, [][]byte{establishing, roster, established},
			false, []string{"unexpected notification #1", "/participants"}},
		{"optional absent", optional, [][]byte{establishing, established}, true, nil},
		{"after an absent optional", afterOptional, [][]byte{established}, true, nil},
		{"forbid window clean", forbid, [][]byte{establishing}, true, nil},
		{"forbid hit", forbid, [][]byte{establishing, opDone},
			false, []string{`forbidden notification #1 arrived (pattern "no-op")`}},
		{"forbid spares what the block expects", Block{
			Expect: []Expectation{exp("op", "deleted", call+"/operations/0FE0623F", "")},
			Forbid: []Pattern{{Name: "no-delete", ChangeType: "deleted"}},
		}, [][]byte{opDone, establishing}, true, nil},
		{"forbid catches what the block does not expect", Block{
			Expect: []Expectation{exp("op", "deleted", call+"/operations/0FE0623F", ""), exp("later", "updated", call, "terminated")},
			Forbid: []Pattern{{Name: "no-delete", ChangeType: "deleted"}},
		}, [][]byte{opDone, deleted},
			false, []string{`forbidden notification #1 arrived (pattern "no-delete")`, `expectation "later" not met: not waited for`}},
		{"count met", counted, [][]byte{roster, establishing, roster}, true, nil},
		{"count short", counted, [][]byte{roster, establishing},
			false, []string{`expectation "rosters" not met: only 1 of 2 arrived`}},
		{"timeout with nothing", stateBlock(), nil,
			false, []string{"the wait reached its bound", "no notification was received in this block"}},
		{"diamond ok", diamond, [][]byte{opDone, terminated, roster, deleted}, true, nil},
		{"diamond other interleaving", diamond, [][]byte{opDone, roster, terminated, deleted}, true, nil},
		{"diamond join too early", diamond, [][]byte{opDone, roster, deleted, terminated},
			false, []string{`expectation "gone" not met`, `arrived before "terminated"`}},
		{"diamond root late", diamond, [][]byte{roster, opDone, terminated, deleted},
			false, []string{`expectation "roster" not met`, `#0 arrived before "op"`}},
		{"listed in order", listed, [][]byte{establishing, established}, true, nil},
		{"listed swapped", listed, [][]byte{established, establishing}, false, []string{`arrived before "a"`}},
		{"any swapped", anyOrder, [][]byte{established, establishing}, true, nil},
		{"same id across forms", Block{Expect: []Expectation{exp("x", "updated", "/app/calls/57dab8b1-894c-409a-b240-bd8beae78896", "established")}},
			[][]byte{established}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := run(tt.block, tt.items...)
			if v.OK != tt.ok {
				t.Fatalf("OK = %v, want %v; report:\n%s", v.OK, tt.ok, v)
			}
			report := v.String()
			for _, want := range tt.report {
				if !strings.Contains(report, want) {
					t.Errorf("report lacks %q:\n%s", want, report)
				}
			}
		})
	}
}

func TestJudgeUsesEachNotificationOnce(t *testing.T) {
	b := Block{Expect: []Expectation{
		exp("first", "updated", call, "established"),
		exp("second", "updated", call, "established"),
	}}
	v, _ := run(b, established)
	if v.OK {
		t.Fatal("one notification met two expectations")
	}
	if !strings.Contains(v.String(), "taken by another expectation") {
		t.Errorf("report does not say the match was taken:\n%s", v)
	}
}

func TestJudgeDoneIsEventDriven(t *testing.T) {
	j := New(stateBlock(), nil)
	if j.Done() {
		t.Fatal("done before any notification")
	}
	j.Offer(timeline.Notification{Index: 0, Item: establishing})
	if j.Done() {
		t.Fatal("done with one of two")
	}
	j.Offer(timeline.Notification{Index: 1, Item: established})
	if !j.Done() {
		t.Fatal("not done with both")
	}
	if got := j.Matched()["established"]; len(got) != 1 || got[0] != 1 {
		t.Errorf("established matched %v, want [1]", got)
	}
}

func TestJudgePriorBlocks(t *testing.T) {
	b := Block{Expect: []Expectation{exp("gone", "deleted", call, "", "terminated")}}
	j := New(b, map[string][]int{"terminated": {5}})
	j.Offer(timeline.Notification{Index: 3, Item: deleted})
	if v := j.Verdict(true); v.OK || !strings.Contains(v.String(), `arrived before "terminated"`) {
		t.Fatalf("a notification earlier than a prior block's match was accepted:\n%s", v)
	}
	j = New(b, map[string][]int{"terminated": {5}})
	j.Offer(timeline.Notification{Index: 6, Item: deleted})
	if v := j.Verdict(false); !v.OK {
		t.Fatalf("after a prior block's match: %s", v)
	}
}

func TestJudgeResourceURL(t *testing.T) {
	b := Block{Expect: []Expectation{exp("x", "updated", "/communications/calls/abc", "")}}
	item := []byte(`{"changeType":"updated","resource":"/app/calls/abc","resourceUrl":"/communications/calls/abc"}`)
	if v, _ := run(b, item); !v.OK {
		t.Fatalf("resourceUrl not considered: %s", v)
	}
}

func TestJudgeLateOptionalPredecessor(t *testing.T) {
	b := stateBlock()
	b.Expect = append([]Expectation{exp("ringing", "updated", call, "ringing")}, b.Expect...)
	b.Expect[0].Optional = true
	b.Expect[2].After = append(b.Expect[2].After, "ringing")
	ringing := note("updated", call, "ringing")
	// Both arrive before the block is judged (as from the pool): established
	// matched first, then its optional predecessor came.
	j := New(b, nil)
	for i, it := range [][]byte{establishing, established, ringing} {
		j.Offer(timeline.Notification{Index: i, Item: it})
	}
	if !j.Done() {
		t.Fatal("a late optional predecessor did not end the block")
	}
	v := j.Verdict(false)
	if v.OK || !strings.Contains(v.String(), `its optional predecessor "ringing" arrived later (#2)`) {
		t.Fatalf("a late optional predecessor was accepted:\n%s", v)
	}
	// In order it passes.
	if v, _ := run(b, establishing, ringing, established); !v.OK {
		t.Fatalf("in order: %s", v)
	}
}

func TestJudgeEndsAtOnceOnForbidden(t *testing.T) {
	b := stateBlock()
	b.Forbid = []Pattern{{Name: "no-delete", ChangeType: "deleted"}}
	j := New(b, nil)
	j.Offer(timeline.Notification{Index: 0, Item: deleted})
	if !j.Done() {
		t.Fatal("a forbidden notification did not end the block at once")
	}
	strict := stateBlock()
	strict.FailUnexpected = true
	j = New(strict, nil)
	j.Offer(timeline.Notification{Index: 0, Item: roster})
	if !j.Done() {
		t.Fatal("an unexpected notification under unexpected: fail did not end the block at once")
	}
}

func TestJudgePatternResources(t *testing.T) {
	re := func(name, pattern string) Expectation {
		m, err := match.CompileResource(json.RawMessage(fmt.Sprintf("%q", "~"+pattern)))
		if err != nil {
			t.Fatal(err)
		}
		return Expectation{Pattern: Pattern{Name: name, Resource: m}}
	}
	b := Block{Expect: []Expectation{re("ops", "/operations/"), re("roster", "/participants$")}}
	b.Expect[0].Count = 2
	v, j := run(b, opDone, roster, opDone)
	if !v.OK {
		t.Fatalf("pattern resources: %s", v)
	}
	if got := j.Matched()["ops"]; len(got) != 2 || got[0] != 0 || got[1] != 2 {
		t.Errorf("ops took %v, want [0 2]", got)
	}
}

// TestVerdictShowsReceivedValuesSafely: what a target sent is shown with
// control characters escaped, and clipped on a UTF-8 boundary.
func TestVerdictShowsReceivedValuesSafely(t *testing.T) {
	hostile := []byte("{\"changeType\":\"updated\",\"resource\":\"" + call + "\",\"resourceData\":{\"state\":\"\u009b2J\u202eestablished\x7f\"}}")
	v, _ := run(stateBlock(), establishing, hostile)
	report := v.String()
	for _, bad := range []string{"\u009b", "\u202e", "\x7f"} {
		if strings.Contains(report, bad) {
			t.Errorf("report holds %q raw:\n%s", bad, report)
		}
	}
	if !strings.Contains(report, `+ resourceData.state: "\x9b2J\u202eestablished\x7f"`) {
		t.Errorf("report does not show the received state escaped:\n%s", report)
	}
	// A long item is clipped on a character boundary, not inside "é".
	long := []byte(`{"changeType":"deleted","resource":"/x","pad":"` + strings.Repeat("é", 400) + `"}`)
	v, _ = run(Block{Forbid: []Pattern{{Name: "no-delete", ChangeType: "deleted"}}}, long)
	if report := v.String(); !utf8.ValidString(report) || !strings.Contains(report, "é…") {
		t.Errorf("a long item is not clipped on a character boundary:\n%q", report)
	}
}
