// Package faketarget is a tiny, scriptable implementation of one invite flow,
// for tests of the harness and the CLI: it answers an invite and POSTs the
// operation and roster notifications, and can misbehave on purpose.
package faketarget

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"
)

// Faults make the target misbehave; the zero value is conformant.
type Faults struct {
	Status        int    // answer invite with this status; 0 = 202
	Body          string // answer invite with this body (and no notification when Status is not 2xx)
	NoLocation    bool   // omit Location
	Swap          bool   // send the roster before the operation completion
	DropRoster    bool   // never send the roster
	WrongResource bool   // post the completion on another call's resource
	Silent        bool   // send no notification at all
	Hang          bool   // never answer the invite (until the server closes)
	Storm         int    // after the flow, POST this many extra notifications
	Malformed     bool   // POST malformed JSON to the callback before answering
	// Redeliver POSTs every notification twice, as a service does whose
	// first delivery timed out: delivery is at least once.
	Redeliver bool
	// TokenError makes the token endpoint (TokenPath) refuse every client
	// with 401 and this OAuth2 error code; "" = it grants a token to any.
	TokenError string
}

// TokenPath is the path of the fake target's OAuth2 token endpoint.
const TokenPath = "/oauth2/v2.0/token"

// Server is a running fake target. Close it.
type Server struct {
	*httptest.Server
	Faults Faults
	wg     sync.WaitGroup
	hang   chan struct{}
	once   sync.Once
	tokens atomic.Int64 // token requests answered
}

// FlowFixture is a fixture that passes against a conformant fake target.
const FlowFixture = `id: fake-invite
title: Invite on the fake target
labels: [invite]
steps:
  - send: POST /app/calls/c1/participants/invite
    body: {callback: "{{callbackUrl}}", participants: [{identity: {user: {id: u1}}}]}
    expect:
      status: 202
      headers: {Location: "~/app/calls/c1/operations/[^/]+$"}
    capture: {opId: {header: Location, regex: "operations/([^/]+)$"}}
  - await:
      within: 1s
      expect:
        - {name: opDone, changeType: deleted, resource: "/app/calls/c1/operations/{{opId}}", where: {resourceData.status: completed}}
        - {name: roster, after: [opDone], changeType: updated, resource: /app/calls/c1/participants}
`

// Start starts a fake target with faults f.
func Start(f Faults) *Server {
	s := &Server{Faults: f, hang: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /app/calls/{id}/participants/invite", s.invite)
	mux.HandleFunc("POST "+TokenPath, s.token)
	s.Server = httptest.NewServer(mux)
	return s
}

// Close stops the server after the notifications it is sending.
func (s *Server) Close() {
	s.once.Do(func() { close(s.hang) })
	s.wg.Wait()
	s.Server.Close()
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request) {
	if s.Faults.Hang {
		select {
		case <-s.hang:
		case <-r.Context().Done():
		}
		return
	}
	var body struct {
		Callback string `json:"callback"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Callback == "" {
		http.Error(w, `{"error":{"code":"BadRequest","message":"callback required"}}`, http.StatusBadRequest)
		return
	}
	if s.Faults.Malformed {
		if resp, err := client.Post(body.Callback, "application/json", bytes.NewReader([]byte("{not json"))); err == nil {
			resp.Body.Close()
		}
	}
	call := r.PathValue("id")
	if !s.answer(w, r, call) || s.Faults.Silent {
		return
	}
	posts := s.notifications(call)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for _, p := range posts {
			if post(body.Callback, p) != nil {
				return
			}
			if s.Faults.Redeliver && post(body.Callback, p) != nil {
				return
			}
		}
	}()
}

// answer answers the invite on call as the faults say; false when the
// answer is an error, which no notification follows.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, call string) bool {
	if !s.Faults.NoLocation {
		w.Header().Set("Location", fmt.Sprintf("http://%s/app/calls/%s/operations/op1", r.Host, call))
	}
	status := s.Faults.Status
	if status == 0 {
		status = http.StatusAccepted
	}
	if s.Faults.Body != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	if s.Faults.Body != "" {
		_, _ = w.Write([]byte(s.Faults.Body))
		if status < 200 || status > 299 {
			return false
		}
	}
	return true
}

// notifications are the POSTs that follow an invite on call, each a list
// of items: the operation's completion and the roster, as the faults
// order them, then the storm.
func (s *Server) notifications(call string) [][]map[string]any {
	opRes := fmt.Sprintf("/app/calls/%s/operations/op1", call)
	if s.Faults.WrongResource {
		opRes = "/app/calls/other/operations/op1"
	}
	done := item("deleted", opRes, map[string]any{"@odata.type": "#microsoft.graph.commsOperation", "status": "completed"})
	roster := item("updated", fmt.Sprintf("/app/calls/%s/participants", call), []any{map[string]any{"info": map[string]any{"identity": map[string]any{"user": map[string]any{"id": "u1"}}}}})
	seq := []map[string]any{done, roster}
	switch {
	case s.Faults.DropRoster:
		seq = seq[:1]
	case s.Faults.Swap:
		seq = []map[string]any{roster, done}
	}
	posts := make([][]map[string]any, 0, len(seq))
	for _, it := range seq {
		posts = append(posts, []map[string]any{it})
	}
	// A storm comes in batches of 500 items a POST, as a service may batch.
	for i := 0; i < s.Faults.Storm; i += 500 {
		var batch []map[string]any
		for k := i; k < min(i+500, s.Faults.Storm); k++ {
			batch = append(batch, item("updated", "/app/calls/"+call, map[string]any{"state": "established", "n": k}))
		}
		posts = append(posts, batch)
	}
	return posts
}

// TokenRequests is how many token requests the server has answered.
func (s *Server) TokenRequests() int { return int(s.tokens.Load()) }

// token answers a client-credentials token request as the faults say.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.tokens.Add(1)
	w.Header().Set("Content-Type", "application/json")
	if s.Faults.TokenError != "" {
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{
			"error":             s.Faults.TokenError,
			"error_description": "AADSTS7000215: Invalid client secret provided. Trace ID: 0000\r\nCorrelation ID: 1111",
		})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "fake-access-token", "token_type": "Bearer", "expires_in": 3600})
}

func item(changeType, resource string, data any) map[string]any {
	return map[string]any{"changeType": changeType, "resource": resource, "resourceData": data}
}

var client = &http.Client{Timeout: 5 * time.Second}

func post(url string, items []map[string]any) error {
	b, _ := json.Marshal(map[string]any{"value": items})
	resp, err := client.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}
