package recorder

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func newTestRecorder(t *testing.T, upstream string) *Recorder {
	t.Helper()
	r, err := New(Config{Upstream: upstream, PublicURL: "https://rec.example.test/tunnel"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRewriteCallbacks(t *testing.T) {
	r := newTestRecorder(t, "http://127.0.0.1:1")
	body := `{"callback": "https://bot.example/cb?x=1&y=2",
  "note": "callback: https://bot.example/not-a-field",
  "nested": [{"callbackUri":"https://bot.example/media"}, {"callback": "not a url"}, {"CALLBACK": "https://bot.example/cb?x=1&y=2"}],
  "n": 1, "b": true, "z": null, "o": {"deep": {"callbackUrl": "http://bot.example/deep"}}}`
	out, ns := r.rewriteCallbacks([]byte(body))
	want := `{"callback": "https://rec.example.test/tunnel/callbacks/1",
  "note": "callback: https://bot.example/not-a-field",
  "nested": [{"callbackUri":"https://rec.example.test/tunnel/callbacks/2"}, {"callback": "not a url"}, {"CALLBACK": "https://rec.example.test/tunnel/callbacks/1"}],
  "n": 1, "b": true, "z": null, "o": {"deep": {"callbackUrl": "https://rec.example.test/tunnel/callbacks/3"}}}`
	if string(out) != want {
		t.Errorf("rewritten:\n%s\nwant:\n%s", out, want)
	}
	if len(ns) != 3 || ns[0] != 1 || ns[1] != 2 || ns[2] != 3 {
		t.Errorf("numbers %v, want [1 2 3]", ns)
	}
	if bot, _ := r.botURL(1); bot != "https://bot.example/cb?x=1&y=2" {
		t.Errorf("callback 1 is %q", bot)
	}
	// The answer gives the bot its own URLs back.
	echo := `{"callback":"https://rec.example.test/tunnel/callbacks/1","x":"https://rec.example.test/tunnel/callbacks/3/y","z":"https://rec.example.test/tunnel/callbacks/99"}`
	got := string(r.restoreCallbacks([]byte(echo)))
	wantEcho := `{"callback":"https://bot.example/cb?x=1&y=2","x":"http://bot.example/deep/y","z":"https://rec.example.test/tunnel/callbacks/99"}`
	if got != wantEcho {
		t.Errorf("restored:\n%s\nwant:\n%s", got, wantEcho)
	}
	// Not JSON, or no callback: unchanged.
	for _, b := range []string{`{"callback": "https://bot`, `callback=https://bot.example`, `{"other":"https://bot.example"}`} {
		if out, ns := r.rewriteCallbacks([]byte(b)); string(out) != b || ns != nil {
			t.Errorf("rewriteCallbacks(%q) = %q, %v", b, out, ns)
		}
	}
}

func TestCallbackPaths(t *testing.T) {
	r := newTestRecorder(t, "http://127.0.0.1:1")
	r.register("http://bot.example/cb")
	for path, want := range map[string]int{
		"/tunnel/callbacks/1": 1, "/callbacks/1": 1, "/callbacks/x": 0, "/callbacks/0": 0, "/app/calls": 0,
	} {
		n, ok := r.callbackIndex(path)
		if n != want || ok != (want > 0) {
			t.Errorf("callbackIndex(%s) = %d, %v", path, n, ok)
		}
	}
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{"POST", "/callbacks/7", http.StatusNotFound},
		{"GET", "/callbacks/1", http.StatusMethodNotAllowed},
	} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, strings.NewReader("{}")))
		if w.Code != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, w.Code, tt.status)
		}
	}
	if st := r.Stats(); st.Notifications != 0 {
		t.Errorf("refused notifications were recorded: %+v", st)
	}
}

// TestRelayGivesTheBotsAnswerBack: the upstream gets the bot's own status
// and body; a notification the bot refused with a retryable status and that
// the upstream sent again is recorded once.
func TestRelayGivesTheBotsAnswerBack(t *testing.T) {
	fails := 1
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Authorization") != "Bearer signed-by-the-service" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		if fails > 0 {
			fails--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("X-Bot", "yes")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("thanks"))
	}))
	defer bot.Close()
	r := newTestRecorder(t, "http://127.0.0.1:1")
	n := r.register(bot.URL)
	post := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", r.callbackURL(n), strings.NewReader(`{"value":[{"changeType":"deleted","resource":"/app/calls/57DAB8B1894C409AB240BD8BEAE78896"}]}`))
		req.Header.Set("Authorization", "Bearer signed-by-the-service")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	if w := post(); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("first delivery: %d, want the bot's 503", w.Code)
	}
	w := post()
	if w.Code != http.StatusAccepted || w.Body.String() != "thanks" || w.Header().Get("X-Bot") != "yes" {
		t.Fatalf("second delivery: %d %q %v", w.Code, w.Body, w.Header())
	}
	xs := kept(t, &r.journal)
	if len(xs) != 1 || xs[0].botStatus != http.StatusAccepted {
		t.Fatalf("recorded %d notifications (%+v), want the delivered one only", len(xs), xs)
	}
}

// TestRelayRecordsARedeliveryOnce: the upstream delivers a notification
// again although the bot accepted it (the upstream's wait for the answer
// ran out): the bot gets both deliveries, the fixture holds it once, and
// Stats counts the second as a redelivery.
func TestRelayRecordsARedeliveryOnce(t *testing.T) {
	deliveries := 0
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		deliveries++
		w.WriteHeader(http.StatusAccepted)
	}))
	defer bot.Close()
	r := newTestRecorder(t, "http://127.0.0.1:1")
	n := r.register(bot.URL)
	const body = `{"value":[{"changeType":"updated","resource":"/app/calls/57DAB8B1894C409AB240BD8BEAE78896","resourceData":{"state":"established"}}]}`
	for i := range 2 {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("POST", r.callbackURL(n), strings.NewReader(body)))
		if w.Code != http.StatusAccepted {
			t.Fatalf("delivery %d: %d, want the bot's 202", i+1, w.Code)
		}
	}
	if deliveries != 2 {
		t.Errorf("the bot got %d deliveries, want both", deliveries)
	}
	if xs := kept(t, &r.journal); len(xs) != 1 {
		t.Errorf("the fixture would hold %d notifications, want 1", len(xs))
	}
	if diff := cmp.Diff(Stats{Notifications: 2, Redeliveries: 1}, r.Stats(), ignoreBytes); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}
