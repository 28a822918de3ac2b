package harness

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/apiclient"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/receiver"
	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/faketarget"
)

// newRunner starts a receiver and returns a Runner against baseURL.
func newRunner(t testing.TB, baseURL string, caps ...string) *Runner {
	t.Helper()
	rcv, err := receiver.Start(receiver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rcv.Close() })
	c, err := apiclient.New(apiclient.Config{BaseURL: baseURL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &Runner{Target: Target{Client: c, BaseURL: baseURL, Capabilities: caps}, Receiver: rcv}
}

func parse(t testing.TB, src string) *fixture.Fixture {
	t.Helper()
	f, err := fixture.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestRunnerPassesAndRecords(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	r := newRunner(t, srv.URL)
	res := r.Run(context.Background(), parse(t, faketarget.FlowFixture))
	if res.Status != Passed {
		t.Fatalf("status %s: %s\n%+v", res.Status, res.Reason, res.Failure)
	}
	if res.Captures["opId"] != "op1" {
		t.Errorf("capture opId = %q, want op1", res.Captures["opId"])
	}
	kinds := map[timeline.Kind]int{}
	for _, e := range res.Timeline {
		kinds[e.Kind]++
	}
	if kinds[timeline.Request] != 1 || kinds[timeline.Response] != 1 || kinds[timeline.Notify] != 2 {
		t.Errorf("timeline kinds = %v, want 1 request, 1 response, 2 notifications", kinds)
	}
	if len(res.Steps) != 2 || res.Steps[1].Status != Passed {
		t.Errorf("steps = %+v", res.Steps)
	}
}

func TestRunnerSkipsMissingCapability(t *testing.T) {
	r := newRunner(t, "http://127.0.0.1:1")
	f := parse(t, "id: x\ntitle: X\nrequires: [incoming-call]\nsteps:\n  - trigger: incoming-call\n")
	res := r.Run(context.Background(), f)
	if res.Status != Skipped || !strings.Contains(res.Reason, `target lacks capability "incoming-call"`) {
		t.Fatalf("status %s, reason %q", res.Status, res.Reason)
	}
	f = parse(t, "id: z\ntitle: Z\nsteps:\n  - send: GET /applications/{{appId}}/calls\n")
	if res := r.Run(context.Background(), f); res.Status != Skipped || !strings.Contains(res.Reason, "{{appId}}") {
		t.Fatalf("app id: status %s, reason %q", res.Status, res.Reason)
	}
	f = parse(t, "id: y\ntitle: Y\nprofiles: [v1.0]\nsteps:\n  - send: GET /x\n")
	if res := r.Run(context.Background(), f); res.Status != Skipped || !strings.Contains(res.Reason, "profile v1.0") {
		t.Fatalf("profile: status %s, reason %q", res.Status, res.Reason)
	}
}

// TestSkipReasonIsTyped: the engine says why a scenario cannot run as data,
// and its text speaks of the target, never of a front end's flags or
// environment variables.
func TestSkipReasonIsTyped(t *testing.T) {
	r := newRunner(t, "http://127.0.0.1:1", "recording")
	r.Target.AppID = "app"
	tests := []struct {
		name, src string
		want      *SkipError
	}{
		{"runs", "id: a\ntitle: A\nsteps:\n  - send: GET /applications/{{appId}}/calls\n", nil},
		{"other profile", "id: p\ntitle: P\nprofiles: [v1.0]\nsteps:\n  - send: GET /x\n",
			&SkipError{Kind: OtherProfile, Profiles: []string{"v1.0"}, Profile: DefaultProfile}},
		{"missing tenant id", "id: t\ntitle: T\nsteps:\n  - send: GET /{{appId}}/{{tenantId}}\n",
			&SkipError{Kind: MissingVar, Var: "tenantId"}},
		{"tenant id from the vars", "id: v\ntitle: V\nvars: {tenantId: t1}\nsteps:\n  - send: GET /{{tenantId}}\n", nil},
		{"missing capability", "id: c\ntitle: C\nrequires: [incoming-call]\nsteps:\n  - trigger: incoming-call\n",
			&SkipError{Kind: MissingCapability, Capability: "incoming-call", Have: []string{"recording"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.SkipReason(parse(t, tt.src))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("SkipReason (-want +got):\n%s", diff)
			}
			if got == nil {
				return
			}
			for _, frontEnd := range []string{"--", "CALLCONFORM_", "$"} {
				if strings.Contains(got.Error(), frontEnd) {
					t.Errorf("%q speaks of a front end's settings (%q)", got.Error(), frontEnd)
				}
			}
		})
	}
	if got := (&SkipError{Kind: MissingVar, Var: "appId"}).Error(); got != "needs the bot's app id ({{appId}}), which the target was not given" {
		t.Errorf("MissingVar text = %q", got)
	}
	if got := (&SkipError{Kind: MissingCapability, Capability: "incoming-call"}).Error(); got != `target lacks capability "incoming-call" (it has: none)` {
		t.Errorf("MissingCapability text = %q", got)
	}
}

func TestRunnerFailureNamesStepAndLine(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{DropRoster: true})
	defer srv.Close()
	r := newRunner(t, srv.URL)
	r.Within = 300 * time.Millisecond
	src := strings.Replace(faketarget.FlowFixture, "      within: 1s\n", "", 1)
	res := r.Run(context.Background(), parse(t, src))
	if res.Status != Failed || res.Failure == nil {
		t.Fatalf("status %s", res.Status)
	}
	if res.Failure.Step != 2 || res.Failure.Line != 11 || res.Failure.Verdict == nil || !res.Failure.Verdict.TimedOut {
		t.Errorf("failure = step %d line %d verdict %+v", res.Failure.Step, res.Failure.Line, res.Failure.Verdict)
	}
	if !strings.Contains(res.Reason, "step 2 (await, test.yaml:11)") {
		t.Errorf("reason %q does not name the step and line", res.Reason)
	}
}

func TestRunnerCaptureThatFindsNothingFails(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	r := newRunner(t, srv.URL)
	src := strings.Replace(faketarget.FlowFixture, `capture: {opId: {header: Location, regex: "operations/([^/]+)$"}}`, `capture: {opId: {json: id}}`, 1)
	res := r.Run(context.Background(), parse(t, src))
	if res.Status != Failed || !strings.Contains(res.Failure.Message, `capture "opId": json id: the body is not JSON`) {
		t.Fatalf("status %s, failure %+v", res.Status, res.Failure)
	}
}

func TestRunnerSendsRawBody(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	r := newRunner(t, srv.URL)
	f := parse(t, "id: raw\ntitle: Raw\nsteps:\n  - send: POST /app/calls/c1/participants/invite\n    rawBody: '{\"participants\": ['\n    expect: {status: 400}\n")
	if res := r.Run(context.Background(), f); res.Status != Passed {
		t.Fatalf("malformed raw body was not sent as is: %s", res.Reason)
	}
}

// TestRunnerCapturesStatusAndNotification: a capture from the answer's
// status, and one from a matched notification through a regex group.
func TestRunnerCapturesStatusAndNotification(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	r := newRunner(t, srv.URL)
	src := strings.Replace(faketarget.FlowFixture,
		`capture: {opId: {header: Location, regex: "operations/([^/]+)$"}}`,
		`capture: {opId: {header: Location, regex: "operations/([^/]+)$"}, answered: {status: true}}`, 1)
	src = strings.Replace(src,
		`where: {resourceData.status: completed}}`,
		`where: {resourceData.status: completed}, capture: {doneCall: {json: resource, regex: "^/app/calls/([^/]+)/operations/"}}}`, 1)
	if src == faketarget.FlowFixture {
		t.Fatal("the fixture was not changed: FlowFixture no longer has the text this test edits")
	}
	res := r.Run(context.Background(), parse(t, src))
	if res.Status != Passed {
		t.Fatalf("status %s: %s", res.Status, res.Reason)
	}
	if got := res.Captures["answered"]; got != "202" {
		t.Errorf("status capture = %q, want 202", got)
	}
	if got := res.Captures["doneCall"]; got != "c1" {
		t.Errorf("notification capture = %q, want c1", got)
	}
}

// TestRunnerReportsARefusalDuringASend: a notification POST the receiver
// refuses while a send step runs fails that step, with the reason.
func TestRunnerReportsARefusalDuringASend(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{Malformed: true})
	defer srv.Close()
	r := newRunner(t, srv.URL)
	res := r.Run(context.Background(), parse(t, faketarget.FlowFixture))
	if res.Status != Failed || res.Failure.Step != 1 || !strings.Contains(res.Failure.Message, "callback receiver refused a notification POST: 400") {
		t.Fatalf("status %s, failure %+v", res.Status, res.Failure)
	}
}
