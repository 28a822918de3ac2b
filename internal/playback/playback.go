// Package playback plays fixtures back to a bot: a stand-in for the calls
// API that answers the bot's requests as each scenario's service would and
// POSTs the scenario's notifications, signed, to the bot's callback.
package playback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/judge"
	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/callbacksign"
	"github.com/callconform/callconform/internal/excerpt"
	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/internal/secret"
)

// DefaultGap is the pause before each notification at speed 1: fixtures
// hold no recorded times, so the mock plays them at a small, even pace.
const DefaultGap = 50 * time.Millisecond

// maxBody bounds a bot's request body.
const maxBody = 1 << 20

// DefaultMaxUnmatched is how many unmatched requests a Report keeps in full
// when Config.MaxUnmatched is zero.
const DefaultMaxUnmatched = 100

// Bounds of the server Start runs, when Config leaves them zero.
const (
	DefaultReadTimeout = 30 * time.Second // reading one request, headers and body
	DefaultIdleTimeout = 60 * time.Second // an idle keep-alive connection
	maxHeaderWait      = 10 * time.Second // reading a request's headers
	shutdownGrace      = 5 * time.Second  // requests in flight when the server closes
)

// DefaultBotWait is Config.BotWait when zero.
const DefaultBotWait = 30 * time.Second

// Backoff returns the pause after failed attempt n (1-based) of a POST.
type Backoff func(n int) time.Duration

// DefaultBackoff doubles from 100 ms up to 2 s, each pause jittered by
// ±25% so that many mocks do not knock at once.
func DefaultBackoff(n int) time.Duration {
	d := 100 * time.Millisecond << min(max(n-1, 0), 5)
	d = min(d, 2*time.Second)
	return d - d/4 + rand.N(d/2+1)
}

// Config configures a Player. The zero value works: fresh app and tenant ids,
// no pause between notifications, no webhook.
type Config struct {
	// AppID is the bot's app id: the audience of notification tokens and the
	// {{appId}} built-in. "" = a fresh id, see Player.AppID.
	AppID string
	// TenantID is the {{tenantId}} built-in and the tid claim of tokens;
	// "" = a fresh id.
	TenantID string
	// BotWebhook is the bot's calling webhook, where trigger steps (an
	// incoming call) POST their notification. "" = a scenario stops at its
	// first trigger, and the report says so.
	BotWebhook string
	// BaseURL is the mock's base URL as the bot reaches it, for Location
	// headers, {{baseUrl}} and the OpenID configuration; "" = from the Host
	// of each request.
	BaseURL string
	// Speed scales the pause before each notification POST: the delay the
	// fixture recorded for it (DefaultGap when it recorded none) times
	// Speed. Zero = no pause, as fast as possible; 1 = as recorded; 0.5 =
	// twice as fast.
	Speed float64
	// NotifyTimeout bounds one notification POST; zero = 5 s. A bot that
	// does not answer within it is reported.
	NotifyTimeout time.Duration
	// Vars fixes variables: where a fixture templates one, the bot must send
	// this value. Nil = none: every variable takes the bot's first value.
	Vars map[string]string
	// HTTPClient posts notifications; nil = a client of the mock's own.
	HTTPClient *http.Client
	// Log receives one line per event (a request matched or not, a
	// notification posted and its answer); nil = none. What came from the
	// bot or a fixture is escaped (excerpt.Printable): a line cannot carry
	// a terminal's control sequence.
	Log io.Writer
	// Alert receives each request that matched no step as it is answered,
	// with its closest step and -want +got diff (redacted), when Log is
	// nil: a quiet console still shows what went wrong at once. Nil =
	// none; Log gets them when it is set.
	Alert io.Writer
	// MaxUnmatched is how many requests that matched no step the Report
	// keeps in full, with their closest step and diff; the others are only
	// counted (Report.MoreUnmatched). Zero = DefaultMaxUnmatched; negative =
	// none kept, all counted.
	MaxUnmatched int
	// Explain words why a step could not be played, for the log and
	// StepReport.Problem, in the caller's terms: a command line names its
	// flag for BotWebhook when the error wraps ErrNoBotWebhook. Nil, or ""
	// returned, = the text of the error the step failed with (e.Err).
	Explain func(e *StepError) string
	// ReadTimeout bounds reading one request of the bot, headers and body,
	// on the server Start runs: a bot that sends slower is cut off. Zero =
	// DefaultReadTimeout. Headers alone get at most 10 s.
	ReadTimeout time.Duration
	// RequireToken makes the mock check each request's bearer token as the
	// calls API would (CheckToken; AppID and TenantID, when set, must be
	// the token's) and answer 401 to a request without a good one.
	// False = tokens are not looked at.
	RequireToken bool
	// BotWait is how long a trigger's POST to BotWebhook is tried again
	// until the bot answers 2xx: a bot that is still starting. Zero =
	// DefaultBotWait; negative = tried once.
	BotWait time.Duration
	// Backoff is the pause before attempt n+1 of a trigger's POST; nil =
	// DefaultBackoff.
	Backoff Backoff
	// Strict compares every field of a send step's body with the bot's
	// request. False = only the fields the step lists in match, when it
	// lists some (every field otherwise).
	Strict bool
	// IdleTimeout bounds how long the server Start runs keeps an idle
	// keep-alive connection open. Zero = DefaultIdleTimeout.
	IdleTimeout time.Duration
}

// Player plays scenarios for a bot. It is an http.Handler; New starts playing
// at once (a scenario that begins with a trigger calls the webhook), and the
// caller must call Close.
type Player struct {
	cfg      Config
	client   *http.Client
	sign     *callbacksign.Signer
	appID    string
	tenantID string

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu            sync.Mutex // guards everything below and the scenarios' state
	scenarios     []*scenario
	frontier      map[string][]*scenario // shape of a next send step → the scenarios waiting for it, in play order
	unmatched     []Unmatched            // the first cfg.MaxUnmatched
	moreUnmatched int                    // the unmatched requests not kept
	lastBase      string                 // base URL of the latest request, for {{baseUrl}}
	done          chan struct{}
	finished      bool
}

// ErrNoScenarios is returned by New when given no fixture.
var ErrNoScenarios = errors.New("mock: no scenario to play")

// ErrNoBotWebhook is wrapped by the StepError of a trigger step when
// Config.BotWebhook is empty: the mock has nowhere to place the call.
var ErrNoBotWebhook = errors.New("trigger incoming-call needs the bot's webhook to place the call to")

// StepError is why the mock could not play a step of a scenario: it stops
// the scenario there. The report shows it as the step's Problem.
type StepError struct {
	Scenario string // the fixture's id
	Step     int    // 1-based
	Err      error
}

func (e *StepError) Error() string { return fmt.Sprintf("%s step %d: %v", e.Scenario, e.Step, e.Err) }

// Unwrap returns the error the step failed with.
func (e *StepError) Unwrap() error { return e.Err }

// New returns a Player that plays fxs. A fixture that another of fxs
// includes with `use` is played only as part of it, not on its own.
func New(cfg Config, fxs ...*fixture.Fixture) (*Player, error) {
	fxs = topLevel(fxs)
	if len(fxs) == 0 {
		return nil, ErrNoScenarios
	}
	m := &Player{cfg: withDefaults(cfg), client: cfg.HTTPClient, appID: cfg.AppID, tenantID: cfg.TenantID, done: make(chan struct{}), frontier: map[string][]*scenario{}}
	if m.appID == "" {
		m.appID = guid.NewString()
	}
	if m.tenantID == "" {
		m.tenantID = guid.NewString()
	}
	if m.client == nil {
		m.client = newClient()
	}
	var err error
	if m.sign, err = callbacksign.NewSigner(m.tenantID); err != nil {
		return nil, err
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, f := range fxs {
		s := newScenario(m, f)
		s.order = i
		m.scenarios = append(m.scenarios, s)
	}
	for _, s := range m.scenarios {
		s.advance(closedChan)
		m.place(s)
	}
	m.checkFinished()
	return m, nil
}

// withDefaults fills the zero fields of cfg that have a default.
func withDefaults(cfg Config) Config {
	if cfg.NotifyTimeout <= 0 {
		cfg.NotifyTimeout = 5 * time.Second
	}
	switch {
	case cfg.MaxUnmatched == 0:
		cfg.MaxUnmatched = DefaultMaxUnmatched
	case cfg.MaxUnmatched < 0:
		cfg.MaxUnmatched = 0
	}
	if cfg.BotWait == 0 {
		cfg.BotWait = DefaultBotWait
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	return cfg
}

// newClient returns the client that posts notifications when Config has
// none: bounded dials, no redirects followed.
func newClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// topLevel drops the fixtures that another fixture of fxs includes.
func topLevel(fxs []*fixture.Fixture) []*fixture.Fixture {
	used := map[string]bool{}
	for _, f := range fxs {
		for _, st := range f.Steps {
			if st.From != "" && st.From != f.ID {
				used[st.From] = true
			}
		}
	}
	var out []*fixture.Fixture
	for _, f := range fxs {
		if !used[f.ID] {
			out = append(out, f)
		}
	}
	return out
}

// closedChan is a ready signal that has already fired.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// AppID returns the app id notifications are signed for.
func (m *Player) AppID() string { return m.appID }

// Scenarios returns the ids of the scenarios played, in play order.
func (m *Player) Scenarios() []string {
	ids := make([]string, len(m.scenarios))
	for i, s := range m.scenarios {
		ids[i] = s.f.ID
	}
	return ids
}

// Done is closed when every scenario has ended: each step made and each
// notification posted and answered (or refused, or timed out), or stopped
// at a step the mock cannot play.
func (m *Player) Done() <-chan struct{} { return m.done }

// checkFinished closes done once every scenario has ended. m.mu is held.
func (m *Player) checkFinished() {
	if m.finished {
		return
	}
	for _, s := range m.scenarios {
		if !s.ended() {
			return
		}
	}
	m.finished = true
	close(m.done)
}

// Close stops posting notifications (one in flight is cancelled, queued ones
// are reported as never posted) and waits for the workers, at most 5 s.
// Report still works after Close.
func (m *Player) Close() error {
	m.cancel()
	waited := make(chan struct{})
	go func() { m.wg.Wait(); close(waited) }()
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-waited:
	case <-t.C:
		return errors.New("mock: notification workers still running after 5s")
	}
	if m.cfg.HTTPClient == nil {
		m.client.CloseIdleConnections()
	}
	return nil
}

// ServeHTTP answers a bot's request: the OpenID configuration and keys of
// the notification tokens, or the answer of the scenario step the request
// matches; a request that matches no step is answered 404 (no step has its
// method and path) or 400, and reported.
func (m *Player) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	base := m.base(r)
	switch r.URL.Path {
	case OpenIDConfigPath:
		m.sign.ServeOpenIDConfig(w, base+JWKSPath)
		return
	case JWKSPath:
		m.sign.ServeJWKS(w)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeAnswer(w, errorAnswer(http.StatusBadRequest, "BadRequest", "callconform mock: the request body could not be read or is larger than 1 MiB"))
		return
	}
	req := &request{method: r.Method, path: r.URL.EscapedPath(), body: body}
	if r.URL.RawQuery != "" {
		req.path += "?" + r.URL.RawQuery
	}
	if m.cfg.RequireToken {
		if err := CheckToken(r.Header.Get("Authorization"), m.cfg.AppID, m.cfg.TenantID, time.Now()); err != nil {
			m.mu.Lock()
			ans := m.refuseToken(req, err)
			m.mu.Unlock()
			writeAnswer(w, ans)
			return
		}
	}
	ready := make(chan struct{})
	defer close(ready) // after the answer is written: notifications follow it
	m.mu.Lock()
	ans := m.handle(req, base, ready)
	m.mu.Unlock()
	writeAnswer(w, ans)
}

func writeAnswer(w http.ResponseWriter, ans answer) {
	for k, vs := range ans.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(ans.status)
	_, _ = w.Write(ans.body)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

func (m *Player) base(r *http.Request) string {
	if m.cfg.BaseURL != "" {
		return trimSlash(m.cfg.BaseURL)
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

// handle matches req against the next send step of every scenario, takes
// the first that matches, and returns its answer. A request that matches
// none is compared with the steps nearby and logged at once with the
// closest and its diff. m.mu is held.
func (m *Player) handle(req *request, base string, ready chan struct{}) answer {
	m.lastBase = base
	if s, binds, ok := m.findNext(req); ok {
		ans := s.take(s.next, req, binds, base, ready)
		m.place(s)
		m.checkFinished()
		return ans
	}
	var cands []candidate
	for _, s := range m.scenarios {
		cands = append(cands, s.candidates(req)...)
	}
	closest(cands)
	u, status, code := explainUnmatched(req, cands)
	m.keepUnmatched(u)
	m.logUnmatched(u)
	return errorAnswer(status, code, "callconform mock: "+u.message())
}

// findNext returns the first scenario, in play order, whose next step req
// matches, and what req binds. The scenarios waiting for a request of
// req's shape are tried first; the others only when none of those
// matches, since a variable's value may not read as an id.
func (m *Player) findNext(req *request) (*scenario, map[string]string, bool) {
	var tried []*scenario
	for _, sh := range requestShapes(req) {
		tried = append(tried, m.frontier[sh]...)
	}
	if len(tried) > 1 {
		slices.SortFunc(tried, func(a, b *scenario) int { return a.order - b.order })
		tried = slices.Compact(tried)
	}
	for _, s := range tried {
		if binds, ok := s.matchNext(req); ok {
			return s, binds, true
		}
	}
	for _, s := range m.scenarios {
		if s.frontierKey == "" || slices.Contains(tried, s) {
			continue
		}
		if binds, ok := s.matchNext(req); ok {
			return s, binds, true
		}
	}
	return nil, nil, false
}

// place files s in the frontier under the shape of its next step, or
// nowhere when it waits for no request. m.mu is held.
func (m *Player) place(s *scenario) {
	key := ""
	if !s.stuck && s.next < len(s.f.Steps) {
		if c := s.x.sends[s.next]; c != nil {
			key = c.shape
		}
	}
	if key == s.frontierKey {
		return
	}
	if old := s.frontierKey; old != "" {
		bucket := m.frontier[old]
		if i := slices.Index(bucket, s); i >= 0 {
			bucket = slices.Delete(bucket, i, i+1)
		}
		if len(bucket) == 0 {
			delete(m.frontier, old)
		} else {
			m.frontier[old] = bucket
		}
	}
	s.frontierKey = key
	if key != "" {
		m.frontier[key] = append(m.frontier[key], s)
	}
}

// logUnmatched writes an unmatched request to the log at once: its closest
// step and the -want +got diff, redacted. m.mu is held.
func (m *Player) logUnmatched(u Unmatched) {
	w := m.cfg.Log
	if w == nil {
		w = m.cfg.Alert
	}
	if w == nil {
		return
	}
	line := func(format string, a ...any) {
		fmt.Fprintf(w, "%s\n", excerpt.Printable(fmt.Sprintf(format, a...)))
	}
	line("unmatched: %s %s%s", u.Method, u.Path, closestNote(u))
	if u.Note != "" {
		line("  %s", u.Note)
	}
	if len(u.Diff) > 0 {
		line("  (-want +got)")
	}
	for _, d := range u.Diff {
		line("  - %s: %s", d.Field, d.Want)
		line("  + %s: %s", d.Field, d.Got)
	}
}

// maxExcerpt bounds each text an Unmatched keeps of a bot's request (its
// path, each side of a diff), in bytes.
const maxExcerpt = 2000

// explainUnmatched describes a request that matched no step, with the
// closest of cands (sorted by closest) when one is close, and picks the
// status it is answered with: 400 when a step nearly matches, else 404.
func explainUnmatched(req *request, cands []candidate) (Unmatched, int, string) {
	u := Unmatched{
		Method: excerpt.Clip(req.method, 100),
		Path:   excerpt.Clip(secret.RedactURL(req.path), maxExcerpt),
		Body:   redactBody(req.body),
	}
	status, code := http.StatusNotFound, "NotFound"
	// A step with neither the method nor the path is not close.
	if len(cands) == 0 || cands[0].score() >= 150 {
		return u, status, code
	}
	c := cands[0]
	u.Scenario, u.Step = c.s.f.ID, c.step+1
	u.Closest = c.s.describe(c.step)
	for _, d := range c.diffs {
		u.Diff = append(u.Diff, redactMismatch(d))
	}
	if c.score() < 50 {
		status, code = http.StatusBadRequest, "BadRequest"
	}
	if len(c.diffs) == 0 {
		u.Note = fmt.Sprintf("out of order: %s comes first", c.s.describe(c.s.next))
	}
	return u, status, code
}

// redactMismatch returns d for the report and the console: every secret
// the finder sees replaced, both sides of a field named like a secret
// (client_secret, password, ...) replaced whatever they hold, then
// clipped. Redaction comes first: a token cut in half is no longer found.
func redactMismatch(d judge.Mismatch) judge.Mismatch {
	field := timeline.RedactString(d.Field)
	want, got := timeline.RedactString(d.Want), timeline.RedactString(d.Got)
	last := field[strings.LastIndexByte(field, '.')+1:]
	reason := timeline.RedactString(d.Reason)
	if secret.FieldName(last) {
		want, got = redactedUnless(want), redactedUnless(got)
		reason = quotedRE.ReplaceAllString(reason, `"`+timeline.Redacted+`"`)
	}
	return judge.Mismatch{
		Field:  excerpt.Clip(field, maxExcerpt),
		Want:   excerpt.Clip(want, maxExcerpt),
		Got:    excerpt.Clip(got, maxExcerpt),
		Reason: excerpt.Clip(reason, maxExcerpt),
	}
}

// quotedRE finds the quoted values a reason shows.
var quotedRE = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// redactedUnless replaces a secret field's value, unless it says the
// field is absent or is a template ({{clientSecret}}).
func redactedUnless(v string) string {
	if v == "<absent>" || strings.HasPrefix(strings.Trim(v, `"`), "{{") {
		return v
	}
	return timeline.Redacted
}

// keepUnmatched keeps u for the report while fewer than MaxUnmatched are
// kept, and counts it otherwise, so that a bot that floods the mock with
// wrong requests cannot grow its memory. m.mu is held.
func (m *Player) keepUnmatched(u Unmatched) {
	if len(m.unmatched) < m.cfg.MaxUnmatched {
		m.unmatched = append(m.unmatched, u)
		return
	}
	m.moreUnmatched++
}

func closestNote(u Unmatched) string {
	if u.Closest == "" {
		return ""
	}
	return " (closest: " + u.Closest + ")"
}

// logf writes one line to the log, escaping what a terminal would act on.
// m.mu is held.
func (m *Player) logf(format string, a ...any) {
	if m.cfg.Log != nil {
		fmt.Fprintf(m.cfg.Log, "%s\n", excerpt.Printable(fmt.Sprintf(format, a...)))
	}
}

// Report returns what the bot did so far.
func (m *Player) Report() Report {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := Report{AppID: m.appID, Unmatched: slices.Clone(m.unmatched), MoreUnmatched: m.moreUnmatched}
	for _, s := range m.scenarios {
		r.Scenarios = append(r.Scenarios, s.report())
	}
	return r
}

// Server is a Player served on a TCP address. Close it.
type Server struct {
	*Player
	URL string // base URL, e.g. http://127.0.0.1:8490

	srv       *http.Server
	done      chan error
	grace     time.Duration // for requests in flight at Close
	closeOnce sync.Once
	closeErr  error
}

// Start serves a Player of fxs on addr ("127.0.0.1:0" for a free port),
// reading each request within cfg.ReadTimeout and closing keep-alive
// connections idle for cfg.IdleTimeout. The caller must call Close.
func Start(addr string, cfg Config, fxs ...*fixture.Fixture) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mock: listen on %s: %w", addr, err)
	}
	url := "http://" + ln.Addr().String()
	m, err := New(cfg, fxs...)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	s := &Server{Player: m, URL: url, done: make(chan error, 1), srv: newHTTPServer(m, m.cfg), grace: shutdownGrace}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// newHTTPServer returns the server of a Player, every read bounded: a bot
// that sends its headers or its body slowly, or keeps a connection idle,
// cannot hold it open.
func newHTTPServer(h http.Handler, cfg Config) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(maxHeaderWait, cfg.ReadTimeout),
		ReadTimeout:       cfg.ReadTimeout,
		IdleTimeout:       cfg.IdleTimeout,
	}
}

// Close stops serving and closes the Player. Idle keep-alive connections
// are closed at once; a request in flight has 5 s to finish, then its
// connection is cut, as is one that never sent a request. Calling Close
// again returns what the first call returned.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Server) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.grace)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close() // the grace is over: what is left is cut, not an error
	}
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return errors.Join(err, s.Player.Close())
}
