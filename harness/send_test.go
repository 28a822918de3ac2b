package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// answeringTarget answers every request with status, header and body, and
// then POSTs each item of items, one per POST, to the callback the request
// named.
func answeringTarget(t *testing.T, status int, header http.Header, body string, items ...string) string {
	t.Helper()
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Callback string `json:"callbackUri"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		for k, vs := range header {
			w.Header()[k] = vs
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
		if req.Callback == "" {
			return
		}
		wg.Go(func() {
			for _, item := range items {
				resp, err := client.Post(req.Callback, "application/json", bytes.NewReader([]byte(`{"value":[`+item+`]}`)))
				if err != nil {
					return
				}
				resp.Body.Close()
			}
		})
	}))
	t.Cleanup(func() {
		wg.Wait()
		srv.Close()
	})
	return srv.URL
}

// firstFixture captures the operation id of an invite from Location, else
// from the body's id, as a v1.0 invite answers either way.
const firstFixture = `id: first
title: First
steps:
  - send: POST /communications/calls/c1/participants/invite
    body: {participants: []}
    expect: {status: 200}
    capture:
      opId:
        first:
          - {header: Location, regex: "/operations/([^/]+)$"}
          - {json: id}
`

// TestCaptureFirstTriesSourcesInOrder: the first source that gives a value
// wins; when none does, the failure says why each did not, in order.
func TestCaptureFirstTriesSourcesInOrder(t *testing.T) {
	loc := http.Header{"Location": {"https://graph.example/v1.0/communications/calls/c1/operations/fromHeader"}}
	tests := []struct {
		name   string
		header http.Header
		body   string
		want   string // the capture, or "" for a failure
		fail   string // what the failure says
	}{
		{"Location wins", loc, `{"id":"fromBody"}`, "fromHeader", ""},
		{"body id without Location", nil, `{"@odata.type":"#microsoft.graph.inviteParticipantsOperation","id":"fromBody"}`, "fromBody", ""},
		{"Location that does not match, body id", http.Header{"Location": {"https://graph.example/elsewhere"}}, `{"id":"fromBody"}`, "fromBody", ""},
		{"neither", nil, `{"status":"Running"}`, "",
			`capture "opId": first: no source gave a value: (1) the answer has no Location header; (2) json id: no such field in {"status":"Running"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, answeringTarget(t, http.StatusOK, tt.header, tt.body))
			res := r.Run(context.Background(), parse(t, firstFixture))
			if tt.fail != "" {
				if res.Status != Failed || !strings.Contains(res.Failure.Message, tt.fail) {
					t.Fatalf("status %s, failure %+v; want a failure saying %q", res.Status, res.Failure, tt.fail)
				}
				return
			}
			if res.Status != Passed {
				t.Fatalf("status %s: %s", res.Status, res.Reason)
			}
			if got := res.Captures["opId"]; got != tt.want {
				t.Errorf("opId = %q, want %q", got, tt.want)
			}
		})
	}
}

// resourceFixture takes a call id from a notification's resource path,
// whichever field carries it.
const resourceFixture = `id: resource
title: Resource
steps:
  - send: POST /communications/calls
    body: {callbackUri: "{{callbackUrl}}"}
    expect: {status: 201}
  - await:
      within: 30s
      expect:
        - name: state
          changeType: updated
          capture: {callId: {resource: "/calls/([^/]+)$"}}
`

// TestCaptureFromResource: resourceUrl when its path matches, else
// resource; a notification whose paths both fail to match fails the step,
// naming both.
func TestCaptureFromResource(t *testing.T) {
	tests := []struct {
		name string
		item string
		want string // the capture, or "" for a failure
		fail string
	}{
		{"resourceUrl only", `{"changeType":"updated","resourceUrl":"/communications/calls/url1"}`, "url1", ""},
		{"resource only", `{"changeType":"updated","resource":"/app/calls/res1"}`, "res1", ""},
		{"both, resourceUrl wins", `{"changeType":"updated","resource":"/app/calls/res1","resourceUrl":"/communications/calls/url1"}`, "url1", ""},
		{"resourceUrl that does not match, resource", `{"changeType":"updated","resource":"/app/calls/res1","resourceUrl":"/communications/calls/url1/participants"}`, "res1", ""},
		{"without the leading slash", `{"changeType":"updated","resourceUrl":"communications/calls/url1"}`, "url1", ""},
		{"neither matches", `{"changeType":"updated","resource":"/app/calls/res1/participants","resourceUrl":"/communications/calls/url1/participants"}`, "",
			`capture "callId" from notification #0: resource "/calls/([^/]+)$" matches no resource path of the notification: resourceUrl "/communications/calls/url1/participants", resource "/app/calls/res1/participants"`},
		{"no path at all", `{"changeType":"updated"}`, "",
			`capture "callId" from notification #0: resource "/calls/([^/]+)$": the notification has no resourceUrl or resource string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, answeringTarget(t, http.StatusCreated, nil, `{}`, tt.item))
			res := r.Run(context.Background(), parse(t, resourceFixture))
			if tt.fail != "" {
				if res.Status != Failed || !strings.Contains(res.Failure.Message, tt.fail) {
					t.Fatalf("status %s, failure %+v; want a failure saying %q", res.Status, res.Failure, tt.fail)
				}
				return
			}
			if res.Status != Passed {
				t.Fatalf("status %s: %s", res.Status, res.Reason)
			}
			if got := res.Captures["callId"]; got != tt.want {
				t.Errorf("callId = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCaptureFirstInANotification: first tries a notification's sources
// too: a resource path that does not match, then a body field.
func TestCaptureFirstInANotification(t *testing.T) {
	src := strings.Replace(resourceFixture, `capture: {callId: {resource: "/calls/([^/]+)$"}}`,
		`capture: {callId: {first: [{resource: "/calls/([^/]+)$"}, {json: resourceData.id}]}}`, 1)
	item := `{"changeType":"updated","resourceUrl":"/communications/calls/url1/participants","resourceData":{"id":"body1"}}`
	r := newRunner(t, answeringTarget(t, http.StatusCreated, nil, `{}`, item))
	res := r.Run(context.Background(), parse(t, src))
	if res.Status != Passed {
		t.Fatalf("status %s: %s", res.Status, res.Reason)
	}
	if got := res.Captures["callId"]; got != "body1" {
		t.Errorf("callId = %q, want body1", got)
	}
}
