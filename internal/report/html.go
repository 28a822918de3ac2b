package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/judge"
	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/excerpt"
)

// HTML writes r as one self-contained page: no external asset and no
// network (its Content-Security-Policy forbids both), inline CSS and a
// four-line script that opens the <details> a link points at. For each
// scenario: its outcome; the failure: where the block was decided, the
// failed expectations with their -want +got diff, the ones it did not wait
// for, and the redeliveries; a sequence diagram (inline SVG); and every
// request, answer and notification one click away with its headers and
// body, a redelivery marked as one. Everything is
// redacted, HTML-escaped and within the limits of a scenario
// (MaxScenarioBytes).
func HTML(w io.Writer, r Run) error {
	r = clean(r)
	p, f, s := harness.Count(r.Results)
	page := pageView{Target: r.Target, Profile: r.Profile, Passed: p, Failed: f, Skipped: s, Total: len(r.Results)}
	if !r.Started.IsZero() {
		page.Started = r.Started.UTC().Format(time.RFC3339)
	}
	if r.Duration > 0 {
		page.Duration = r.Duration.Round(time.Millisecond).String()
	}
	anchors := map[string]string{}
	for i, res := range r.Results {
		page.Scenarios = append(page.Scenarios, scenarioPage(res, fmt.Sprintf("s%d", i+1)))
		anchors[res.ID] = fmt.Sprintf("s%d", i+1)
	}
	page.Coverage = coveragePage(r.Coverage, anchors)
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, page); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

type pageView struct {
	Target, Profile, Started, Duration string
	Passed, Failed, Skipped, Total     int
	Scenarios                          []scenarioView
	Coverage                           *coverageView // nil = no Coverage section
}

type scenarioView struct {
	Anchor, ID, Title, File, Source, Status, Duration, Reason string
	Labels                                                    []string
	Failure                                                   *failureView
	Steps                                                     []stepView
	SVG                                                       template.HTML
	Events                                                    []eventView
	Captures                                                  [][2]string
}

type failureView struct {
	Where, Message string
	Decided        *decidedView // nil unless the block was decided before its bound
	Unmet          []unmetView
	Open           []unmetView // not waited for
	Redelivered    []redeliveryView
	Other          []string
	// Detailed is true when the verdict is shown piece by piece above, so
	// that the whole message can stay one click away.
	Detailed bool
}

// ref names a notification by its arrival index, linked to its event when
// the timeline holds it (Link is then its anchor).
type ref struct {
	Index int
	Link  string
}

// decidedView says where and why a block failed before its bound.
type decidedView struct {
	At     ref
	Reason string
}

// redeliveryView is a notification delivered again: This repeats Orig.
// Duplicate says the block fails on it.
type redeliveryView struct {
	This, Orig ref
	Duplicate  bool
	Item       string
}

type unmetView struct {
	Name, Want, Reason string
	Candidates         []candidateView
}

type candidateView struct {
	Index      int
	Link, Note string
	Diff       []judge.Mismatch
	Item       string
}

type stepView struct {
	Index                                   int
	Kind, Name, From, Status, Duration, Msg string
	Line                                    int
}

type eventView struct {
	Anchor, At, Line, Kind, Header, Body string
	Step                                 int
	Marked                               bool
	Redelivery                           *ref // the first delivery, for a redelivery
}

func scenarioPage(res *harness.Result, anchor string) scenarioView {
	v := scenarioView{Anchor: anchor, ID: res.ID, Title: res.Title, File: res.File, Source: res.Source,
		Status: string(res.Status), Duration: res.Duration.Round(100 * time.Microsecond).String(), Labels: res.Labels}
	if res.Status == harness.Skipped {
		v.Reason = res.Reason
	}
	refOf := notificationRefs(res, anchor)
	if res.Failure != nil {
		v.Failure = failurePage(res.Failure, refOf)
	} else if res.Status == harness.Failed {
		v.Failure = &failureView{Where: "the scenario", Message: res.Reason}
	}
	for _, s := range res.Steps {
		v.Steps = append(v.Steps, stepView{Index: s.Index, Kind: s.Kind, Name: s.Name, From: s.From, Line: s.Line,
			Status: string(s.Status), Duration: s.Duration.Round(100 * time.Microsecond).String(), Msg: s.Message})
	}
	if len(res.Timeline) > 0 {
		v.SVG = template.HTML(diagram(res, anchor)) // built from escaped text only
	}
	v.Events = eventViews(res, anchor, refOf)
	for _, k := range slices.Sorted(maps.Keys(res.Captures)) {
		v.Captures = append(v.Captures, [2]string{k, res.Captures[k]})
	}
	return v
}

// notificationRefs returns, for the arrival index of a notification, a
// reference to it that links to its event when the timeline holds it.
func notificationRefs(res *harness.Result, anchor string) func(int) ref {
	seqOf := map[int]int{}
	arrival := 0
	for _, e := range res.Timeline {
		if e.Kind == timeline.Notify {
			seqOf[arrival] = e.Seq
		}
		arrival += arrivals(e)
	}
	return func(idx int) ref {
		r := ref{Index: idx}
		if seq, ok := seqOf[idx]; ok {
			r.Link = fmt.Sprintf("%s-e%d", anchor, seq)
		}
		return r
	}
}

// failurePage shows a failure: where; where the block was decided, if it
// was before its bound; the unmet expectations with their closest
// notifications (linked to their event) and diffs; the expectations it did
// not wait for; what else the verdict holds against the target; and the
// redeliveries, which are the failure when the block fails on duplicates.
func failurePage(f *harness.Failure, refOf func(int) ref) *failureView {
	fv := &failureView{Where: fmt.Sprintf("step %d (%s) at %s:%d", f.Step, f.Kind, f.File, f.Line), Message: f.Message}
	vd := f.Verdict
	if vd == nil {
		return fv
	}
	if vd.TimedOut {
		fv.Other = append(fv.Other, "the wait reached its bound")
	}
	if vd.Decided != "" {
		fv.Decided = &decidedView{At: refOf(vd.DecidedAt), Reason: vd.Decided}
	}
	fv.Unmet = unmetViews(vd.Unmet, refOf)
	fv.Open = unmetViews(vd.Open, refOf)
	for _, h := range vd.Forbidden {
		fv.Other = append(fv.Other, fmt.Sprintf("forbidden notification #%d arrived (pattern %q): %s", h.Index, h.Pattern, excerpt.Clip(h.Item, 300)))
	}
	if vd.Failing {
		for _, c := range vd.Unexpected {
			fv.Other = append(fv.Other, fmt.Sprintf("unexpected notification #%d: %s", c.Index, excerpt.Clip(c.Item, 300)))
		}
	}
	for _, r := range vd.Redelivered {
		fv.Redelivered = append(fv.Redelivered, redeliveryView{This: refOf(r.Index), Orig: refOf(r.Original),
			Duplicate: vd.Duplicates, Item: excerpt.Clip(r.Item, 300)})
	}
	fv.Detailed = fv.Decided != nil || len(fv.Unmet)+len(fv.Open)+len(fv.Redelivered) > 0
	return fv
}

// unmetViews shows expectations with their closest notifications and
// diffs.
func unmetViews(us []judge.Unmet, refOf func(int) ref) []unmetView {
	var out []unmetView
	for _, u := range us {
		uv := unmetView{Name: u.Name, Want: u.Want, Reason: u.Reason}
		for _, c := range u.Candidates {
			uv.Candidates = append(uv.Candidates, candidateView{Index: c.Index, Link: refOf(c.Index).Link, Note: c.Note,
				Diff: c.Diff, Item: excerpt.Clip(c.Item, 2000)})
		}
		out = append(out, uv)
	}
	return out
}

// eventViews lists a timeline's events: the notifications a failure points
// at marked, each notification numbered by its arrival, a redelivery with
// a reference to its first delivery.
func eventViews(res *harness.Result, anchor string, refOf func(int) ref) []eventView {
	var out []eventView
	marked := failedNotifications(res)
	t0 := start(res)
	arrival := 0
	for _, e := range res.Timeline {
		ev := eventView{Anchor: fmt.Sprintf("%s-e%d", anchor, e.Seq), At: relTime(e.At.Sub(t0)), Step: e.Step,
			Kind: string(e.Kind), Line: eventLine(e), Header: headerText(e), Body: prettyBody(e)}
		if e.Kind == timeline.Notify {
			_, ev.Marked = marked[arrival]
			ev.Line = fmt.Sprintf("⇐ #%d %s", arrival, notificationLabel(e.Body))
			if e.RedeliveryOf != nil {
				orig := refOf(*e.RedeliveryOf)
				ev.Redelivery = &orig
			}
		}
		arrival += arrivals(e)
		out = append(out, ev)
	}
	return out
}

// headerText lists an event's headers, one a line, sorted.
func headerText(e timeline.Event) string {
	if len(e.Header) == 0 {
		return ""
	}
	h := timeline.RedactHeader(e.Header)
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, redact(v))
		}
	}
	return b.String()
}

// prettyBody returns an event's body indented, or its text.
func prettyBody(e timeline.Event) string {
	if len(e.Body) > 0 {
		var b bytes.Buffer
		if json.Indent(&b, e.Body, "", "  ") == nil {
			return redact(b.String())
		}
		return redact(string(e.Body))
	}
	return redact(e.Text)
}

var pageTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>callconform report: {{.Passed}} passed, {{.Failed}} failed, {{.Skipped}} skipped</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1000px;padding:1em 1.5em;color:#263238}
h1{margin:.2em 0}h2{margin:1.6em 0 .3em;font-size:1.2em}h3{font-size:1em;margin:1.2em 0 .3em}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
pre{background:#f5f7f8;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all;margin:.3em 0}
.passed{color:#2e7d32}.failed{color:#c62828}.skipped{color:#78909c}
.badge{display:inline-block;border-radius:3px;padding:0 .4em;font-size:.8em;text-transform:uppercase;color:#fff;background:#78909c}
.badge.passed{background:#2e7d32}.badge.failed{background:#c62828}
section.scenario{border-top:1px solid #cfd8dc;margin-top:1.5em}
.meta{color:#546e7a;margin:.2em 0}
.failure{border-left:4px solid #c62828;background:#fdecea;padding:.4em .9em;margin:.6em 0}
.failure .unmet{margin:.5em 0}
table{border-collapse:collapse;margin:.3em 0}td,th{border:1px solid #cfd8dc;padding:.15em .5em;text-align:left;vertical-align:top}
table.diff td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
td.want{color:#c62828;background:#ffebee}td.got{color:#2e7d32;background:#e8f5e9}
figure.diagram{margin:.6em 0;overflow-x:auto}
details.event{margin:.1em 0}details.event summary{cursor:pointer;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
details.event.redelivery summary{color:#78909c;font-style:italic}
details.event.marked summary{color:#c62828;font-weight:bold}
.failure .decided{font-weight:bold}
.failure .not-waited,.failure li.redelivery{color:#546e7a}
.failure li.duplicate{color:#c62828}
h4{font-size:.95em;margin:.8em 0 .2em}
details:target{outline:2px solid #1565c0}
tr.uncovered td:first-child,ul.uncovered{color:#c62828}tr.covered td:first-child{color:#2e7d32}
</style>
</head>
<body>
<header>
<h1>callconform report</h1>
<p><span class="passed">{{.Passed}} passed</span> · <span class="failed">{{.Failed}} failed</span> · <span class="skipped">{{.Skipped}} skipped</span> · {{.Total}} scenario(s)</p>
<p class="meta">{{if .Target}}target {{.Target}}{{end}}{{if .Profile}} · profile {{.Profile}}{{end}}{{if .Started}} · started {{.Started}}{{end}}{{if .Duration}} · took {{.Duration}}{{end}}</p>
</header>
<nav><ol>
{{range .Scenarios}}<li><a href="#{{.Anchor}}">{{.ID}}</a> <span class="{{.Status}}">{{.Status}}</span> — {{.Title}}</li>
{{end}}</ol></nav>
{{with .Coverage}}<section class="coverage" id="coverage">
<h2>Coverage</h2>
<p class="summary">{{.Summary}}</p>
<details><summary>operations and notification kinds, and what checks each</summary>
<table class="coverage operations"><tr><th></th><th>operation</th><th>fixtures</th><th>specs</th></tr>
{{range .Operations}}{{template "coverRow" .}}{{end}}</table>
<table class="coverage notifications"><tr><th></th><th>notification kind</th><th>fixtures</th><th>specs</th></tr>
{{range .Kinds}}{{template "coverRow" .}}{{end}}</table>
</details>
{{if .UncoveredOps}}<h3>Operations nothing checks</h3>
<ul class="uncovered operations">{{range .UncoveredOps}}<li><code>{{.}}</code></li>{{end}}</ul>{{end}}
{{if .Uncovered}}<h3>Notification kinds nothing checks</h3>
<ul class="uncovered notifications">{{range .Uncovered}}<li><code>{{.}}</code></li>{{end}}</ul>{{end}}
{{if .Unknown}}<h3>Steps that fit nothing in the catalogue</h3>
<ul class="unknown">{{range .Unknown}}<li><code>{{.}}</code></li>{{end}}</ul>{{end}}
</section>
{{end}}{{range .Scenarios}}
<section class="scenario {{.Status}}" id="{{.Anchor}}" data-id="{{.ID}}">
<h2><span class="badge {{.Status}}">{{.Status}}</span> {{.ID}}: {{.Title}}</h2>
<p class="meta">{{if .File}}{{.File}} · {{end}}{{if .Source}}source {{.Source}} · {{end}}{{range .Labels}}<code>{{.}}</code> {{end}}· {{.Duration}}</p>
{{if .Reason}}<p class="skipped">skipped: {{.Reason}}</p>{{end}}
{{with .Failure}}<div class="failure">
<h3>Failed at {{.Where}}</h3>
{{with .Decided}}<p class="decided">decided at notification {{template "ref" .At}}: {{.Reason}}</p>
{{end}}{{range .Other}}<p>{{.}}</p>
{{end}}{{range .Unmet}}<div class="unmet" data-expectation="{{.Name}}">
<p>expectation <b>{{.Name}}</b> not met: {{.Reason}}</p>
{{template "candidates" .}}</div>
{{end}}{{if .Open}}<div class="not-waited">
<h4>not waited for</h4>
<p>the block was decided before it waited for these: they are not held against the target</p>
{{range .Open}}<div class="open" data-expectation="{{.Name}}">
<p>expectation <b>{{.Name}}</b>: {{.Reason}}</p>
{{template "candidates" .}}</div>
{{end}}</div>
{{end}}{{if .Redelivered}}<div class="redeliveries">
<h4>redeliveries</h4>
<ul>{{range .Redelivered}}{{if .Duplicate}}<li class="duplicate">duplicate: notification {{template "ref" .This}} is a redelivery of {{template "ref" .Orig}} (the block fails on duplicates): <code>{{.Item}}</code></li>
{{else}}<li class="redelivery">notification {{template "ref" .This}} is a redelivery of {{template "ref" .Orig}}, counted once with it</li>
{{end}}{{end}}</ul></div>
{{end}}{{if .Detailed}}<details><summary>the whole message</summary><pre>{{.Message}}</pre></details>{{else}}<pre>{{.Message}}</pre>{{end}}
</div>{{end}}
{{if .SVG}}<figure class="diagram">
{{.SVG}}</figure>{{end}}
{{if .Steps}}<h3>Steps</h3>
<table class="steps"><tr><th>#</th><th>kind</th><th>name</th><th>line</th><th>status</th><th>took</th><th>message</th></tr>
{{range .Steps}}<tr class="{{.Status}}"><td>{{.Index}}</td><td>{{.Kind}}</td><td>{{.Name}}{{if .From}} <span class="meta">(from {{.From}})</span>{{end}}</td><td>{{.Line}}</td><td class="{{.Status}}">{{.Status}}</td><td>{{.Duration}}</td><td>{{.Msg}}</td></tr>
{{end}}</table>{{end}}
{{if .Events}}<h3>Requests, answers and notifications</h3>
{{range .Events}}<details class="event {{.Kind}}{{if .Redelivery}} redelivery{{end}}{{if .Marked}} marked{{end}}" id="{{.Anchor}}"><summary>{{.At}} · step {{.Step}} · {{.Line}}{{with .Redelivery}} · redelivery of {{template "ref" .}}{{end}}</summary>
{{if .Header}}<pre class="headers">{{.Header}}</pre>{{end}}{{if .Body}}<pre class="body">{{.Body}}</pre>{{end}}</details>
{{end}}{{end}}
{{if .Captures}}<h3>Captures</h3>
<table class="captures">{{range .Captures}}<tr><td>{{index . 0}}</td><td><code>{{index . 1}}</code></td></tr>{{end}}</table>{{end}}
</section>
{{end}}
<script>
(function(){function open(){var id=decodeURIComponent(location.hash.slice(1));var e=id&&document.getElementById(id);
if(e&&e.tagName==="DETAILS"){e.open=true;}}
window.addEventListener("hashchange",open);open();})();
</script>
</body>
</html>
{{define "coverRow"}}<tr class="{{if .Covered}}covered{{else}}uncovered{{end}}" data-id="{{.ID}}"><td>{{if .Covered}}✓{{else}}✗{{end}}</td><td><code title="{{.Section}}">{{.Name}}</code></td><td>{{range $i, $f := .Fixtures}}{{if $i}}, {{end}}{{if $f.Anchor}}<a href="#{{$f.Anchor}}">{{$f.Text}}</a>{{else}}{{$f.Text}}{{end}}{{end}}</td><td>{{range $i, $s := .Specs}}{{if $i}}, {{end}}{{$s}}{{end}}</td></tr>
{{end -}}
{{define "ref"}}{{if .Link}}<a href="#{{.Link}}">#{{.Index}}</a>{{else}}#{{.Index}}{{end}}{{end -}}
{{define "candidates"}}<p>want <code>{{.Want}}</code></p>
{{range .Candidates}}<p>closest: {{if .Link}}<a href="#{{.Link}}">notification #{{.Index}}</a>{{else}}notification #{{.Index}}{{end}}{{if .Note}} ({{.Note}}){{end}}</p>
{{if .Diff}}<table class="diff"><tr><th>field</th><th>-want</th><th>+got</th></tr>
{{range .Diff}}<tr><td>{{.Field}}</td><td class="want">- {{.Want}}</td><td class="got">+ {{.Got}}</td></tr>
{{end}}</table>{{end}}
{{else}}<p>no notification was received in this block</p>
{{end}}{{end}}`))
