package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/excerpt"
)

// Geometry of a sequence diagram.
const (
	svgWidth    = 900
	svgHeadY    = 12 // top of the lane boxes
	svgFirstRow = 72 // y of the first row's arrow
	svgRow      = 30 // height of a row
	svgMarkRow  = 14 // height of each red line under a marked arrow
	maxMarks    = 5  // red lines shown under one arrow
	arrowLabel  = 60 // runes of an arrow's label
	noteLabel   = 110
)

// The lanes, left to right.
const (
	laneHarness = iota
	laneTarget
	laneReceiver
)

var laneNames = [3]string{"harness", "target", "callback receiver"}
var laneX = [3]int{170, 470, 770}

// Colors of the diagram, as attributes so that the SVG reads on its own.
const (
	colorInk    = "#263238"
	colorAnswer = "#546e7a"
	colorNotify = "#1565c0"
	colorFail   = "#c62828"
	colorNote   = "#78909c" // notes, and redeliveries (muted)
)

// row is one event of the diagram.
type row struct {
	seq      int
	at       string
	from, to int // lanes; from < 0 for a note or a failure
	label    string
	title    string // the full text, shown on hover
	color    string
	dashed   bool
	failure  bool
	marks    []string // red lines: the diff of a failed expectation
}

// diagram returns the sequence diagram of one scenario as an SVG document:
// lanes for the harness, the target and the callback receiver; an arrow per
// request, answer and notification in arrival order, with times relative
// to the first event; notifications that failed an expectation in red with
// their diff; a redelivery muted and dashed, "redelivery of #k". Each row links to #<id>-e<seq>. The output depends only on
// res (times are rendered relative), so that it can be compared with a
// golden file.
func diagram(res *harness.Result, id string) string {
	rows := diagramRows(res)
	height := svgFirstRow + 16
	for _, r := range rows {
		height += rowHeight(r)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="seq" width="%d" height="%d" viewBox="0 0 %d %d" font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" font-size="11" role="img" aria-label="%s">`+"\n",
		svgWidth, height, svgWidth, height, esc("sequence diagram of "+res.ID))
	b.WriteString("<defs>\n")
	for _, m := range []struct{ name, color string }{{"ink", colorInk}, {"answer", colorAnswer}, {"notify", colorNotify}, {"fail", colorFail}, {"muted", colorNote}} {
		fmt.Fprintf(&b, `<marker id="%s-%s" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="%s"/></marker>`+"\n", id, m.name, m.color)
	}
	b.WriteString("</defs>\n")
	for i, name := range laneNames {
		x := laneX[i]
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="150" height="26" rx="4" fill="#eceff1" stroke="%s"/>`+"\n", x-75, svgHeadY, colorAnswer)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-weight="bold" fill="%s">%s</text>`+"\n", x, svgHeadY+17, colorInk, esc(name))
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#b0bec5" stroke-dasharray="4 4"/>`+"\n", x, svgHeadY+26, x, height-8)
	}
	y := svgFirstRow
	for _, r := range rows {
		writeRow(&b, r, id, y)
		y += rowHeight(r)
	}
	if len(rows) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="%s">nothing was sent or received</text>`+"\n", svgWidth/2, svgFirstRow, colorNote)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func rowHeight(r row) int {
	return svgRow + len(r.marks)*svgMarkRow
}

func writeRow(b *strings.Builder, r row, id string, y int) {
	fmt.Fprintf(b, `<a href="#%s-e%d"><g>`, id, r.seq)
	fmt.Fprintf(b, `<title>%s</title>`, esc(r.title))
	fmt.Fprintf(b, `<text x="8" y="%d" fill="%s">%s</text>`, y+4, colorNote, esc(r.at))
	switch {
	case r.failure:
		fmt.Fprintf(b, `<rect x="96" y="%d" width="%d" height="20" rx="3" fill="#fdecea" stroke="%s"/>`, y-12, svgWidth-104, colorFail)
		fmt.Fprintf(b, `<text x="104" y="%d" fill="%s" font-weight="bold">%s</text>`, y+2, colorFail, esc(excerpt.ClipRunes(r.label, noteLabel)))
	case r.from < 0:
		fmt.Fprintf(b, `<text x="%d" y="%d" fill="%s" font-style="italic">%s</text>`, laneX[laneHarness]-70, y+4, r.color, esc(excerpt.ClipRunes(r.label, noteLabel)))
	default:
		x1, x2 := laneX[r.from], laneX[r.to]
		marker := map[string]string{colorInk: "ink", colorAnswer: "answer", colorNotify: "notify", colorFail: "fail", colorNote: "muted"}[r.color]
		dash := ""
		if r.dashed {
			dash = ` stroke-dasharray="6 3"`
		}
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.5"%s marker-end="url(#%s-%s)"/>`, x1, y, x2, y, r.color, dash, id, marker)
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" fill="%s">%s</text>`, (x1+x2)/2, y-5, r.color, esc(excerpt.ClipRunes(r.label, arrowLabel)))
		for k, m := range r.marks {
			fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" fill="%s">%s</text>`, (x1+x2)/2, y+13+k*svgMarkRow, colorFail, esc(excerpt.ClipRunes(m, 2*arrowLabel)))
		}
	}
	b.WriteString("</g></a>\n")
}

// diagramRows turns a timeline into rows.
func diagramRows(res *harness.Result) []row {
	marks := failedNotifications(res)
	t0 := start(res)
	var rows []row
	arrival := 0
	for _, e := range res.Timeline {
		r := row{seq: e.Seq, at: relTime(e.At.Sub(t0)), from: -1, to: -1, color: colorInk}
		switch e.Kind {
		case timeline.Request:
			r.from, r.to = laneHarness, laneTarget
			r.label = e.Method + " " + shortIDs(pathOf(e.URL))
			r.title = e.Method + " " + e.URL
		case timeline.Trigger:
			r.from, r.to = laneHarness, laneTarget
			r.label = "trigger " + firstLine(e.Text)
			r.title = r.label
		case timeline.Response:
			r.from, r.to, r.color, r.dashed = laneTarget, laneHarness, colorAnswer, true
			r.label = fmt.Sprintf("%d %s · %s", e.Status, http.StatusText(e.Status), e.Elapsed.Round(100*time.Microsecond))
			r.title = r.label
		case timeline.Notify:
			r = notifyRow(r, e, arrival, marks[arrival])
		case timeline.Refusal:
			r.from, r.to, r.color = laneReceiver, laneTarget, colorFail
			r.label = fmt.Sprintf("refused %d: %s", e.Status, firstLine(e.Text))
			r.title = r.label
		case timeline.Retry:
			r.color = colorNote
			r.label = "↻ " + firstLine(e.Text)
			r.title = e.Text
		case kindOmitted:
			r.color = colorNote
			r.label = "… " + firstLine(e.Text)
			r.title = e.Text
		case timeline.Failure:
			r.failure, r.color = true, colorFail
			r.label = fmt.Sprintf("✗ step %d failed: %s", e.Step, summaryLine(e.Text))
			r.title = e.Text
		default:
			r.color = colorNote
			r.label = "· " + firstLine(e.Text)
			r.title = e.Text
		}
		if len(r.marks) > maxMarks {
			r.marks = append(r.marks[:maxMarks:maxMarks], fmt.Sprintf("… and %d more", len(r.marks)-maxMarks))
		}
		arrival += arrivals(e)
		rows = append(rows, r)
	}
	return rows
}

// notifyRow draws notification #arrival as an arrow to the receiver: a
// redelivery muted and dashed, labelled "redelivery of #k"; one that the
// failure points at (marks) in red, with its red lines.
func notifyRow(r row, e timeline.Event, arrival int, marks []string) row {
	r.from, r.to, r.color = laneTarget, laneReceiver, colorNotify
	r.label = notificationLabel(e.Body)
	what := fmt.Sprintf("notification #%d at %s", arrival, e.URL)
	if e.RedeliveryOf != nil {
		again := fmt.Sprintf("redelivery of #%d", *e.RedeliveryOf)
		r.color, r.dashed = colorNote, true
		r.label = again + " · " + r.label
		what += " (" + again + ", counted once with it)"
	}
	r.title = what + ": " + excerpt.Clip(compactJSON(e.Body), 400)
	if len(marks) > 0 {
		r.color, r.marks = colorFail, marks
		r.label = "✗ " + r.label
	}
	return r
}

// failedNotifications maps the arrival index of each notification that
// the failure points at (the closest to an unmet expectation, a forbidden,
// unexpected or duplicate one, the one that decided the block) to the red
// lines shown under it. Open expectations are not held against the target:
// their candidates are not marked.
func failedNotifications(res *harness.Result) map[int][]string {
	out := map[int][]string{}
	if res.Failure == nil || res.Failure.Verdict == nil {
		return out
	}
	v := res.Failure.Verdict
	for _, u := range v.Unmet {
		if len(u.Candidates) == 0 {
			continue
		}
		c := u.Candidates[0] // the closest; the others are in the page
		lines := []string{fmt.Sprintf("closest to %q (-want +got)", u.Name)}
		if c.Note != "" {
			lines[0] = fmt.Sprintf("%q: %s", u.Name, c.Note)
		}
		for _, m := range c.Diff {
			lines = append(lines, "- "+m.Field+": "+shortIDs(m.Want), "+ "+m.Field+": "+shortIDs(m.Got))
		}
		out[c.Index] = append(out[c.Index], lines...)
	}
	for _, h := range v.Forbidden {
		out[h.Index] = append(out[h.Index], fmt.Sprintf("forbidden (%s)", h.Pattern))
	}
	if v.Failing {
		for _, c := range v.Unexpected {
			out[c.Index] = append(out[c.Index], "unexpected")
		}
	}
	if v.Duplicates {
		for _, r := range v.Redelivered {
			out[r.Index] = append(out[r.Index], fmt.Sprintf("duplicate of #%d: the block fails on duplicates", r.Original))
		}
	}
	if v.Decided != "" {
		// First, so that the red lines under the arrow never cut it.
		out[v.DecidedAt] = append([]string{"the block was decided here"}, out[v.DecidedAt]...)
	}
	return out
}

// notificationLabel summarizes an item: change type, resource, and the
// state or status it announces.
func notificationLabel(item []byte) string {
	it := gjson.ParseBytes(item)
	res := it.Get("resource").String()
	if res == "" {
		res = it.Get("resourceUrl").String()
	}
	label := strings.TrimSpace(it.Get("changeType").String() + " " + shortIDs(res))
	for _, k := range []string{"state", "status"} {
		if v := it.Get("resourceData." + k); v.Type == gjson.String {
			label += " · " + k + "=" + v.Str
		}
	}
	if label == "" {
		return "notification"
	}
	return label
}

// pathOf returns the path and query of a URL, or the URL itself.
func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.RequestURI()
}

var guidRE = regexp.MustCompile(`[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}`)

// shortIDs writes each GUID as its first 8 digits and "…", so that a path
// fits on an arrow.
func shortIDs(s string) string {
	return guidRE.ReplaceAllStringFunc(s, func(id string) string { return id[:8] + "…" })
}

// esc escapes text for XML and HTML.
func esc(s string) string { return html.EscapeString(redact(s)) }

// compactJSON returns a JSON body on one line, as it arrived or as a
// report read back from report.json (indented) holds it.
func compactJSON(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}
