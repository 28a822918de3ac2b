package simulator

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/guid"
)

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestRequestIDHeaders(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.do("GET", "/_control", "", nil, "client-request-id", "my-request-42")
	if !guidRE.MatchString(r.header.Get("request-id")) {
		t.Errorf("request-id %q", r.header.Get("request-id"))
	}
	if r.header.Get("client-request-id") != "my-request-42" {
		t.Errorf("client-request-id %q not echoed", r.header.Get("client-request-id"))
	}
	r2 := e.do("GET", "/_control", "", nil)
	if r2.header.Get("request-id") == r.header.Get("request-id") {
		t.Error("two requests share a request-id")
	}
	// Errors carry both ids in innerError.
	r = e.do("GET", "/app/calls/"+guid.New().String(), "", nil, "client-request-id", "abc")
	if r.errorCode(t) == "" || !bytes.Contains(r.body, []byte(`"client-request-id":"abc"`)) {
		t.Errorf("error body %s", r.body)
	}
}

func TestRouterErrors(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.token(ClientCalling)
	call := guid.New().String()
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
		allow        []string
	}{
		{"GET", "/nowhere", 404, "NotFound", nil},
		{"GET", "/app/calls/" + call + "/recordings", 404, "NotFound", nil},
		{"GET", "/app/calls", 405, "MethodNotAllowed", []string{"POST"}},
		{"PUT", "/app/calls/" + call, 405, "MethodNotAllowed", []string{"DELETE", "GET"}},
		{"GET", "/app/calls/" + call + "/answer", 405, "MethodNotAllowed", []string{"POST"}},
		{"DELETE", "/applications/" + DefaultAppID + "/calls/" + call + "/participants/invite", 405, "MethodNotAllowed", []string{"POST"}},
		{"GET", "/" + DefaultTenantID + "/oauth2/v2.0/token", 405, "MethodNotAllowed", []string{"POST"}},
		{"GET", "/app/calls/" + call, 404, "NotFound", nil},
		{"GET", "/app/calls/not-a-guid", 404, "NotFound", nil},
	} {
		r := e.do(tc.method, tc.path, tok, nil)
		if r.status != tc.status || r.errorCode(t) != tc.code {
			t.Errorf("%s %s: %d %s; want %d %s", tc.method, tc.path, r.status, r.body, tc.status, tc.code)
		}
		for _, m := range tc.allow {
			if !strings.Contains(r.header.Get("Allow"), m) {
				t.Errorf("%s %s: Allow %q lacks %s", tc.method, tc.path, r.header.Get("Allow"), m)
			}
		}
	}
}

func TestBodyRules(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	big := `{"callback":"` + rc.URL() + `","pad":"` + strings.Repeat("x", maxBody) + `"}`
	for _, tc := range []struct {
		name   string
		body   any
		hdr    []string
		status int
		code   string
	}{
		{"malformed JSON", `{"callback": `, nil, 400, "BadRequest"},
		{"not an object", `["callback"]`, nil, 400, "BadRequest"},
		{"empty body", "", nil, 400, "BadRequest"},
		{"text/plain", `{"callback":"x"}`, []string{"Content-Type", "text/plain"}, 415, "UnsupportedMediaType"},
		{"no content type", `{"callback":"x"}`, []string{"Content-Type", ""}, 415, "UnsupportedMediaType"},
		{"over 1 MiB", big, nil, 413, "RequestEntityTooLarge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/app/calls", tok, tc.body, tc.hdr...)
			if r.status != tc.status || r.errorCode(t) != tc.code {
				t.Errorf("%d %s; want %d %s", r.status, r.body, tc.status, tc.code)
			}
		})
	}
	t.Run("over 1 MiB chunked", func(t *testing.T) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/app/calls", io.MultiReader(strings.NewReader(big)))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	t.Run("charset parameter accepted", func(t *testing.T) {
		r := e.do("POST", "/app/calls", tok, meetingBody(rc.URL()), "Content-Type", "application/json; charset=utf-8")
		if r.status != http.StatusCreated {
			t.Errorf("%d %s", r.status, r.body)
		}
	})
}

func TestLocationUsesBaseURL(t *testing.T) {
	e := newEnv(t, Config{BaseURL: "https://graph.example/beta/"})
	rc := newReceiver(t)
	r := e.do("POST", "/app/calls", e.token(ClientCalling), meetingBody(rc.URL()))
	loc := r.header.Get("Location")
	if !regexp.MustCompile(`^https://graph\.example/beta/app/calls/[0-9a-f-]{36}$`).MatchString(loc) {
		t.Errorf("Location %q", loc)
	}
}

func TestStartServes(t *testing.T) {
	srv, err := Start("127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") || srv.TokenURL != srv.URL+srv.Sim.TokenPath() ||
		srv.OpenIDConfigURL != srv.URL+"/.well-known/openid-configuration" {
		t.Errorf("URLs %s %s %s", srv.URL, srv.TokenURL, srv.OpenIDConfigURL)
	}
	r, err := doRequest(srv.URL, "GET", "/_control", "", nil)
	if err != nil || r.status != http.StatusOK {
		t.Fatalf("GET /_control: %v %d", err, r.status)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := doRequest(srv.URL, "GET", "/_control", "", nil); err == nil {
		t.Error("still serving after Close")
	}
	if _, err := Start("127.0.0.1:0", Config{Profile: "v1.0"}); err == nil {
		t.Error("Start accepted a bad config")
	}
	if _, err := Start("256.0.0.1:0", Config{}); err == nil {
		t.Error("Start accepted a bad address")
	}
}
