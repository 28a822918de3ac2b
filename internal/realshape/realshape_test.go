package realshape

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/internal/realtraffic"
)

// callback collects the notification items POSTed to it.
type callback struct {
	*httptest.Server
	items chan gjson.Result
}

func newCallback(t *testing.T) *callback {
	t.Helper()
	c := &callback{items: make(chan gjson.Result, 64)}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		for _, it := range gjson.GetBytes(b, "value").Array() {
			c.items <- it
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(c.Close)
	return c
}

// next returns the next n items, failing the test when they do not all
// arrive within a bound that only a broken target reaches.
func (c *callback) next(t *testing.T, n int) []gjson.Result {
	t.Helper()
	var out []gjson.Result
	timeout := time.After(20 * time.Second)
	for len(out) < n {
		select {
		case it := <-c.items:
			out = append(out, it)
		case <-timeout:
			t.Fatalf("%d of %d notifications arrived", len(out), n)
		}
	}
	return out
}

// do sends a request to the target with a bearer token and returns the
// answer and its body.
func do(t *testing.T, method, url, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func start(t *testing.T, o Options) *Server {
	t.Helper()
	srv, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func TestNewHandlerRefusesAnUnknownBreak(t *testing.T) {
	if _, err := NewHandler(Options{Break: "no-such-break"}); !errors.Is(err, ErrUnknownBreak) {
		t.Fatalf("err = %v, want ErrUnknownBreak", err)
	}
}

// TestNotificationsTakeTheFormsTheOptionsSay: a call placed and hung up
// brings notifications whose resource fields, id spelling, state order and
// resultInfo types are the ones the options choose, with every
// @odata.type of the real bodies kept.
func TestNotificationsTakeTheFormsTheOptionsSay(t *testing.T) {
	tests := []struct {
		name string
		o    Options
	}{
		{"as documented", Options{}},
		{"recorded forms", Options{EstablishedFirst: true, NumericResultInfo: true, CompactIDs: true}},
		{"resourceUrl only", Options{ResourceURLOnly: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := start(t, tt.o)
			cb := newCallback(t)
			resp, _ := do(t, http.MethodPost, srv.URL+"/communications/calls", `{"callbackUri":"`+cb.URL+`","targets":[{"identity":{"user":{"id":"u1"}}}],"mediaConfig":{}}`)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("create answered %d", resp.StatusCode)
			}
			loc := resp.Header.Get("Location")
			id, ok := guid.Parse(lastSegment(loc))
			if !ok {
				t.Fatalf("Location %q does not end in a call id", loc)
			}
			items := cb.next(t, 2)
			if resp, _ := do(t, http.MethodDelete, loc, ""); resp.StatusCode != http.StatusNoContent {
				t.Fatalf("delete answered %d", resp.StatusCode)
			}
			items = append(items, cb.next(t, 2)...)

			wantID := id.String()
			if tt.o.CompactIDs {
				wantID = id.Compact()
			}
			wantStates := []string{"establishing", "established", "terminating", "terminated"}
			if tt.o.EstablishedFirst {
				wantStates[0], wantStates[1] = wantStates[1], wantStates[0]
			}
			var states []string
			for _, it := range items {
				states = append(states, it.Get("resourceData.state").String())
				if got := it.Get("resourceUrl").String(); got != "/communications/calls/"+wantID {
					t.Errorf("resourceUrl = %q, want /communications/calls/%s", got, wantID)
				}
				switch res := it.Get("resource"); {
				case tt.o.ResourceURLOnly && res.Exists():
					t.Errorf("resource = %s, want none", res.Raw)
				case !tt.o.ResourceURLOnly && res.String() != "/app/calls/"+wantID:
					t.Errorf("resource = %s, want /app/calls/%s", res.Raw, wantID)
				}
				for _, p := range []string{`\@odata\.type`, `resourceData.\@odata\.type`} {
					if !it.Get(p).Exists() {
						t.Errorf("%s is missing from %s", p, it.Raw)
					}
				}
			}
			if diff := cmp.Diff(wantStates, states); diff != "" {
				t.Errorf("states (-want +got):\n%s", diff)
			}
			code := items[3].Get("resourceData.resultInfo.code")
			if want := map[bool]gjson.Type{true: gjson.Number, false: gjson.String}[tt.o.NumericResultInfo]; code.Type != want {
				t.Errorf("resultInfo.code = %s, want a %s", code.Raw, want)
			}
		})
	}
}

// TestInviteAnswerFollowsTheOptions: the invite answer names its
// operation in the body, and in a Location only when the options say so;
// the completion is on that operation.
func TestInviteAnswerFollowsTheOptions(t *testing.T) {
	for _, withLocation := range []bool{false, true} {
		srv := start(t, Options{InviteLocation: withLocation})
		cb := newCallback(t)
		resp, _ := do(t, http.MethodPost, srv.URL+"/communications/calls", `{"callbackUri":"`+cb.URL+`","meetingInfo":{},"mediaConfig":{}}`)
		call := resp.Header.Get("Location")
		cb.next(t, 3)
		resp, body := do(t, http.MethodPost, call+"/participants/invite", `{"participants":[{"identity":{"user":{"id":"u1"}}}],"clientContext":"cc"}`)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("invite answered %d %s", resp.StatusCode, body)
		}
		op := gjson.Get(body, "id").String()
		if loc := resp.Header.Get("Location"); withLocation != (loc != "") || withLocation && lastSegment(loc) != op {
			t.Errorf("InviteLocation %v: Location %q, body id %q", withLocation, loc, op)
		}
		done := cb.next(t, 2)[0]
		if got := lastSegment(done.Get("resourceUrl").String()); guid.Normalize(got) != guid.Normalize(op) {
			t.Errorf("the completion is on operation %q, the answer names %q", got, op)
		}
		if got := done.Get("resourceData.participants.0.identity.user.id").String(); got != "u1" {
			t.Errorf("the completion's participant is %q, want the invitee u1", got)
		}
	}
}

// TestAnswerBodyFollowsTheOptions: answer is 202 without a body, or with
// an empty JSON object under AnswerBody.
func TestAnswerBodyFollowsTheOptions(t *testing.T) {
	for _, withBody := range []bool{false, true} {
		srv := start(t, Options{AnswerBody: withBody})
		cb := newCallback(t)
		resp, body := do(t, http.MethodPost, srv.URL+"/_control/incoming-calls", `{"callback":"`+cb.URL+`"}`)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("incoming call answered %d %s", resp.StatusCode, body)
		}
		cb.next(t, 1)
		resp, body = do(t, http.MethodPost, srv.URL+gjson.Get(body, "resource").String()+"/answer", `{"acceptedModalities":["audio"],"mediaConfig":{}}`)
		want := map[bool]string{false: "", true: "{}"}[withBody]
		if resp.StatusCode != http.StatusAccepted || body != want {
			t.Errorf("AnswerBody %v: answered %d %q, want 202 %q", withBody, resp.StatusCode, body, want)
		}
	}
}

// TestSourcesNameRealBodies: every body the target says it played is one
// of internal/realtraffic's, by the path SOURCES.md lists.
func TestSourcesNameRealBodies(t *testing.T) {
	known := map[string]bool{}
	for _, s := range realtraffic.Notifications() {
		known[s.Path()] = true
	}
	answers, err := realtraffic.Answers()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range answers {
		known["answers/"+a.Source+"/"+a.Name+".json"] = true
	}
	srv := start(t, Options{})
	cb := newCallback(t)
	resp, _ := do(t, http.MethodPost, srv.URL+"/communications/calls", `{"callbackUri":"`+cb.URL+`","meetingInfo":{},"mediaConfig":{}}`)
	cb.next(t, 3)
	do(t, http.MethodDelete, resp.Header.Get("Location"), "")
	cb.next(t, 2)
	got := srv.Sources()
	if len(got) < 6 {
		t.Errorf("sources = %v, want the three join bodies, the two hang-up bodies and the answers", got)
	}
	for _, p := range got {
		if !known[p] {
			t.Errorf("source %q is not a real body of internal/realtraffic", p)
		}
	}
}

// TestGraphRequestsNeedABearerToken: any token passes, none is refused.
func TestGraphRequestsNeedABearerToken(t *testing.T) {
	srv := start(t, Options{})
	resp, err := http.Post(srv.URL+"/communications/calls", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", resp.StatusCode)
	}
}
