package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/timeline"
)

type testSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     int    `xml:"errors,attr"`
		Skipped    int    `xml:"skipped,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnitCountsAndMessages(t *testing.T) {
	r := realRun(t)
	r.Results[1].Failure.Message += "\nraw bytes \x01 and a CDATA end ]]> <b>"
	var b bytes.Buffer
	if err := JUnit(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), plantedJWT) {
		t.Fatal("junit.xml contains the planted token")
	}
	var doc testSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("junit.xml does not parse: %v\n%s", err, b.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Skipped != 1 || len(doc.Suites) != 1 {
		t.Fatalf("testsuites: tests %d failures %d skipped %d suites %d", doc.Tests, doc.Failures, doc.Skipped, len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Tests != 3 || s.Failures != 1 || s.Skipped != 1 || s.Errors != 0 || len(s.Cases) != 3 {
		t.Fatalf("testsuite: tests %d failures %d skipped %d errors %d cases %d", s.Tests, s.Failures, s.Skipped, s.Errors, len(s.Cases))
	}
	if len(s.Properties) != 2 || s.Properties[0].Value != "http://fake.test" || s.Properties[1].Value != "beta-2018" {
		t.Errorf("properties %+v", s.Properties)
	}
	pass, fail, skip := s.Cases[0], s.Cases[1], s.Cases[2]
	if pass.Name != "invite-ok: Invite on the fake target" || pass.Classname != "fixtures/fake/invite-ok.yaml" || pass.Failure != nil || pass.Skipped != nil {
		t.Errorf("passing case %+v", pass)
	}
	if !strings.Contains(pass.SystemOut, "→ POST http://127.0.0.1:") || !strings.Contains(pass.SystemOut, "⇐ notification at /callbacks/") {
		t.Errorf("system-out lacks the timeline:\n%s", pass.SystemOut)
	}
	if fail.Failure == nil {
		t.Fatal("the failing case has no failure")
	}
	for _, want := range []string{
		"step 2 (await) at fixtures/fake/invite-wrong-resource.yaml:11 failed:",
		`expectation "opDone" not met: no notification matched`,
		"(-want +got)",
		`+ resource: "/app/calls/other/operations/op1"`,
		"Bearer REDACTED",
		"raw bytes \uFFFD and a CDATA end ]]> <b>",
	} {
		if !strings.Contains(fail.Failure.Text, want) {
			t.Errorf("failure text lacks %q:\n%s", want, fail.Failure.Text)
		}
	}
	if fail.Failure.Type != "await" || !strings.HasPrefix(fail.Failure.Message, "step 2 (await") {
		t.Errorf("failure message %q type %q", fail.Failure.Message, fail.Failure.Type)
	}
	if skip.Skipped == nil || skip.Skipped.Message != `target lacks capability "incoming-call"` || skip.Classname != "answer" {
		t.Errorf("skipped case %+v", skip)
	}
}

// xmlChar reports whether XML 1.0 allows r in a document.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

func TestJUnitHoldsOnlyXMLCharacters(t *testing.T) {
	const evil = "\x00\x01\x1b[2J\x07\x0b\x0c\x7f\uFFFE\xff"
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	failed := &harness.Result{ID: "f" + evil, Title: "title" + evil, File: "fixtures/f" + evil + ".yaml", Status: harness.Failed, Reason: "reason" + evil,
		Failure: &harness.Failure{Step: 1, Kind: "send", Message: "message" + evil},
		Timeline: []timeline.Event{
			{At: t0, Kind: timeline.Request, Method: "POST", URL: "http://target.test/" + evil, Body: json.RawMessage(`{"a":"\u001b` + evil[:2] + `"}`)},
			{At: t0, Kind: timeline.Response, Status: 400, Text: "text" + evil},
			{At: t0, Kind: timeline.Note, Text: "note" + evil},
		}}
	skipped := &harness.Result{ID: "s", Labels: []string{"label" + evil}, Status: harness.Skipped, Reason: "skip" + evil}
	var b bytes.Buffer
	if err := JUnit(&b, Run{Target: "target" + evil, Profile: "profile" + evil, Results: []*harness.Result{failed, skipped}}); err != nil {
		t.Fatal(err)
	}
	for i, r := range b.String() {
		if !xmlChar(r) {
			t.Errorf("junit.xml holds %U at byte %d, which XML 1.0 forbids:\n%q", r, i, b.String())
			break
		}
	}
	var doc testSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("junit.xml does not parse: %v", err)
	}
	out := doc.Suites[0].Cases[0].SystemOut
	for _, want := range []string{"text\uFFFD", "note\uFFFD", "http://target.test/\uFFFD"} {
		if !strings.Contains(out, want) {
			t.Errorf("system-out lacks %q (the text, its control characters replaced):\n%q", want, out)
		}
	}
}

func TestJUnitSaysWhereTheBlockWasDecidedAndNotesRedeliveries(t *testing.T) {
	for _, tt := range []struct {
		name string
		run  Run
		want []string
	}{
		{"real run", redeliveredRun(t), []string{
			"step 2 (await) at fixtures/fake/invite-redelivered.yaml:",
			"decided: failed at notification #2, before the bound: notification #2 is one no expectation takes, and the block says unexpected: fail",
			`expectation "roster" not met: not waited for: the block ended at notification #2, which it refuses`,
			"unexpected notification #2: " + extraItem,
			"notification #1 is a redelivery of #0, counted once with it",
		}},
		{"duplicates", Run{Results: []*harness.Result{redeliveredResult(t, true)}}, []string{
			"decided: failed at notification #1, before the bound: notification #1 is a redelivery of #0, and the block fails on duplicates",
			"duplicate: notification #1 is a redelivery of #0 (the block fails on duplicates): {",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := JUnit(&b, tt.run); err != nil {
				t.Fatal(err)
			}
			var doc testSuites
			if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatalf("junit.xml does not parse: %v", err)
			}
			c := doc.Suites[0].Cases[0]
			if c.Failure == nil {
				t.Fatal("the failing case has no failure")
			}
			for _, want := range tt.want {
				if !strings.Contains(c.Failure.Text, want) {
					t.Errorf("failure text lacks %q:\n%s", want, c.Failure.Text)
				}
			}
			if !strings.Contains(c.SystemOut, "(redelivery of #0, counted once with it)") {
				t.Errorf("system-out does not mark the redelivery:\n%s", c.SystemOut)
			}
		})
	}
}
