// Package recorder is a capture proxy between a bot and a calls API service:
// it forwards the bot's requests and the service's notifications both ways,
// and writes what passed as a fixture, redacted and generalized.
package recorder

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/secret"
)

// DefaultMaxBody bounds a request or notification body: 4 MiB.
const DefaultMaxBody = 4 << 20

// maxRecordedBody bounds the part of an answer's body kept for the
// fixture: 1 MiB. The bot receives the whole body.
const maxRecordedBody = 1 << 20

// CallbackPrefix is the path under the public URL where the upstream posts
// notifications: {PublicURL}/callbacks/{n}, one n per callback the bot gave.
const CallbackPrefix = "/callbacks/"

// Config configures a Recorder.
type Config struct {
	// Upstream is the base URL of the service, such as
	// https://graph.microsoft.com/beta or a simulator's URL. Required.
	Upstream string
	// PublicURL is the base URL at which the upstream reaches the recorder
	// to post notifications (a tunnel's address when the upstream is not on
	// this machine). New requires it; Start defaults it to the address it
	// listens on.
	PublicURL string
	// Rules scrub what is recorded; nil means DefaultRules(). They are used
	// as given: add DefaultRules() to extend the defaults.
	Rules []fixture.RedactionRule
	// AppID and TenantID are the bot's application and tenant ids, written
	// as {{appId}} and {{tenantId}} in the fixture. "" means read from the
	// appid (or azp) and tid claims of the first bearer token the bot sends.
	AppID, TenantID string
	// Transport sends the bot's requests to the upstream; nil means a
	// keep-alive transport with up to 256 idle connections to the upstream.
	Transport http.RoundTripper
	// BotClient posts notifications to the bot's callbacks; nil means a
	// client that does not follow redirects (the bot's 3xx goes back to the
	// upstream as it is) and gives up after 30 s.
	BotClient *http.Client
	// MaxBody bounds a request or notification body in bytes; 0 means
	// DefaultMaxBody. A larger one is answered 413 and not forwarded.
	MaxBody int64
	// Logger receives forwarding failures; nil means discard.
	Logger *slog.Logger
	// ReadTimeout bounds how long Start's server reads one request, body
	// included, so that a client sending slowly cannot hold a connection;
	// 0 means 30 s.
	ReadTimeout time.Duration
	// JournalPath is the file each exchange is appended to, redacted, the
	// moment it completes (mode 0600; New refuses an existing file), so
	// that a recorder killed loses only the exchanges in flight; Finish
	// turns it into a fixture. "" keeps the journal in memory.
	JournalPath string
	// BaseURL is the recorder's base URL as the bot reaches it, which
	// replaces the upstream's in the Location header and the bodies of its
	// answers, so that a bot following them stays behind the recorder. ""
	// means http://{the Host the bot's request named}.
	BaseURL string
}

// Recorder is the capture proxy, an http.Handler: notifications to
// {PublicURL}/callbacks/{n} go to the bot, everything else to the upstream.
// Create it with New; it is safe for concurrent use.
type Recorder struct {
	cfg      Config
	upstream *url.URL
	public   string // PublicURL without its trailing slash
	pubPath  string // PublicURL's path, which a tunnel may or may not strip
	rules    []rule
	proxy    *httputil.ReverseProxy
	bot      *http.Client
	maxBody  int64
	log      *slog.Logger
	journal  journal
	file     *fileSink // the journal's file; nil when it is in memory

	cbMu sync.RWMutex
	cbs  []string // bot callback URL by n-1

	idMu     sync.Mutex
	idKnown  atomic.Bool
	appID    string
	tenantID string
}

// New checks cfg and returns a Recorder.
func New(cfg Config) (*Recorder, error) {
	up, err := parseBase("upstream", cfg.Upstream)
	if err != nil {
		return nil, err
	}
	pub, err := parseBase("public url", cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	if cfg.Rules == nil {
		cfg.Rules = DefaultRules()
	}
	rules, err := compileRules(cfg.Rules)
	if err != nil {
		return nil, fmt.Errorf("new recorder: %w", err)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.BaseURL != "" {
		if _, err := parseBase("base url", cfg.BaseURL); err != nil {
			return nil, err
		}
	}
	r := &Recorder{
		cfg: cfg, upstream: up, public: strings.TrimRight(pub.String(), "/"),
		pubPath: strings.TrimRight(pub.Path, "/"), rules: rules, maxBody: cfg.MaxBody,
		log: cfg.Logger, appID: cfg.AppID, tenantID: cfg.TenantID,
	}
	if err := r.openJournal(); err != nil {
		return nil, err
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if cfg.AppID != "" && cfg.TenantID != "" {
		r.idKnown.Store(true)
	}
	tr := cfg.Transport
	if tr == nil {
		tr = newTransport()
	}
	r.bot = cfg.BotClient
	if r.bot == nil {
		r.bot = &http.Client{
			Transport:     newTransport(),
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	r.proxy = &httputil.ReverseProxy{
		Rewrite:        r.rewrite,
		Transport:      tr,
		ModifyResponse: r.modifyResponse,
		ErrorHandler:   r.proxyError,
		ErrorLog:       slog.NewLogLogger(r.log.Handler(), slog.LevelDebug),
		BufferPool:     copyBuffers,
	}
	return r, nil
}

// openJournal makes the journal's scrubber and, with a JournalPath, its
// file.
func (r *Recorder) openJournal() error {
	r.journal.scrub = newJournalScrubber(r.rules, r.identity)
	if r.cfg.JournalPath == "" {
		return nil
	}
	f, err := createJournal(r.cfg.JournalPath, journalHeader{
		Journal: JournalFormat, Version: journalVersion, Upstream: redactedUpstream(r.upstream.String()),
		Started: time.Now().UTC(), Rules: r.cfg.Rules,
	})
	if err != nil {
		return fmt.Errorf("new recorder: %w", err)
	}
	r.file = f
	r.journal.sink = f
	return nil
}

// bufferPool lends the reverse proxy its copy buffers: without one it
// allocates 32 KiB per answer.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }

var copyBuffers = &bufferPool{}

func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
}

func parseBase(what, s string) (*url.URL, error) {
	if s == "" {
		return nil, fmt.Errorf("new recorder: no %s", what)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("new recorder: %s %q is not an http(s) base url", what, secret.RedactURL(s))
	}
	return u, nil
}

// Stats counts what a Recorder recorded: the exchanges completed (answered)
// so far.
type Stats struct {
	Requests      int // requests of the bot (token and discovery requests are forwarded, not recorded)
	Notifications int // notification POSTs of the upstream, redeliveries included
	// Redeliveries counts the notification POSTs that delivered again one
	// already recorded (the upstream's retries): the fixture holds each
	// notification once, Notifications-Redeliveries of them.
	Redeliveries int
	// Calls counts the calls the bot created, answered or had placed
	// (test-control incoming calls) with a 2xx answer.
	Calls int
	// BytesWritten is the size of the journal so far.
	BytesWritten int64
}

// Stats returns what was recorded so far.
func (r *Recorder) Stats() Stats { return r.journal.stats() }

// Close closes the journal's file, synced; exchanges that complete later
// are not journaled. Server.Shutdown calls it.
func (r *Recorder) Close() error {
	r.journal.mu.Lock()
	defer r.journal.mu.Unlock()
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.journal.sink = &closedSink{r.file}
	return err
}

// CloseIdleConnections closes the idle connections to the upstream and to
// the bot's callbacks.
func (r *Recorder) CloseIdleConnections() {
	if c, ok := r.proxy.Transport.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
	r.bot.CloseIdleConnections()
}

// ctxKey carries a recorded request through the reverse proxy.
type ctxKey struct{}

// inflight is a recorded request on its way: its exchange and the body
// sent upstream.
type inflight struct {
	e    *exchange // nil for a request forwarded, not recorded
	out  []byte
	base string // the recorder's base URL as the bot reached it
}

// ServeHTTP forwards a request to the upstream (or a notification to the
// bot) and records it.
func (r *Recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if n, ok := r.callbackIndex(req.URL.Path); ok {
		r.relay(w, req, n)
		return
	}
	if !recordable(req) {
		ctx := context.WithValue(req.Context(), ctxKey{}, &inflight{base: r.botBase(req)})
		r.proxy.ServeHTTP(w, req.WithContext(ctx))
		return
	}
	r.learnIdentity(req.Header.Get("Authorization"))
	body, ok := readBody(w, req, r.maxBody)
	if !ok {
		return
	}
	out, cbs := body, []int(nil)
	if bytes.Contains(body, []byte("allback")) {
		out, cbs = r.rewriteCallbacks(body)
	}
	e := &exchange{method: req.Method, path: req.URL.EscapedPath(), header: keptHeader(req.Header), body: body, callbacks: cbs}
	if req.URL.RawQuery != "" {
		e.path += "?" + req.URL.RawQuery
	}
	r.journal.add(e)
	ctx := context.WithValue(req.Context(), ctxKey{}, &inflight{e: e, out: out, base: r.botBase(req)})
	r.proxy.ServeHTTP(w, req.WithContext(ctx))
}

// rewrite points the outbound request at the upstream and gives it the body
// with rewritten callbacks; the inbound request is left as it is.
func (r *Recorder) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(r.upstream)
	// The transport asks for gzip itself and decodes the answer, which the
	// recorder must read; the bot gets it decoded.
	pr.Out.Header.Del("Accept-Encoding")
	f, ok := pr.In.Context().Value(ctxKey{}).(*inflight)
	if !ok || f.e == nil {
		return
	}
	pr.Out.ContentLength = int64(len(f.out))
	pr.Out.GetBody = nil
	if len(f.out) == 0 {
		pr.Out.Body = http.NoBody
		return
	}
	pr.Out.Body = io.NopCloser(bytes.NewReader(f.out))
}

// modifyResponse records the upstream's answer and gives it to the bot
// with the bot's own callback URLs, and the recorder's base URL in place of
// the upstream's (Location and body), so that a bot following them stays
// behind the recorder. The answer is read whole, bounded by MaxBody, and
// journaled before the bot has it; a larger one streams to the bot as it
// is, its first bytes recorded.
func (r *Recorder) modifyResponse(resp *http.Response) error {
	f, ok := resp.Request.Context().Value(ctxKey{}).(*inflight)
	if !ok {
		return nil
	}
	if f.e == nil {
		r.rebaseHeaders(resp, f.base)
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.maxBody+1))
	if err != nil {
		_ = resp.Body.Close()
		return fmt.Errorf("read the upstream's answer: %w", err)
	}
	r.journal.answer(f.e, resp.StatusCode, resp.Header)
	if int64(len(body)) > r.maxBody {
		r.journal.answerBody(f.e, body[:maxRecordedBody], true)
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
		r.rebaseHeaders(resp, f.base)
		return nil
	}
	_ = resp.Body.Close()
	if len(f.e.callbacks) > 0 {
		body = r.restoreCallbacks(body)
	}
	kept, truncated := body, len(body) > maxRecordedBody
	if truncated {
		kept = body[:maxRecordedBody]
	}
	r.journal.answerBody(f.e, kept, truncated)
	body = rebase(body, r.upstreamBase(), f.base)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
	r.rebaseHeaders(resp, f.base)
	return nil
}

func (r *Recorder) proxyError(w http.ResponseWriter, req *http.Request, err error) {
	if f, ok := req.Context().Value(ctxKey{}).(*inflight); ok && f.e != nil {
		why := "the upstream did not answer"
		if errors.Is(err, context.Canceled) {
			why = "the bot went away before the answer"
		}
		r.journal.fail(f.e, why)
	}
	r.log.Warn("recorder: forward to the upstream failed", "path", req.URL.Path, "error", err)
	w.WriteHeader(http.StatusBadGateway)
}

// recordable reports whether a request belongs in the fixture: token,
// discovery and capability requests are forwarded only.
func recordable(req *http.Request) bool {
	p := strings.ToLower(req.URL.Path)
	switch {
	case req.Method == http.MethodOptions || req.Method == http.MethodHead:
		return false
	case strings.Contains(p, "/oauth2/"), strings.Contains(p, "/.well-known/"), strings.Contains(p, "/discovery/"),
		strings.HasSuffix(p, "/token"):
		return false
	case req.Method == http.MethodGet && strings.TrimRight(p, "/") == "/_control":
		return false
	}
	return true
}

// readBody reads a request body of at most max bytes, answering 413 (or
// 400) and returning false when it cannot.
func readBody(w http.ResponseWriter, req *http.Request, max int64) ([]byte, bool) {
	if req.ContentLength > max {
		http.Error(w, "request body too large for the recorder", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	var b bytes.Buffer
	if req.ContentLength > 0 {
		b.Grow(int(req.ContentLength))
	}
	_, err := b.ReadFrom(http.MaxBytesReader(w, req.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large for the recorder", http.StatusRequestEntityTooLarge)
		} else {
			http.Error(w, "could not read the request body", http.StatusBadRequest)
		}
		return nil, false
	}
	return b.Bytes(), true
}

// skippedHeaders are request headers never written to a fixture: transport,
// content negotiation, per-request ids and forwarding headers; the harness
// sets its own.
var skippedHeaders = map[string]bool{
	"Accept": true, "Accept-Encoding": true, "Accept-Language": true, "Connection": true, "Content-Length": true,
	"Content-Type": true, "Host": true, "User-Agent": true, "Keep-Alive": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Expect": true, "Date": true, "Client-Request-Id": true,
	"Request-Id": true, "Traceparent": true, "Tracestate": true, "X-Forwarded-For": true,
	"X-Forwarded-Host": true, "X-Forwarded-Proto": true, "Forwarded": true, "Via": true,
	"Authorization": true, "Proxy-Authorization": true, "Cookie": true,
}

// keptHeader returns the headers of a request that may go in the fixture
// (redaction rules decide later), or nil.
func keptHeader(h http.Header) http.Header {
	var out http.Header
	for k, vs := range h {
		if skippedHeaders[http.CanonicalHeaderKey(k)] || len(vs) == 0 {
			continue
		}
		if out == nil {
			out = http.Header{}
		}
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// learnIdentity reads the app and tenant ids from the claims of a bearer
// JWT (without verifying it: the upstream does), until both are known. The
// token itself is never kept.
func (r *Recorder) learnIdentity(auth string) {
	if r.idKnown.Load() || auth == "" {
		return
	}
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return
	}
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		return
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return
	}
	var c struct {
		AppID string `json:"appid"`
		AZP   string `json:"azp"`
		TID   string `json:"tid"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return
	}
	if c.AppID == "" {
		c.AppID = c.AZP
	}
	r.idMu.Lock()
	defer r.idMu.Unlock()
	if r.appID == "" {
		r.appID = c.AppID
	}
	if r.tenantID == "" {
		r.tenantID = c.TID
	}
	if r.appID != "" && r.tenantID != "" {
		r.idKnown.Store(true)
	}
}

func (r *Recorder) identity() (appID, tenantID string) {
	r.idMu.Lock()
	defer r.idMu.Unlock()
	return r.appID, r.tenantID
}
