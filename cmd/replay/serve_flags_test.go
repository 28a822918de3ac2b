package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// varsFixture creates a call for the user {{userId}}, identified by it.
const varsFixture = `id: vars
title: Vars
vars: {userId: default-user}
steps:
  - name: create
    send: POST /communications/calls
    body: {callbackUri: "{{callbackUrl}}", subject: Weekly, targets: [{identity: {user: {id: "{{userId}}"}}}]}
    match: [targets.0.identity.user.id]
    expect: {status: 201}
`

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func post(t *testing.T, url, header, body string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	if header != "" {
		req.Header.Set("Authorization", header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func createFor(user string) string {
	return `{"callbackUri":"http://127.0.0.1:1/cb","subject":"Other","targets":[{"identity":{"user":{"id":"` + user + `"}}}]}`
}

// --vars fixes a variable: the bot must send that value. A request that
// matches no step is printed at once with its closest step and diff, even
// under -q.
func TestServeVarsFixAVariable(t *testing.T) {
	fx := writeFile(t, "vars.yaml", varsFixture)
	vars := writeFile(t, "vars-file.yaml", "userId: 05e10000-0000-4000-8000-000000000001\n")
	s := startServe(t, "-q", "--vars", vars, "--speed", "0", fx) // -q: the unmatched request is printed still
	if code := post(t, s.url+"/communications/calls", "", createFor("default-user")); code != http.StatusBadRequest {
		t.Fatalf("the fixture's default user answered %d, want 400", code)
	}
	s.waitFor(t, regexp.MustCompile(`(?s)unmatched: POST /communications/calls \(closest: vars step 1.*- body.targets.0.identity.user.id: "05e10000-0000-4000-8000-000000000001"\n.*\+ body.targets.0.identity.user.id: "default-user"\n`))
	if code := post(t, s.url+"/communications/calls", "", createFor("05E10000-0000-4000-8000-000000000001")); code != http.StatusCreated {
		t.Fatalf("the user of --vars answered %d, want 201:\n%s", code, s.out)
	}
}

func TestServeRequireToken(t *testing.T) {
	fx := writeFile(t, "vars.yaml", varsFixture)
	s := startServe(t, "--require-token", "--timeout", "30s", fx)
	if code := post(t, s.url+"/communications/calls", "Bearer not-a-jwt", createFor("u")); code != http.StatusUnauthorized {
		t.Fatalf("a request without a token answered %d, want 401", code)
	}
	s.waitFor(t, regexp.MustCompile(`refused: POST /communications/calls: access token refused: the token is not a JWT`))
	if strings.Contains(s.out.String(), "not-a-jwt") {
		t.Errorf("the console shows the token:\n%s", s.out)
	}
}

// A bot that refuses the incoming call twice (still starting) gets it at
// the third attempt.
func TestServeBotWaitRetriesTheTrigger(t *testing.T) {
	var mu sync.Mutex
	posts := 0
	got := make(chan string, 4)
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		posts++
		if posts <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		got <- r.URL.Path
		w.WriteHeader(http.StatusOK)
	}))
	defer bot.Close()
	s := startServe(t, "--bot-webhook", bot.URL+"/webhook", "--bot-wait", "1m", "--speed", "0", answerCall)
	select {
	case p := <-got:
		if p != "/webhook" {
			t.Errorf("incoming call at %s", p)
		}
	case <-s.exited:
		t.Fatalf("serve exited:\n%s", s.out)
	case <-time.After(waitBound):
		t.Fatalf("no incoming call within %s:\n%s", waitBound, s.out)
	}
	mu.Lock()
	defer mu.Unlock()
	if posts != 3 {
		t.Errorf("the bot got %d POSTs, want 3", posts)
	}
}

func TestServeFlagUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--bot-wait", "-1s", joinCall}, "--bot-wait must be 0 or more"},
		{[]string{"--vars", "no-such-vars.yaml", joinCall}, "no-such-vars.yaml"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"serve"}, tt.args...), &out, &errOut)
		if code != exitUsage || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("serve %v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut.String(), tt.want)
		}
	}
}
