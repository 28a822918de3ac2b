package judge

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tidwall/gjson"
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

// Verdict is the outcome of an await block. Its String is the readable
// failure report.
type Verdict struct {
	OK         bool             `json:"ok"`
	TimedOut   bool             `json:"timedOut,omitempty"`
	Unmet      []Unmet          `json:"unmet,omitempty"`
	Forbidden  []ForbiddenHit   `json:"forbidden,omitempty"`
	Unexpected []Candidate      `json:"unexpected,omitempty"` // offered, taken by no expectation
	Failing    bool             `json:"unexpectedFail,omitempty"`
	Matched    map[string][]int `json:"matched"`
}

// maxCandidates bounds the candidates shown for one unmet expectation.
const maxCandidates = 3

// Verdict judges the block as it stands. timedOut says the wait reached its
// bound.
func (j *Judge) Verdict(timedOut bool) Verdict {
	v := Verdict{TimedOut: timedOut, Matched: j.Matched(), Forbidden: j.hits}
	endedEarly := !timedOut && (len(j.hits) > 0 || len(j.late) > 0 || (j.b.FailUnexpected && len(j.extras) > 0))
	for _, l := range j.late {
		e := &j.b.Expect[l.succ]
		pred := j.b.Expect[l.pred].Name
		item, _ := j.Item(l.succIndex)
		v.Unmet = append(v.Unmet, Unmet{
			Name: e.Name, Want: e.String(), Got: len(j.matched[l.succ]), Need: j.need[l.succ],
			Reason:     fmt.Sprintf("out of order: #%d matched, but its optional predecessor %q arrived later (#%d); when present it must come first", l.succIndex, pred, l.predIndex),
			Candidates: []Candidate{{Index: l.succIndex, Item: redacted(item), Note: fmt.Sprintf("matches, but came before %q (#%d)", pred, l.predIndex)}},
		})
	}
	for i := range j.b.Expect {
		e := &j.b.Expect[i]
		got := len(j.matched[i])
		if got >= j.need[i] || (e.Optional && got == 0) {
			continue
		}
		u := Unmet{Name: e.Name, Want: e.String(), Got: got, Need: j.need[i]}
		switch {
		case len(j.early[i]) > 0:
			var parts []string
			for _, er := range j.early[i] {
				parts = append(parts, fmt.Sprintf("#%d arrived before %q", er.index, er.pred))
			}
			u.Reason = "out of order: a matching notification came too early (" + strings.Join(parts, ", ") + ")"
			for _, er := range j.early[i] {
				if len(u.Candidates) == maxCandidates {
					break
				}
				item, _ := j.Item(er.index)
				u.Candidates = append(u.Candidates, Candidate{Index: er.index, Item: redacted(item), Note: fmt.Sprintf("matches, but arrived before %q", er.pred)})
			}
		case got > 0:
			u.Reason = fmt.Sprintf("only %d of %d arrived", got, j.need[i])
		case endedEarly:
			u.Reason = "not waited for: the block ended at the first forbidden or unexpected notification"
		default:
			u.Reason = "no notification matched"
		}
		if len(u.Candidates) == 0 {
			u.Candidates = j.closest(e)
		}
		v.Unmet = append(v.Unmet, u)
	}
	for _, off := range j.extras {
		n := j.offers[off]
		v.Unexpected = append(v.Unexpected, Candidate{Index: n.Index, Item: redacted(n.Item)})
	}
	v.Failing = j.b.FailUnexpected && len(v.Unexpected) > 0
	v.OK = len(v.Unmet) == 0 && len(v.Forbidden) == 0 && !v.Failing
	return v
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
	for _, u := range v.Unmet {
		fmt.Fprintf(&b, "expectation %q not met: %s\n  want %s\n", u.Name, u.Reason, u.Want)
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
		fmt.Fprintf(&b, "forbidden notification #%d arrived (pattern %q): %s\n", h.Index, h.Pattern, clip(h.Item))
	}
	if v.Failing {
		for _, c := range v.Unexpected {
			fmt.Fprintf(&b, "unexpected notification #%d: %s\n", c.Index, clip(c.Item))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
