package judge

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/internal/excerpt"
)

// Mismatch is one condition a candidate failed: a "-want +got" pair.
type Mismatch struct {
	Field  string `json:"field"`
	Want   string `json:"want"`
	Got    string `json:"got"`
	Reason string `json:"reason,omitempty"`
}

// Candidate is a received notification close to an unmet expectation.
type Candidate struct {
	Index int        `json:"index"` // arrival index
	Diff  []Mismatch `json:"diff"`  // empty when only the order was wrong
	Note  string     `json:"note,omitempty"`
	Item  string     `json:"item"`
}

// Unmet is an expectation the block did not meet.
type Unmet struct {
	Name       string      `json:"name"`
	Want       string      `json:"want"` // the expectation, as written
	Got        int         `json:"got"`  // matches taken
	Need       int         `json:"need"`
	Reason     string      `json:"reason"`
	Candidates []Candidate `json:"candidates,omitempty"`
}

// ForbiddenHit is a notification that a forbid pattern caught.
type ForbiddenHit struct {
	Pattern string `json:"pattern,omitempty"`
	Index   int    `json:"index"`
	Item    string `json:"item"`
}

// Redelivery is a notification delivered again: identical to one that
// arrived before it, and judged as one with it.
type Redelivery struct {
	Index    int    `json:"index"`    // arrival index of this delivery
	Original int    `json:"original"` // arrival index of the first delivery
	Item     string `json:"item"`
}

// Verdict is the outcome of an await block. Its String is the readable
// failure report.
type Verdict struct {
	OK       bool `json:"ok"`
	TimedOut bool `json:"timedOut,omitempty"`
	// Decided says why the block failed before its bound, when it did: no
	// further notification could have made it pass. DecidedAt is the
	// arrival index of the notification that decided it.
	Decided   string  `json:"decided,omitempty"`
	DecidedAt int     `json:"decidedAt,omitempty"`
	Unmet     []Unmet `json:"unmet,omitempty"`
	// Open are the expectations not met when the block was decided before
	// its bound for which nothing close arrived (see nearMiss): the block
	// did not wait for them, and the target is not yet to blame. The
	// report (String) shows them after Unmet.
	Open       []Unmet        `json:"open,omitempty"`
	Forbidden  []ForbiddenHit `json:"forbidden,omitempty"`
	Unexpected []Candidate    `json:"unexpected,omitempty"` // offered, taken by no expectation
	Failing    bool           `json:"unexpectedFail,omitempty"`
	// Redelivered are the redeliveries offered to the block, each counted
	// once with its original; they fail it only with FailDuplicates
	// (Duplicates is then true).
	Redelivered []Redelivery     `json:"redelivered,omitempty"`
	Duplicates  bool             `json:"duplicatesFail,omitempty"`
	Matched     map[string][]int `json:"matched"`
}

// maxCandidates bounds the candidates shown for one unmet expectation.
const maxCandidates = 3

// Verdict judges the block as it stands. timedOut says the wait reached its
// bound.
func (j *Judge) Verdict(timedOut bool) Verdict {
	v := Verdict{TimedOut: timedOut, Matched: j.Matched(), Forbidden: j.hits, Redelivered: j.redelivered}
	if d := j.decision; d != nil {
		v.Decided, v.DecidedAt = d.reason, d.index
	}
	v.Unmet = j.lateUnmet()
	for i := range j.b.Expect {
		u, ok := j.unmet(i, timedOut)
		switch {
		case !ok:
		case j.open(i, timedOut) && !nearMiss(u):
			v.Open = append(v.Open, u)
		default:
			v.Unmet = append(v.Unmet, u)
		}
	}
	for _, off := range j.extras {
		n := j.offers[off]
		v.Unexpected = append(v.Unexpected, Candidate{Index: n.Index, Item: redacted(n.Item)})
	}
	v.Failing = j.b.FailUnexpected && len(v.Unexpected) > 0
	v.Duplicates = j.b.FailDuplicates && len(v.Redelivered) > 0
	v.OK = len(v.Unmet) == 0 && len(v.Forbidden) == 0 && !v.Failing && !v.Duplicates
	return v
}

// lateUnmet reports the successors whose optional predecessor arrived
// after them.
func (j *Judge) lateUnmet() []Unmet {
	var out []Unmet
	for _, l := range j.late {
		e := &j.b.Expect[l.succ]
		pred := j.b.Expect[l.pred].Name
		item, _ := j.Item(l.succIndex)
		out = append(out, Unmet{
			Name: e.Name, Want: e.String(), Got: len(j.matched[l.succ]), Need: j.need[l.succ],
			Reason:     fmt.Sprintf("out of order: #%d matched, but its optional predecessor %q arrived later (#%d); when present it must come first", l.succIndex, pred, l.predIndex),
			Candidates: []Candidate{{Index: l.succIndex, Item: redacted(item), Note: fmt.Sprintf("matches, but came before %q (#%d)", pred, l.predIndex)}},
		})
	}
	return out
}

// open reports whether expectation i, unmet, was left open: the block was
// decided before its bound by something else, so what i still needed may
// yet have come.
func (j *Judge) open(i int, timedOut bool) bool {
	return j.decision != nil && !timedOut && j.spent[i] == 0
}

// nearMiss reports whether a candidate of u fails at most one of its
// conditions: likely what the target sent for it, and worth showing as a
// failure even when the block did not wait for u.
func nearMiss(u Unmet) bool {
	for _, c := range u.Candidates {
		if len(c.Diff) <= 1 {
			return true
		}
	}
	return false
}

// unmet reports expectation i when the block did not meet it: why, and the
// closest candidates.
func (j *Judge) unmet(i int, timedOut bool) (Unmet, bool) {
	e := &j.b.Expect[i]
	got := len(j.matched[i])
	if got >= j.need[i] || (e.Optional && got == 0) {
		return Unmet{}, false
	}
	u := Unmet{Name: e.Name, Want: e.String(), Got: got, Need: j.need[i]}
	var until string // when the block stopped waiting for i, if it did
	if j.open(i, timedOut) {
		until = fmt.Sprintf(" before the block was decided at notification #%d", j.decision.index)
	}
	switch {
	case len(j.early[i]) > 0:
		u.Reason, u.Candidates = j.tooEarly(i)
		if until != "" {
			u.Reason += "; no later one arrived" + until
		}
	case got > 0:
		u.Reason = fmt.Sprintf("only %d of %d arrived", got, j.need[i]) + until
	case until != "" && !j.decision.unmeetable:
		u.Reason = fmt.Sprintf("not waited for: the block ended at notification #%d, which it refuses", j.decision.index)
	default:
		u.Reason = "no notification matched" + until
	}
	if len(u.Candidates) == 0 {
		u.Candidates = j.closest(e)
	}
	return u, true
}

// tooEarly explains an expectation whose matches came before what they
// must follow.
func (j *Judge) tooEarly(i int) (string, []Candidate) {
	var parts []string
	var cands []Candidate
	for _, er := range j.early[i] {
		parts = append(parts, fmt.Sprintf("#%d arrived before %q", er.index, er.pred))
		if len(cands) < maxCandidates {
			item, _ := j.Item(er.index)
			cands = append(cands, Candidate{Index: er.index, Item: redacted(item), Note: fmt.Sprintf("matches, but arrived before %q", er.pred)})
		}
	}
	reason := "out of order: a matching notification came too early (" + strings.Join(parts, ", ") + ")"
	if j.spent[i] > 0 {
		reason += fmt.Sprintf("; it counts toward count: %d, so no later match can meet it", j.need[i])
	}
	return reason, cands
}

// closest returns the offered notifications that fail the fewest
// conditions of e, with their diffs.
func (j *Judge) closest(e *Expectation) []Candidate {
	type scored struct {
		c     Candidate
		score int
	}
	var best []scored
	for _, n := range j.offers {
		mm := e.mismatch(gjson.ParseBytes(n.Item))
		score := len(mm) * 2
		for _, m := range mm {
			if m.Field == "changeType" || m.Field == "resource" {
				score++ // weigh identity over detail
			}
		}
		if len(mm) == 0 {
			// Content matches but the notification was taken by another
			// expectation, or more were needed.
			score = 0
		}
		c := Candidate{Index: n.Index, Diff: mm, Item: redacted(n.Item)}
		if len(mm) == 0 {
			c.Note = "matches, but was taken by another expectation"
		}
		best = append(best, scored{c, score})
		sort.SliceStable(best, func(a, b int) bool { return best[a].score < best[b].score })
		if len(best) > maxCandidates {
			best = best[:maxCandidates]
		}
	}
	out := make([]Candidate, len(best))
	for i, b := range best {
		out[i] = b.c
	}
	return out
}

// String renders an expectation as a fixture would.
func (e *Expectation) String() string {
	var parts []string
	if e.ChangeType != "" {
		parts = append(parts, "changeType: "+e.ChangeType)
	}
	if e.Resource != nil {
		parts = append(parts, "resource: "+e.Resource.String())
	}
	for _, c := range e.Where {
		parts = append(parts, c.Path+": "+c.M.String())
	}
	if len(e.After) > 0 {
		parts = append(parts, "after: ["+strings.Join(e.After, ", ")+"]")
	}
	if e.Count > 1 {
		parts = append(parts, fmt.Sprintf("count: %d", e.Count))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// String is the readable report of a verdict.
func (v Verdict) String() string {
	if v.OK {
		return "ok"
	}
	var b strings.Builder
	if v.TimedOut {
		b.WriteString("the wait reached its bound\n")
	}
	if v.Decided != "" {
		fmt.Fprintf(&b, "decided: failed at notification #%d, before the bound: %s\n", v.DecidedAt, excerpt.Printable(v.Decided))
	}
	for _, u := range slices.Concat(v.Unmet, v.Open) {
		fmt.Fprintf(&b, "expectation %q not met: %s\n  want %s\n", u.Name, excerpt.Printable(u.Reason), excerpt.Printable(u.Want))
		for _, c := range u.Candidates {
			if c.Note != "" {
				fmt.Fprintf(&b, "  closest: notification #%d (%s)\n", c.Index, c.Note)
			} else {
				fmt.Fprintf(&b, "  closest: notification #%d (-want +got)\n", c.Index)
			}
			for _, m := range c.Diff {
				fmt.Fprintf(&b, "    - %s: %s\n    + %s: %s\n", m.Field, m.Want, m.Field, m.Got)
			}
		}
		if len(u.Candidates) == 0 {
			b.WriteString("  no notification was received in this block\n")
		}
	}
	for _, h := range v.Forbidden {
		fmt.Fprintf(&b, "forbidden notification #%d arrived (pattern %q): %s\n", h.Index, h.Pattern, itemLine(h.Item))
	}
	if v.Failing {
		for _, c := range v.Unexpected {
			fmt.Fprintf(&b, "unexpected notification #%d: %s\n", c.Index, itemLine(c.Item))
		}
	}
	for _, r := range v.Redelivered {
		if v.Duplicates {
			fmt.Fprintf(&b, "duplicate: notification #%d is a redelivery of #%d (the block fails on duplicates): %s\n", r.Index, r.Original, itemLine(r.Item))
		} else {
			fmt.Fprintf(&b, "notification #%d is a redelivery of #%d, counted once with it\n", r.Index, r.Original)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// maxItemLine bounds a notification item shown on one line of a report.
const maxItemLine = 300

// itemLine shows a received item on one line: clipped on a UTF-8 boundary,
// with line breaks as spaces and control characters escaped.
func itemLine(s string) string { return excerpt.Line(s, maxItemLine) }
