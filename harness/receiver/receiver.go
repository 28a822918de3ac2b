// Package receiver is the callback server a target POSTs commsNotifications
// to: each run gets its own callback path, and the value[] items posted to it
// are flattened, numbered in arrival order, marked when they repeat an
// earlier item (delivery is at least once) and recorded in the run's
// timeline.
//
// It is meant to be imported, as the receiver of a harness.Runner.
package receiver

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/guid"
)

// Defaults applied to a zero Config.
const (
	DefaultListen    = "127.0.0.1:0"
	DefaultMaxBody   = 1 << 20 // 1 MiB
	DefaultMaxPerRun = 10000
	DefaultStatus    = http.StatusAccepted
)

// callbackPrefix is the path under which every run has its callback.
const callbackPrefix = "/callbacks/"

// Config configures a Receiver. The zero value works: a loopback listener on a
// free port that accepts every well-formed notification.
type Config struct {
	// Listen is the TCP address to listen on; "" means "127.0.0.1:0", a free
	// loopback port.
	Listen string
	// PublicURL is the base URL the target must post to, such as a tunnel's
	// address; "" means "http://" + the listener's address. When it has a path
	// (https://tunnel.example/bot), callbacks are served both under that path
	// and without it, whichever way the tunnel forwards them.
	PublicURL string
	// MaxBody bounds the size of one POST's body in bytes; 0 (or less) means
	// 1 MiB. A larger body is answered 413.
	MaxBody int64
	// MaxPerRun bounds the notification items kept per run, and separately the
	// refusals kept per run; 0 (or less) means 10000. Past it the run is marked
	// overflowed (Inbox.Err) and further items are dropped, so memory stays
	// bounded whatever the target sends.
	MaxPerRun int
	// Verifier checks the bearer token of each notification POST; nil means
	// tokens are not checked.
	Verifier *Verifier
	// Status is the status answered to accepted POSTs; 0 means 202 Accepted.
	Status int
}

// Receiver is a running callback server. It is safe for concurrent use.
type Receiver struct {
	cfg    Config
	base   string // public base URL, without a trailing slash
	prefix string // path of the public base URL, without a trailing slash; "" when none
	ln     net.Listener
	srv    *http.Server
	served chan struct{} // closed when Serve returns

	mu     sync.Mutex
	runs   map[string]*Inbox // by callback id
	closed bool
}

// Start listens on cfg.Listen and serves callbacks until Close. The caller
// must call Close when finished.
func Start(cfg Config) (*Receiver, error) {
	cfg, public, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("start callback receiver: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("start callback receiver: %w", err)
	}
	rc := &Receiver{
		cfg:    cfg,
		ln:     ln,
		served: make(chan struct{}),
		runs:   make(map[string]*Inbox),
	}
	if public != nil {
		rc.prefix = strings.TrimRight(public.EscapedPath(), "/")
		rc.base = strings.TrimRight(public.String(), "/")
	} else {
		rc.base = "http://" + ln.Addr().String()
	}
	rc.srv = &http.Server{
		Handler:           http.HandlerFunc(rc.serve),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	go func() {
		defer close(rc.served)
		_ = rc.srv.Serve(ln) // always returns an error; ErrServerClosed after Close
	}()
	return rc, nil
}

// withDefaults returns cfg with its zero fields set to their defaults, and
// its public URL parsed (nil when none), or why cfg cannot work.
func (cfg Config) withDefaults() (Config, *url.URL, error) {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxPerRun <= 0 {
		cfg.MaxPerRun = DefaultMaxPerRun
	}
	if cfg.Status == 0 {
		cfg.Status = DefaultStatus
	}
	if cfg.Status < 100 || cfg.Status > 999 {
		return cfg, nil, fmt.Errorf("invalid status %d", cfg.Status)
	}
	if v := cfg.Verifier; v != nil && (v.OpenIDConfigURL == "" || v.Audience == "") {
		return cfg, nil, errors.New("verifier needs OpenIDConfigURL and Audience")
	}
	if cfg.PublicURL == "" {
		return cfg, nil, nil
	}
	u, err := url.Parse(cfg.PublicURL)
	if err != nil {
		return cfg, nil, fmt.Errorf("public url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return cfg, nil, fmt.Errorf("public url %q is not an http(s) base url", cfg.PublicURL)
	}
	return cfg, u, nil
}

// URL returns the public base URL of the receiver, without a trailing slash.
func (rc *Receiver) URL() string { return rc.base }

// Close stops the server, drops open connections and closes every run: their
// Wait returns ErrClosed from then on. It is safe to call more than once.
func (rc *Receiver) Close() error {
	rc.mu.Lock()
	if rc.closed {
		rc.mu.Unlock()
		return nil
	}
	rc.closed = true
	runs := rc.runs
	rc.runs = map[string]*Inbox{}
	rc.mu.Unlock()

	for _, r := range runs {
		r.markClosed()
	}
	err := rc.srv.Close()
	<-rc.served
	if err != nil {
		return fmt.Errorf("close callback receiver: %w", err)
	}
	return nil
}

// NewInbox registers a fresh callback path (/callbacks/{random id}) whose
// notifications and refusals are recorded in tl; a nil tl means a private
// timeline (see Inbox.Timeline). The caller should Close the run when finished;
// Receiver.Close closes every run.
func (rc *Receiver) NewInbox(tl *timeline.Timeline) *Inbox {
	if tl == nil {
		tl = &timeline.Timeline{}
	}
	id := guid.New().Hex() // 32 hex digits: unguessable, and safe in a path
	r := &Inbox{
		rc:      rc,
		id:      id,
		path:    callbackPrefix + id,
		url:     rc.base + callbackPrefix + id,
		tl:      tl,
		max:     rc.cfg.MaxPerRun,
		changed: make(chan struct{}),
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.closed {
		r.closed = true
		return r
	}
	rc.runs[id] = r
	return r
}

// unregister forgets the run with the given id.
func (rc *Receiver) unregister(id string) {
	rc.mu.Lock()
	delete(rc.runs, id)
	rc.mu.Unlock()
}

// lookup returns the run a request path belongs to, or nil.
func (rc *Receiver) lookup(path string) *Inbox {
	if rc.prefix != "" && strings.HasPrefix(path, rc.prefix+"/") {
		path = path[len(rc.prefix):]
	}
	id, ok := strings.CutPrefix(path, callbackPrefix)
	if !ok || id == "" || strings.Contains(id, "/") {
		return nil
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.runs[id]
}

// serve handles one POST to a callback path.
func (rc *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	run := rc.lookup(req.URL.EscapedPath())
	if run == nil {
		http.NotFound(w, req)
		return
	}
	header := timeline.RedactHeader(req.Header)
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		rc.refuse(w, req, run, header, http.StatusMethodNotAllowed, "method "+req.Method+" not allowed: callbacks accept POST only")
		return
	}
	if v := rc.cfg.Verifier; v != nil {
		if err := v.Verify(req.Context(), req.Header.Get("Authorization")); err != nil {
			rc.refuse(w, req, run, header, http.StatusUnauthorized, err.Error())
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, rc.cfg.MaxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			rc.refuse(w, req, run, header, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", rc.cfg.MaxBody))
			return
		}
		rc.refuse(w, req, run, header, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	items, err := parseNotifications(body)
	if err != nil {
		rc.refuse(w, req, run, header, http.StatusBadRequest, err.Error())
		return
	}
	if !run.accept(req.URL.Path, header, items) {
		http.NotFound(w, req) // the run was closed while the body was read
		return
	}
	w.WriteHeader(rc.cfg.Status)
}

// refuse answers status with reason as the body and records the refusal on run.
func (rc *Receiver) refuse(w http.ResponseWriter, req *http.Request, run *Inbox, header http.Header, status int, reason string) {
	reason = timeline.RedactString(reason)
	run.refuse(req.Method, req.URL.Path, header, status, reason)
	http.Error(w, reason, status)
}
