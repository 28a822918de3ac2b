package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/excerpt"
)

// Limits on what the reports keep of one scenario, so that a run against a
// target that floods the callback cannot write a huge file. What a limit
// leaves out is said where it was: a note in the timeline ("99,502 events
// left out"), or "… (N bytes left out)" at the end of a text.
const (
	// MaxEvents is how many timeline events of a scenario the reports
	// keep, counting the notes on what was left out: the first and the
	// last events, with a note in between saying how many are not shown.
	MaxEvents = 500
	// MaxBody bounds a body or a message, in bytes. A longer JSON body is
	// kept as clipped text, as is one whose indented form would be more
	// than twice as long.
	MaxBody = 8 << 10
	// MaxItems bounds each list of a scenario that a flood can grow: the
	// notifications no block took, and a verdict's unmet and open
	// expectations, candidates, diffs, forbidden, unexpected and
	// redelivered notifications and matched indices.
	MaxItems = 100
	// MaxShare bounds the texts of one scenario (bodies, headers, URLs,
	// messages, items) once escaped for HTML or JSON at worst. When it is
	// spent, each further text is clipped to 200 bytes, and a note says
	// how many were.
	MaxShare = 4 << 20
	// MaxScenarioBytes is the most one scenario takes in any report file:
	// MaxShare, plus the diagram row and markup of each of MaxEvents
	// events with clipped texts. TestReportSizeIsBounded writes a flood of
	// 100,000 of the largest events the limits let through and checks it.
	MaxScenarioBytes = 16 << 20
)

// Smaller bounds.
const (
	maxLine    = 2000        // a URL, a diff's side, a capture
	maxMessage = 8 * MaxBody // a failure's message (a whole verdict)
	maxHeader  = 2 << 10     // an event's headers, names and values
	tightText  = 200         // a text once MaxShare is spent
)

// kindOmitted is the kind of the note a report puts in a timeline where it
// left events out; its Body counts them: {"leftOut":N,"notifications":M}.
const kindOmitted timeline.Kind = "omitted"

// fitter fits the texts of one scenario to the limits and to its share,
// and notes what it left out.
type fitter struct {
	share    int // what is left of MaxShare
	squeezed int // texts clipped to tightText once the share was spent
	notes    leftOut
}

func newFitter() *fitter { return &fitter{share: MaxShare} }

// take spends cost of the share, and reports whether it was there.
func (f *fitter) take(cost int) bool {
	if cost > f.share {
		return false
	}
	f.share -= cost
	return true
}

// text returns s clipped to n bytes, or to tightText when the share left
// cannot hold it.
func (f *fitter) text(s string, n int) string {
	s = clipText(s, n)
	if len(s) <= tightText || f.take(escapedCost(s)) {
		return s
	}
	f.squeezed++
	return clipText(s, tightText)
}

// body keeps a redacted body as JSON, compacted (the reports indent it
// again), when it is small enough, once indented, and the share can hold
// it; otherwise it returns it as text.
func (f *fitter) body(b []byte) (json.RawMessage, string) {
	if !json.Valid(b) {
		return nil, f.text(string(bytes.TrimSpace(b)), MaxBody)
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, b) // valid
	c := compact.Bytes()
	// report.json nests an event's body 5 levels deep.
	if len(c) <= MaxBody && indentedSize(c, 5) <= 2*MaxBody && f.take(bodyCost(c)) {
		return json.RawMessage(c), ""
	}
	return nil, f.text(compact.String(), MaxBody)
}

// header returns h with each value clipped, up to maxHeader bytes in all
// and within the share; a "…" header says how many values it left out.
func (f *fitter) header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	size, dropped := 0, 0
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			v = clipText(v, maxLine)
			if size+len(k)+len(v) > maxHeader || !f.take(escapedCost(k)+escapedCost(v)) {
				dropped++
				continue
			}
			size += len(k) + len(v)
			out[k] = append(out[k], v)
		}
	}
	if dropped > 0 {
		out["…"] = []string{excerpt.Grouped(dropped) + " more header values left out"}
	}
	return out
}

// leftOut returns the notes on what the fitter left out.
func (f *fitter) leftOut() leftOut {
	l := f.notes
	if f.squeezed > 0 {
		l = append(l, fmt.Sprintf("all but %d bytes of %s texts, once the scenario's share of the report was spent", tightText, excerpt.Grouped(f.squeezed)))
	}
	return l
}

// escapedCost is the most s can take once escaped, in HTML (&#34;) or in
// JSON (\u003c): six bytes for each character either escapes.
func escapedCost(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c == 0x7f, c == '"', c == '\'', c == '<', c == '>', c == '&', c == '+', c == '\\':
			n += 5
		}
	}
	return n
}

// bodyCost is the most a compact JSON body takes once indented and escaped.
func bodyCost(compact []byte) int {
	return indentedSize(compact, 5) - len(compact) + escapedCost(string(compact))
}

// leftOut collects what the limits left out of one scenario.
type leftOut []string

func (l *leftOut) add(n, of int, what string) {
	if n > 0 {
		*l = append(*l, fmt.Sprintf("%s of %s %s", excerpt.Grouped(n), excerpt.Grouped(of), what))
	}
}

// capped returns at most MaxItems of items, and counts the rest in l.
func capped[T any](items []T, what string, l *leftOut) []T {
	if len(items) <= MaxItems {
		return items
	}
	l.add(len(items)-MaxItems, len(items), what)
	return items[:MaxItems]
}

// clipText returns s if it is at most n bytes, else its first n bytes and
// how many it left out.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	kept := excerpt.Clip(s, n)
	return kept + " (" + excerpt.Grouped(len(s)-len(kept)+len(excerpt.Ellipsis)) + " bytes left out)"
}

// trimTimeline keeps the first and the last events of tl when there are
// more than MaxEvents, with a note in between, leaving room for one more
// note after them.
func trimTimeline(tl []timeline.Event) []timeline.Event {
	if len(tl) <= MaxEvents {
		return tl
	}
	head := (MaxEvents - 2) / 2
	tail := MaxEvents - 2 - head
	gone := tl[head : len(tl)-tail]
	notes := 0
	for _, e := range gone {
		notes += arrivals(e)
	}
	first := gone[0]
	body, _ := json.Marshal(map[string]int{"leftOut": len(gone), "notifications": notes})
	mark := timeline.Event{Seq: first.Seq, At: first.At, Kind: kindOmitted, Step: first.Step, Body: body,
		Text: fmt.Sprintf("%s events left out (%s notifications): the report keeps the first %d and the last %d",
			excerpt.Grouped(len(gone)), excerpt.Grouped(notes), head, tail)}
	out := make([]timeline.Event, 0, MaxEvents)
	out = append(out, tl[:head]...)
	out = append(out, mark)
	return append(out, tl[len(tl)-tail:]...)
}

// arrivals is how many notifications an event stands for: one for a
// notification, the count of a note on events left out, else none.
func arrivals(e timeline.Event) int {
	switch e.Kind {
	case timeline.Notify:
		return 1
	case kindOmitted:
		return int(gjson.GetBytes(e.Body, "notifications").Int())
	}
	return 0
}

// noteLeftOut appends to tl a note saying what else the limits left out.
func noteLeftOut(tl []timeline.Event, l leftOut, res *harness.Result) []timeline.Event {
	if len(l) == 0 {
		return tl
	}
	e := timeline.Event{At: res.Start, Kind: kindOmitted, Step: -1, Text: "the report leaves out " + strings.Join(l, "; ")}
	if n := len(tl); n > 0 {
		e.Seq, e.At, e.Step = tl[n-1].Seq+1, tl[n-1].At, tl[n-1].Step
	}
	return append(tl, e)
}

// indentedSize is the size of compact JSON once indented by two spaces a
// level, starting depth levels deep, as json.Indent would write it.
func indentedSize(compact []byte, depth int) int {
	n := 0
	inString, escaped := false, false
	for i, c := range compact {
		n++
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if i+1 < len(compact) && (compact[i+1] == '}' || compact[i+1] == ']') {
				continue // empty: written as is
			}
			depth++
			n += 1 + 2*depth
		case '}', ']':
			if i > 0 && (compact[i-1] == '{' || compact[i-1] == '[') {
				continue
			}
			depth--
			n += 1 + 2*max(depth, 0)
		case ',':
			n += 1 + 2*depth
		case ':':
			n++ // ": "
		}
	}
	return n
}
