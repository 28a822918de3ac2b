package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/excerpt"
)

// The JUnit XML schema as CI systems (Jenkins, GitLab, GitHub actions) read
// it: one testsuite, a testcase per scenario.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Time       string          `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr,omitempty"`
		Properties []junitProperty `xml:"properties>property,omitempty"`
		Cases      []junitCase     `xml:"testcase"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Classname string        `xml:"classname,attr"`
		Name      string        `xml:"name,attr"`
		Time      string        `xml:"time,attr"`
		Failure   *junitFailure `xml:"failure,omitempty"`
		Skipped   *junitSkipped `xml:"skipped,omitempty"`
		SystemOut *junitText    `xml:"system-out,omitempty"`
	}
	// junitText is readable text (CDATA) made of valid XML characters only.
	junitText struct {
		Text string `xml:",cdata"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr,omitempty"`
		Text    string `xml:",cdata"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
)

// JUnit writes r as JUnit XML: one testsuite; a testcase per scenario
// (classname the fixture file, or its labels; name its id and title); a
// failure with the readable verdict (-want +got; where the block was
// decided, the expectations it did not wait for, the redeliveries), a skip
// with its reason, and the scenario's timeline as system-out, a
// redelivery marked as one. Everything is redacted and
// within the limits of a scenario (MaxScenarioBytes).
func JUnit(w io.Writer, r Run) error {
	r = clean(r)
	_, f, s := harness.Count(r.Results)
	suite := junitSuite{Name: "callconform", Tests: len(r.Results), Failures: f, Skipped: s, Time: seconds(r.Duration)}
	if !r.Started.IsZero() {
		suite.Timestamp = r.Started.UTC().Format(time.RFC3339)
	}
	for _, kv := range [][2]string{{"target", r.Target}, {"profile", r.Profile}} {
		if kv[1] != "" {
			suite.Properties = append(suite.Properties, junitProperty{Name: kv[0], Value: kv[1]})
		}
	}
	for _, res := range r.Results {
		c := junitCase{Classname: classname(res), Name: res.ID + ": " + res.Title, Time: seconds(res.Duration)}
		switch res.Status {
		case harness.Failed:
			c.Failure = &junitFailure{Message: res.Reason, Text: xmlChars(failureText(res))}
			if res.Failure != nil {
				c.Failure.Type = res.Failure.Kind
			}
		case harness.Skipped:
			c.Skipped = &junitSkipped{Message: res.Reason}
		}
		if out := timelineText(res); out != "" {
			c.SystemOut = &junitText{xmlChars(out)}
		}
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{Name: "callconform", Tests: suite.Tests, Failures: f, Skipped: s, Time: suite.Time, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// xmlChars replaces the characters XML 1.0 cannot hold, even in CDATA.
func xmlChars(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}

func classname(res *harness.Result) string {
	if res.File != "" {
		return res.File
	}
	if len(res.Labels) > 0 {
		return strings.Join(res.Labels, ".")
	}
	return "callconform"
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// failureText is a failed scenario's readable failure: where, and the
// message (for notifications, the verdict with -want +got diffs).
func failureText(res *harness.Result) string {
	f := res.Failure
	if f == nil {
		return res.Reason
	}
	return fmt.Sprintf("step %d (%s) at %s:%d failed:\n%s", f.Step, f.Kind, f.File, f.Line, f.Message)
}

// timelineText renders a timeline as lines: time, step, arrow, what.
func timelineText(res *harness.Result) string {
	if len(res.Timeline) == 0 {
		return ""
	}
	var b strings.Builder
	t0 := start(res)
	for _, e := range res.Timeline {
		fmt.Fprintf(&b, "%10s step %d %s\n", relTime(e.At.Sub(t0)), e.Step, eventLine(e))
		if body := bodyText(e, 2000); body != "" {
			fmt.Fprintf(&b, "%10s        %s\n", "", body)
		}
	}
	return b.String()
}

// eventLine says in one line what an event is.
func eventLine(e timeline.Event) string {
	switch e.Kind {
	case timeline.Request:
		return "→ " + e.Method + " " + e.URL
	case timeline.Response:
		return fmt.Sprintf("← %d (%s)", e.Status, e.Elapsed.Round(time.Microsecond))
	case timeline.Notify:
		if e.RedeliveryOf != nil {
			return fmt.Sprintf("⇐ notification at %s (redelivery of #%d, counted once with it)", e.URL, *e.RedeliveryOf)
		}
		return "⇐ notification at " + e.URL
	case timeline.Refusal:
		return fmt.Sprintf("✗ callback refused %s %s: %d %s", e.Method, e.URL, e.Status, e.Text)
	case timeline.Retry:
		return fmt.Sprintf("↻ retry after %d: %s", e.Status, e.Text)
	case timeline.Trigger:
		return "⚑ trigger " + e.Text
	case timeline.Failure:
		return "✗ failed: " + summaryLine(e.Text)
	case kindOmitted:
		return "… " + firstLine(e.Text)
	}
	return "· " + firstLine(e.Text)
}

// bodyText returns an event's body on one line, clipped to n bytes.
func bodyText(e timeline.Event, n int) string {
	var s string
	switch {
	case len(e.Body) > 0:
		s = compactJSON(e.Body)
	case e.Kind == timeline.Request || e.Kind == timeline.Response || e.Kind == timeline.Notify:
		s = e.Text // a body that is not JSON
	}
	return excerpt.Clip(redact(strings.ReplaceAll(s, "\n", " ")), n)
}

// summaryLine picks the line of a failure that says most: the first unmet
// expectation, else the first line that is not a heading ("...:").
func summaryLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "expectation ") {
			return strings.TrimSpace(l)
		}
	}
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" && !strings.HasSuffix(l, ":") {
			return l
		}
	}
	return lines[0]
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
