package interop

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/simulator"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"golang.org/x/oauth2"
)

func TestNewClientRefusesBadSettings(t *testing.T) {
	creds := Credentials{TokenURL: "https://login.example/t/oauth2/v2.0/token", ClientID: "id", ClientSecret: "s"}
	for name, cfg := range map[string]ClientConfig{
		"no base URL":       {Credentials: creds},
		"relative base URL": {BaseURL: "/v1.0", Credentials: creds},
		"no credentials":    {BaseURL: "https://graph.example/v1.0"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := NewClient(cfg); !errors.Is(err, ErrConfig) {
				t.Errorf("error %v; want ErrConfig", err)
			}
		})
	}
}

// The SDK, its base URL the simulator's and its tokens from the
// simulator's token endpoint, reads a beta-2018 call, its roster and an
// operation, hangs up, and reads the 404 that follows as an ODataError.
// The beta-2018 paths are under /app/calls, which the SDK's request
// builders do not write, so each request names its URL (WithUrl).
func TestSDKDrivesTheBeta2018Simulator(t *testing.T) {
	srv := startSim(t, simulator.Config{})
	cb := newCallback(t)
	tok := callingToken(t, srv)
	r := do(t, srv, tok, http.MethodPost, "/app/calls", meetingCall(cb.URL()))
	if r.status != http.StatusCreated {
		t.Fatalf("create call: %d %s", r.status, r.body)
	}
	id := locationID(t, r)
	cb.waitFor(t, "established call", has("updated call:established"), betaRes(id)...)
	r = do(t, srv, tok, http.MethodPost, "/app/calls/"+id+"/participants/invite",
		map[string]any{"participants": []any{invitee()}, "clientContext": "sdk-read"})
	if r.status != http.StatusAccepted {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	opID := locationID(t, r)
	cb.waitFor(t, "roster", has("updated roster"), betaRes(id)...)

	client, err := NewClient(ClientConfig{BaseURL: srv.URL, Credentials: callingCredentials(t, srv)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	callURL := srv.URL + "/app/calls/" + id
	calls := client.Communications().Calls()

	call, err := calls.ByCallId(id).WithUrl(callURL).Get(ctx, nil)
	if err != nil {
		t.Fatalf("SDK GET call: %v", err)
	}
	if g, ok := guid.Parse(deref(call.GetId())); !ok || g.String() != strings.ToLower(id) ||
		call.GetState() == nil || *call.GetState() != models.ESTABLISHED_CALLSTATE {
		t.Errorf("SDK read call id %q state %v; want %s established", deref(call.GetId()), call.GetState(), id)
	}

	roster, err := calls.ByCallId(id).Participants().WithUrl(callURL+"/participants").Get(ctx, nil)
	if err != nil {
		t.Fatalf("SDK GET participants: %v", err)
	}
	if n := len(roster.GetValue()); n != 2 {
		t.Errorf("SDK read %d participants, want 2 (the bot and the invitee)", n)
	}

	op, err := calls.ByCallId(id).Operations().ByCommsOperationId(opID).WithUrl(callURL+"/operations/"+opID).Get(ctx, nil)
	if err != nil {
		t.Fatalf("SDK GET operation: %v", err)
	}
	if g, ok := guid.Parse(deref(op.GetId())); !ok || !strings.EqualFold(g.String(), opID) && !strings.EqualFold(g.Compact(), opID) ||
		deref(op.GetClientContext()) != "sdk-read" {
		t.Errorf("SDK read operation id %q clientContext %q; want %s, sdk-read", deref(op.GetId()), deref(op.GetClientContext()), opID)
	}

	if err := calls.ByCallId(id).WithUrl(callURL).Delete(ctx, nil); err != nil {
		t.Fatalf("SDK DELETE call: %v", err)
	}
	_, err = calls.ByCallId(id).WithUrl(callURL).Get(ctx, nil)
	var odata *odataerrors.ODataError
	if !errors.As(err, &odata) || odata.GetStatusCode() != http.StatusNotFound ||
		odata.GetErrorEscaped() == nil || deref(odata.GetErrorEscaped().GetCode()) != "NotFound" {
		t.Errorf("SDK GET of a deleted call: %v; want an ODataError 404 NotFound", err)
	}
}

// With a secret the token endpoint refuses, the SDK's request fails with
// the token endpoint's OAuth error.
func TestSDKReportsARefusedSecret(t *testing.T) {
	srv := startSim(t, simulator.Config{})
	creds := callingCredentials(t, srv)
	creds.ClientSecret = "wrong"
	client, err := NewClient(ClientConfig{BaseURL: srv.URL, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	_, err = client.Communications().Calls().ByCallId("x").WithUrl(srv.URL+"/app/calls/x").Get(ctx, nil)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
		t.Errorf("error %v; want the token endpoint's invalid_client", err)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Without WithUrl, the SDK's requests go to the base URL plus its own
// paths: the beta-2018 simulator has no /communications/calls and says so
// in the Graph error shape, which the SDK reads.
func TestSDKRequestsGoToTheBaseURL(t *testing.T) {
	srv := startSim(t, simulator.Config{})
	client, err := NewClient(ClientConfig{BaseURL: srv.URL + "/", Credentials: callingCredentials(t, srv)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	_, err = client.Communications().Calls().ByCallId("c4115").Get(ctx, nil)
	var odata *odataerrors.ODataError
	if !errors.As(err, &odata) || odata.GetStatusCode() != http.StatusNotFound || odata.GetErrorEscaped() == nil ||
		!strings.Contains(deref(odata.GetErrorEscaped().GetMessage()), "GET /communications/calls/c4115") {
		t.Errorf("SDK GET: %v; want the simulator's 404 for GET /communications/calls/c4115", err)
	}
}

// The SDK compresses request bodies by default; UncompressedBodies turns
// that off and nothing else.
func TestNewClientCompression(t *testing.T) {
	for name, tc := range map[string]struct {
		uncompressed bool
		encoding     string
	}{
		"SDK default":        {false, "gzip"},
		"UncompressedBodies": {true, ""},
	} {
		t.Run(name, func(t *testing.T) {
			encodings := make(chan string, 4)
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/token" {
					w.Header().Set("Content-Type", "application/json")
					_, _ = io.WriteString(w, `{"access_token":"t","token_type":"Bearer","expires_in":3600}`)
					return
				}
				encodings <- r.Header.Get("Content-Encoding")
				rd := io.Reader(r.Body)
				if r.Header.Get("Content-Encoding") == "gzip" {
					zr, err := gzip.NewReader(r.Body)
					if err != nil {
						http.Error(w, "bad gzip", http.StatusBadRequest)
						return
					}
					rd = zr
				}
				var call struct{ CallbackURI string }
				if err := json.NewDecoder(rd).Decode(&call); err != nil || call.CallbackURI != "https://bot.example/cb" ||
					r.Header.Get("Authorization") != "Bearer t" {
					http.Error(w, "bad request", http.StatusBadRequest)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				_, _ = io.WriteString(w, `{"@odata.type":"#microsoft.graph.call","id":"c4115","state":"establishing"}`)
			}))
			defer ts.Close()
			client, err := NewClient(ClientConfig{BaseURL: ts.URL, UncompressedBodies: tc.uncompressed,
				Credentials: Credentials{TokenURL: ts.URL + "/token", ClientID: "id", ClientSecret: "s"}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitBound)
			defer cancel()
			call := models.NewCall()
			call.SetCallbackUri(ptr("https://bot.example/cb"))
			got, err := client.Communications().Calls().Post(ctx, call, nil)
			if err != nil || deref(got.GetId()) != "c4115" {
				t.Fatalf("SDK create call: %v", err)
			}
			if enc := <-encodings; enc != tc.encoding {
				t.Errorf("Content-Encoding %q, want %q", enc, tc.encoding)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
