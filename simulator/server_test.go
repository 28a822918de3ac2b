package simulator

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
	"time"

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
		{"an encoding it cannot read", `{"callback":"x"}`, []string{"Content-Encoding", "br"}, 415, "UnsupportedMediaType"},
		{"gzip that is not", `{"callback":"x"}`, []string{"Content-Encoding", "gzip"}, 400, "BadRequest"},
		{"gzip over 1 MiB once inflated", gzipped(t, big), []string{"Content-Encoding", "gzip"}, 413, "RequestEntityTooLarge"},
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
	if _, err := Start("127.0.0.1:0", Config{Profile: "v2"}); err == nil {
		t.Error("Start accepted a bad config")
	}
	if _, err := Start("256.0.0.1:0", Config{}); err == nil {
		t.Error("Start accepted a bad address")
	}
}

// startServer starts a simulator on loopback with server settings sc and
// closes it at the end of the test.
func startServer(t *testing.T, sc ServerConfig) *Server {
	t.Helper()
	srv, err := Start("127.0.0.1:0", Config{Server: sc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// dial opens a raw connection to srv.
func dial(t *testing.T, srv *Server) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// trickle writes one byte of b every tick until it is written, the
// connection fails or stop is closed.
func trickle(conn net.Conn, b []byte, tick time.Duration, stop <-chan struct{}) {
	tk := time.NewTicker(tick)
	defer tk.Stop()
	for i := range b {
		select {
		case <-tk.C:
		case <-stop:
			return
		}
		if _, err := conn.Write(b[i : i+1]); err != nil {
			return
		}
	}
}

// waitClosed reads conn until the server closes it; it fails the test if
// the connection is still open after waitBound. It returns what was read.
func waitClosed(t *testing.T, conn net.Conn) string {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(waitBound)); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the server did not close the connection within %v; read %q", waitBound, got)
	}
	return string(got)
}

// A client that sends its body slowly is cut off by ReadTimeout, one that
// sends its headers slowly by ReadHeaderTimeout.
func TestServerCutsSlowClients(t *testing.T) {
	srv := startServer(t, ServerConfig{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 300 * time.Millisecond})
	t.Run("slow body", func(t *testing.T) {
		conn := dial(t, srv)
		head := "POST /_control/incoming-calls HTTP/1.1\r\nHost: sim\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n"
		if _, err := io.WriteString(conn, head+"{"); err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		defer close(stop)
		go trickle(conn, bytes.Repeat([]byte(" "), 4000), 20*time.Millisecond, stop)
		if got := waitClosed(t, conn); got != "" && !strings.HasPrefix(got, "HTTP/1.1 400") {
			t.Errorf("answer to a body that never came: %q", got)
		}
	})
	t.Run("slow headers", func(t *testing.T) {
		conn := dial(t, srv)
		stop := make(chan struct{})
		defer close(stop)
		go trickle(conn, []byte("GET /_control HTTP/1.1\r\nHost: sim\r\nX-Pad: "+strings.Repeat("x", 4000)), 20*time.Millisecond, stop)
		waitClosed(t, conn)
	})
}

// Close returns at once when no request is in progress, whatever
// connections are open: an idle keep-alive connection, a spare connection
// that never carried a request, and one whose request never finished
// arriving. The shutdown grace and the read timeouts are far longer than
// the test's bound. http.Server.Shutdown alone drops the last two only
// once they are 5 s old (that hung "replay run" for 5 s), so the bound is
// below that, yet a thousand times what Close takes on a busy machine.
func TestCloseDropsConnectionsWithoutRequests(t *testing.T) {
	const closeBound = 4 * time.Second
	long := 10 * time.Minute
	srv, err := Start("127.0.0.1:0", Config{Server: ServerConfig{
		ReadHeaderTimeout: long, ReadTimeout: long, IdleTimeout: long, ShutdownTimeout: long}})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(srv.URL + "/_control")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close() // the connection goes back to the pool, idle
	spare := dial(t, srv)
	partial := dial(t, srv)
	if _, err := io.WriteString(partial, "GET /_control HTTP/1.1\r\nHost: si"); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(closeBound):
		t.Fatalf("Close still running after %v with connections open and no request in progress", closeBound)
	}
	waitClosed(t, spare)
	waitClosed(t, partial)
	if _, err := doRequest(srv.URL, "GET", "/_control", "", nil); err == nil {
		t.Error("still serving after Close")
	}
}

// Close waits for a request in progress: the answer is written whole.
func TestCloseWaitsForRequestInProgress(t *testing.T) {
	started := make(chan struct{}, 1)
	testHookRequestStarted = func() { started <- struct{}{} }
	t.Cleanup(func() { testHookRequestStarted = nil })
	srv := startServer(t, ServerConfig{})
	conn := dial(t, srv)
	// A request whose body is not all there yet is in progress (its
	// handler is reading); Close must let it finish.
	head := "POST /_control/incoming-calls HTTP/1.1\r\nHost: sim\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(waitBound):
		t.Fatal("the request never reached its handler")
	}
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	if _, err := io.WriteString(conn, "}"); err != nil {
		t.Fatal(err)
	}
	if got := waitClosed(t, conn); !strings.HasPrefix(got, "HTTP/1.1 400") || !strings.Contains(got, "callback is required") {
		t.Errorf("the request in progress was not answered whole: %q", got)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(waitBound):
		t.Fatal("Close did not return once the request was answered")
	}
}

// readAll reads a body whole whatever size the request announced.
func TestReadAllAnySize(t *testing.T) {
	body := strings.Repeat("0123456789", 100)
	for _, n := range []int64{-1, 0, 1, 999, 1000, 1001, 5000, maxBody + 1} {
		got, err := readAll(iotest.OneByteReader(strings.NewReader(body)), n)
		if err != nil || string(got) != body {
			t.Errorf("announced %d: %d bytes, %v", n, len(got), err)
		}
	}
	if _, err := readAll(iotest.ErrReader(io.ErrUnexpectedEOF), 10); err != io.ErrUnexpectedEOF {
		t.Errorf("a failing reader: %v", err)
	}
}

// gzipped compresses s, as Microsoft's Graph SDKs send request bodies.
func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := io.WriteString(zw, s); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGzipBodiesAreRead: a bot on Microsoft's Graph SDK gzips its request
// bodies by default; the simulator reads them as the service does.
func TestGzipBodiesAreRead(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	body, err := json.Marshal(meetingBody(rc.URL()))
	if err != nil {
		t.Fatal(err)
	}
	r := e.do("POST", "/app/calls", e.token(ClientCalling), gzipped(t, string(body)), "Content-Encoding", "gzip")
	if r.status != http.StatusCreated {
		t.Fatalf("a gzip body: %d %s, want 201", r.status, r.body)
	}
}
