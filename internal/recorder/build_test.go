package recorder

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/fixture"
)

const (
	testAppID    = "1234a46b-3d17-4adc-8dce-dc4e7d556789"
	testTenantID = "49bfc225-8482-4ab8-94e7-76b48fdb9849"
	testCall     = "57dab8b1-894c-409a-b240-bd8beae78896"
	testCallNote = "57DAB8B1894C409AB240BD8BEAE78896"
	testIncoming = "491F0B00FFFF4BC9B2B7E4A1C5D6E7F8"
)

// record appends exchanges to r's journal as if they had passed through it.
func record(r *Recorder, xs ...*exchange) {
	for _, x := range xs {
		addDone(&r.journal, x)
	}
}

func note(callback, botStatus int, body string) *exchange {
	return &exchange{isNote: true, callback: callback, botStatus: botStatus, body: []byte(body)}
}

// TestBuildGeneralizes checks the generalization on a hand-made recording
// of a service under a base path, with v1.0's resourceUrl, a retried
// notification, the bot's own app and tenant ids and planted secrets.
func TestBuildGeneralizes(t *testing.T) {
	r, err := New(Config{Upstream: "https://graph.example.test/beta", PublicURL: "https://rec.example.test", AppID: testAppID, TenantID: testTenantID})
	if err != nil {
		t.Fatal(err)
	}
	const jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBpZCI6IjEyMzQifQ.c2lnbmF0dXJlLWJ5dGVz"
	record(r,
		&exchange{
			method: "POST", path: "/applications/" + testAppID + "/calls",
			header: http.Header{"X-Tenant-Hint": {"contoso"}, "X-Api-Key": {"k-123"}, "X-Debug": {"Bearer abcDEF1234567890ghiJKL"}},
			body: []byte(`{"callback":"https://bot.example/cb","tenantId":"` + testTenantID + `",` +
				`"source":{"identity":{"application":{"id":"` + testAppID + `"}}},` +
				`"targets":[{"identity":{"phone":{"id":"+14255550123"}}}],` +
				`"subject":"key kq3Zx9LmT2vB7nW4yH8pJ6rD","note":"` + jwt + `"}`),
			status: 201, location: "https://graph.example.test/beta/applications/" + testAppID + "/calls/" + testCall,
			respBody: []byte(`{"@odata.type":"#microsoft.graph.call","id":"` + testCall + `","state":"establishing"}`),
		},
		note(1, 202, `{"value":[{"changeType":"updated","resource":"/applications/`+testAppID+`/calls/`+testCallNote+`","resourceData":{"state":"establishing"}},`+
			`{"changeType":"updated","resource":"/applications/`+testAppID+`/calls/`+testCallNote+`","resourceData":{"state":"established"}}]}`),
		note(2, 503, `{"value":[{"changeType":"created","resourceUrl":"/communications/calls/`+testIncoming+`","resourceData":{"state":"incoming"}}]}`),
		note(2, 202, `{"value":[{"changeType":"created","resourceUrl":"/communications/calls/`+testIncoming+`","resourceData":{"state":"incoming"}}]}`),
		&exchange{method: "POST", path: "/communications/calls/" + testIncoming + "/answer", body: []byte(`{"callbackUri":"https://bot.example/cb2"}`),
			status: 202, respBody: []byte(`{"id":"0b9e3c57-1a3f-4c11-9d0e-5f2b6f8a9c10","status":"running"}`)},
		&exchange{method: "GET", path: "/communications/calls/" + testIncoming, status: 200, respBody: []byte(`{"state":"established"}`)},
	)
	data, err := r.Encode(Meta{ID: "generalized"})
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	f, err := fixture.Parse("generalized.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "'", "")
	for _, want := range []string{
		"send: POST /applications/{{appId}}/calls",
		"tenantId: {{tenantId}}",
		"id: {{appId}}",
		"Location: ~/applications/{{appId}}/calls/[^/]+$",
		"callId: {header: Location, regex: /calls/([^/]+)$}",
		"X-Tenant-Hint: contoso",
		"X-Debug: Bearer redacted-token-1",
		"phone: {id: {{phone1}}}",
		`phone1: "+15550100001"`,
		"subject: key redacted-secret-1",
		"note: redacted-jwt-1",
		"resource: /applications/{{appId}}/calls/{{callId}}",
		"resource: ~^/communications/calls/[^/]+$",
		"callId2: {json: resourceUrl, regex: /calls/([^/]+)$}",
		"send: POST /communications/calls/{{callId2}}/answer",
		"callbackUri: {{callbackUrl}}",
		"status: ~(?i)^running$",
		"send: GET /communications/calls/{{callId2}}",
		"after: [callEstablishing]",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, data)
		}
	}
	for _, leaked := range []string{"X-Api-Key", "k-123", "+14255550123", "kq3Zx9LmT2vB7nW4yH8pJ6rD", jwt, "abcDEF1234567890ghiJKL", "bot.example", "graph.example.test/beta/app"} {
		if strings.Contains(string(data), leaked) {
			t.Errorf("the fixture holds %q", leaked)
		}
	}
	if n := countExpectations(f); n != 3 {
		t.Errorf("%d expectations, want 3 (the retried notification once)", n)
	}
	last := f.Steps[len(f.Steps)-1]
	if last.Expect == nil || last.Expect.Body != nil || !last.Expect.Status.Contains(200) {
		t.Errorf("a GET is judged by its status only, got %+v", last.Expect)
	}
	for _, st := range f.Steps {
		// The operation id is used by the answer replay serve gives.
		if strings.HasSuffix(st.Send, "/answer") && (st.Answer == nil || !strings.Contains(string(st.Answer.Body), `"id":"{{opId}}"`) || st.Capture["opId"].JSON != "id") {
			t.Errorf("the answer's operation id is not captured and templated: %v %+v", st.Capture, st.Answer)
		}
	}
}

// TestBuildRecordsThePace: each notification's pause since the previous
// event (the answer it follows, or the notification before it) is written
// as its delay, for replay serve; items of one POST after the first have
// none.
func TestBuildRecordsThePace(t *testing.T) {
	r, err := New(Config{Upstream: "https://graph.example.test/beta", PublicURL: "https://rec.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	req := &exchange{method: "POST", path: "/app/calls", body: []byte(`{"callback":"https://bot.example/cb"}`),
		status: 201, location: "https://graph.example.test/beta/app/calls/" + testCall}
	n1 := note(1, 202, `{"value":[{"changeType":"updated","resource":"/app/calls/`+testCallNote+`","resourceData":{"state":"establishing"}},`+
		`{"changeType":"updated","resource":"/app/calls/`+testCallNote+`","resourceData":{"state":"established"}}]}`)
	n2 := note(1, 202, `{"value":[{"changeType":"deleted","resource":"/app/calls/`+testCallNote+`","resourceData":{"state":"terminated"}}]}`)
	t0 := time.Unix(1_800_000_000, 0)
	req.at, req.answeredAt = t0, t0.Add(20*time.Millisecond)
	n1.at = t0.Add(140 * time.Millisecond)
	n2.at = t0.Add(440 * time.Millisecond)
	record(r, req, n1, n2)
	data, err := r.Encode(Meta{ID: "paced"})
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	f, err := fixture.Parse("paced.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var got []time.Duration
	for _, st := range f.Steps {
		if st.Await != nil {
			for _, e := range st.Await.Expect {
				got = append(got, time.Duration(e.Delay))
			}
		}
	}
	want := []time.Duration{120 * time.Millisecond, 0, 300 * time.Millisecond}
	if !slices.Equal(got, want) {
		t.Fatalf("delays %v, want %v\n%s", got, want, data)
	}
}
