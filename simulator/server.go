package simulator

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/callconform/callconform/internal/guid"
)

// maxBody is the largest request body accepted (1 MiB).
const maxBody = 1 << 20

// routes builds the router. Every calls route exists under the profile's
// root, and under beta-2018 also under /applications/{appId}/calls.
func (s *Simulator) routes() *http.ServeMux {
	m := http.NewServeMux()
	roots := []string{s.prof.root}
	if s.prof.appRoot {
		roots = append(roots, "/applications/{appId}/calls")
	}
	for _, root := range roots {
		m.HandleFunc("POST "+root, s.api(permCreate, s.handleCreateCall))
		m.HandleFunc("GET "+root+"/{id}", s.api(permAny, s.handleGetCall))
		m.HandleFunc("DELETE "+root+"/{id}", s.api(permAny, s.handleDeleteCall))
		m.HandleFunc("POST "+root+"/{id}/answer", s.api(permAnswer, s.handleAnswer))
		m.HandleFunc("POST "+root+"/{id}/participants/invite", s.api(permInvite, s.handleInvite))
		m.HandleFunc("GET "+root+"/{id}/participants", s.api(permAny, s.handleListParticipants))
		m.HandleFunc("GET "+root+"/{id}/participants/{pid}", s.api(permAny, s.handleGetParticipant))
		m.HandleFunc("GET "+root+"/{id}/operations/{opId}", s.api(permAny, s.handleGetOperation))
		if s.prof.keepAlive {
			m.HandleFunc("POST "+root+"/{id}/keepAlive", s.api(permAny, s.handleKeepAlive))
		}
		m.HandleFunc("POST "+root+"/{id}/reject", s.api(permAny, s.handleReject))
		m.HandleFunc("POST "+root+"/{id}/redirect", s.api(permAny, s.handleRedirect))
		m.HandleFunc("POST "+root+"/{id}/transfer", s.api(permAny, s.handleTransfer))
		s.mediaRoutes(m, root)
		s.actionRoutes(m, root)
	}
	s.controlRoutes(m)
	m.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.handleToken)
	m.HandleFunc("GET "+openIDConfigPath, s.handleOpenIDConfig)
	m.HandleFunc("GET "+jwksPath, s.handleJWKS)
	m.HandleFunc("GET /_control", s.handleControl)
	m.HandleFunc("POST /_control/incoming-calls", s.handleIncomingCall)
	s.handoffRoutes(m)
	return m
}

// ServeHTTP serves the calls API, the token endpoint, the OpenID
// configuration and its keys, and the test-control API. Every answer has a
// request-id header and a client-request-id header (the request's, echoed,
// or the request-id).
//
// The calls API, under beta-2018 at /app/calls and /applications/{appId}/calls
// alike, under v1.0 at /communications/calls:
//
//	POST   {root}                                  201 + Location + call (establishing)
//	GET    {root}/{id}                             200 call
//	DELETE {root}/{id}                             204 (404 from then on)
//	POST   {root}/{id}/answer                      beta-2018: 200 commsOperation (status Running)
//	                                               v1.0: 202, no body
//	POST   {root}/{id}/participants/invite         beta-2018: 202 + Location (or 200 + Location + operation)
//	                                               v1.0: 200 + Location + inviteParticipantsOperation
//	GET    {root}/{id}/participants[/{pid}]        200 {"value":[participant]} or participant
//	GET    {root}/{id}/operations/{opId}           200 operation (running, then completed)
//	POST   {root}/{id}/keepAlive                   v1.0: 200, no body (404 once the call ended)
//	POST   {root}/{id}/reject                      beta-2018: 200 commsOperation; v1.0: 202, no body
//	POST   {root}/{id}/redirect                    beta-2018: 200 commsOperation; v1.0: 202, no body
//	POST   {root}/{id}/transfer                    beta-2018: 200 commsOperation; v1.0: 202, no body
//	POST   {root}/{id}/mute, unmute, playPrompt, recordResponse (beta-2018: record),
//	       cancelMediaProcessing, subscribeToTone, updateRecordingStatus (v1.0),
//	       participants/{pid}/mute                 200 + Location + the operation
//	DELETE {root}/{id}/participants/{pid}          204
//	GET    {root}/{id}/contentSharingSessions[/{sid}]  v1.0: 200
//	POST   /{tenant}/oauth2/v2.0/token             client credentials: access token
//	GET    /.well-known/openid-configuration       issuer and jwks_uri of notification tokens
//	GET    /.well-known/keys                       the JWKS
//
// Errors have the Graph shape {"error":{"code","message","innerError":
// {"request-id","date","client-request-id"}}} with these codes: 400
// BadRequest (malformed JSON, invalid field, named in the message), 401
// InvalidAuthenticationToken (with WWW-Authenticate: Bearer), 403 Forbidden
// (delegated token, app id of the path not the token's) or 7504 (missing
// application permission), 404 NotFound, 405 MethodNotAllowed (with Allow),
// 409 InvalidCallState (answering a call that is not incoming, inviting into
// a call that is not established, replacing a call already being replaced;
// rejecting or redirecting a call that is not incoming, transferring one
// that is not established),
// 413 RequestEntityTooLarge (over 1 MiB), 415 UnsupportedMediaType (a body
// that is not application/json), 429 TooManyRequests with Retry-After
// (creating a call past Config.MaxCalls live calls), 503 ServiceUnavailable
// (after Close). The
// token endpoint answers OAuth errors instead: {"error":"invalid_client",
// "error_description",...}.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := guid.New().String()
	h := w.Header()
	h.Set(headerRequestID, rid)
	crid := r.Header.Get(headerClientRequestID)
	if crid == "" {
		crid = rid
	}
	h.Set(headerClientRequestID, crid)
	if s.closed.Load() {
		writeError(w, http.StatusServiceUnavailable, codeServiceClosed, "the simulator is closed")
		return
	}
	handler, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	// The mux's own answer (404, 405 or a redirect to a clean path): keep
	// its status and headers, give it a Graph error body.
	cw := &captureWriter{h: make(http.Header)}
	handler.ServeHTTP(cw, r)
	switch cw.status {
	case http.StatusMethodNotAllowed:
		h.Set("Allow", cw.h.Get("Allow"))
		writeError(w, cw.status, codeMethodNotAllowed,
			fmt.Sprintf("method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, cw.h.Get("Allow")))
	case http.StatusNotFound:
		writeError(w, cw.status, codeNotFound, fmt.Sprintf("no resource at %s %s", r.Method, r.URL.Path))
	default:
		if loc := cw.h.Get("Location"); loc != "" {
			h.Set("Location", loc)
		}
		w.WriteHeader(cw.status)
	}
}

// captureWriter records the status and headers of the mux's own handlers.
type captureWriter struct {
	h      http.Header
	status int
}

func (c *captureWriter) Header() http.Header { return c.h }
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return len(b), nil
}
func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

// api wraps a calls route with the token checks of the real service: a valid
// application token (401 otherwise, 403 for a delegated one), the appId of
// the path equal to the token's appid (403), and the permission need (403).
func (s *Simulator) api(need permission, h func(http.ResponseWriter, *http.Request, *principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var p *principal
		if s.broken(BreakNoAuth) {
			p = &principal{appID: s.appID, roles: s.clients[0].Roles}
		} else {
			var err error
			p, err = s.verifyAccessToken(r.Header.Get("Authorization"))
			if err != nil {
				challenge := `Bearer realm="graph"`
				if r.Header.Get("Authorization") != "" {
					challenge += `, error="invalid_token"`
				}
				w.Header().Set("WWW-Authenticate", challenge)
				writeError(w, http.StatusUnauthorized, codeInvalidToken, err.Error())
				return
			}
			if p.delegated {
				writeError(w, http.StatusForbidden, codeForbidden,
					"delegated (user) tokens are not supported by the calls API; use an application token")
				return
			}
		}
		if raw := r.PathValue("appId"); raw != "" {
			if a, ok := guid.Parse(raw); !ok || a != p.appID {
				writeError(w, http.StatusForbidden, codeForbidden,
					fmt.Sprintf("application %q in the path is not the token's application", raw))
				return
			}
		}
		if !p.has(need) {
			writeError(w, http.StatusForbidden, codeNoPermission,
				"Insufficient enterprise tenant permissions, cannot access this API. It needs one of the application permissions: "+
					strings.Join(need.accepted(), ", "))
			return
		}
		h(w, r, p)
	}
}

// root returns the calls root the request used: the profile's, or
// /applications/{appId}/calls.
func (s *Simulator) root(r *http.Request) string {
	if a := r.PathValue("appId"); a != "" {
		return "/applications/" + a + "/calls"
	}
	return s.prof.root
}

// noteRoot returns the calls root for notification resources of calls
// created by r: the profile's, or /applications/{appId}/calls with the
// token's app id.
func (s *Simulator) noteRoot(r *http.Request, p *principal) string {
	if r.PathValue("appId") != "" {
		return "/applications/" + p.appID.String() + "/calls"
	}
	return s.prof.root
}

// base returns the public base URL for absolute Location headers.
func (s *Simulator) base(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// readBody reads a request body of at most maxBody bytes; it writes 413 and
// returns false when the body is larger.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.ContentLength > maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, codeTooLarge, "the request body is larger than 1 MiB")
		return nil, false
	}
	body, err := readAll(http.MaxBytesReader(w, r.Body, maxBody), r.ContentLength)
	if err == nil {
		body, err = decodeContent(r.Header.Get("Content-Encoding"), body)
	}
	var tooBig *http.MaxBytesError
	if errors.Is(err, errEncoding) {
		writeError(w, http.StatusUnsupportedMediaType, codeUnsupportedMedia, "unsupported Content-Encoding: send the body as it is or gzip")
		return nil, false
	}
	if errors.As(err, &tooBig) || errors.Is(err, errInflatedTooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, codeTooLarge, "the request body is larger than 1 MiB")
		return nil, false
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "could not read the request body")
		return nil, false
	}
	return body, true
}

var (
	errEncoding         = errors.New("unsupported content encoding")
	errInflatedTooLarge = errors.New("the inflated request body is larger than 1 MiB")
)

// decodeContent returns a body as sent with Content-Encoding enc: as it is,
// or inflated from gzip (Microsoft's Graph SDKs gzip request bodies by
// default), at most maxBody bytes once inflated.
func decodeContent(enc string, body []byte) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "", "identity":
		return body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		out, err := io.ReadAll(io.LimitReader(zr, maxBody+1))
		if err != nil {
			return nil, err
		}
		if len(out) > maxBody {
			return nil, errInflatedTooLarge
		}
		return out, nil
	}
	return nil, errEncoding
}

// readAll reads rd to its end into a buffer of the size the request
// announced (n, when known), growing it only if the body is longer.
func readAll(rd io.Reader, n int64) ([]byte, error) {
	if n <= 0 || n > maxBody {
		return io.ReadAll(rd)
	}
	b := make([]byte, 0, n+1) // +1: the read that sees EOF needs room
	for {
		k, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+k]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// object is a JSON object whose members are kept raw for validation.
type object map[string]json.RawMessage

// readObject reads a JSON object body: 413 when too large, 415 when a
// non-empty body is not application/json, 400 when empty, malformed or not
// an object.
func readObject(w http.ResponseWriter, r *http.Request) (object, bool) {
	body, ok := readBody(w, r)
	if !ok {
		return nil, false
	}
	if len(bytes.TrimSpace(body)) > 0 && !isJSONContentType(r.Header.Get("Content-Type")) {
		writeError(w, http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			"the request body must be application/json, not "+quoteOrNone(r.Header.Get("Content-Type")))
		return nil, false
	}
	obj, err := parseObject(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, err.Error())
		return nil, false
	}
	return obj, true
}

// decode reads r's body as a JSON object and parses it with parse, the
// validation of one operation's body. On a refusal it writes the Graph
// error (413, 415, or 400 with parse's reason) and returns false.
func decode[T any](w http.ResponseWriter, r *http.Request, parse func(object) (T, error)) (T, bool) {
	var zero T
	o, ok := readObject(w, r)
	if !ok {
		return zero, false
	}
	v, err := parse(o)
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, err.Error())
		return zero, false
	}
	return v, true
}

func parseObject(body []byte) (object, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, errors.New("a JSON object body is required")
	}
	if body[0] != '{' {
		if !json.Valid(body) {
			return nil, errors.New("malformed JSON body")
		}
		return nil, errors.New("the body must be a JSON object")
	}
	var obj object
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, fmt.Errorf("malformed JSON body: %v", err)
	}
	return obj, nil
}

func isJSONContentType(v string) bool {
	mt, _, err := mime.ParseMediaType(v)
	return err == nil && mt == "application/json"
}

func quoteOrNone(v string) string {
	if v == "" {
		return "none"
	}
	return fmt.Sprintf("%q", v)
}

// isAbsoluteHTTPURL reports whether s is an absolute http or https URL with a host.
func isAbsoluteHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Opaque == ""
}

// ServerConfig bounds how long the server of Start waits for its clients.
type ServerConfig struct {
	// ReadHeaderTimeout bounds reading a request's headers. Zero means 10s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included: a client
	// that sends its body slowly is cut off. Zero means 30s.
	ReadTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request. Zero means 2m.
	IdleTimeout time.Duration
	// ShutdownTimeout bounds how long Close waits for the requests in
	// progress. Zero means 5s.
	ShutdownTimeout time.Duration
}

// withDefaults returns c with each zero field set to its default.
func (c ServerConfig) withDefaults() ServerConfig {
	if c.ReadHeaderTimeout == 0 {
		c.ReadHeaderTimeout = 10 * time.Second
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = 30 * time.Second
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 2 * time.Minute
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 5 * time.Second
	}
	return c
}

// Server is a Simulator listening on a TCP address. Create it with Start;
// the caller must call Close.
type Server struct {
	URL             string // base URL, e.g. http://127.0.0.1:8480
	TokenURL        string // URL of the token endpoint
	OpenIDConfigURL string // URL of the OpenID configuration of notification tokens
	Sim             *Simulator

	srv      *http.Server
	done     chan error
	shutdown time.Duration
	once     sync.Once
	closeErr error

	mu      sync.Mutex
	serving map[net.Conn]bool // connections whose request reached its handler and is not answered yet
	quiet   chan struct{}     // closed when serving empties during Close
}

// Start creates a Simulator from cfg and serves it on addr (for example
// "127.0.0.1:0" for a free loopback port), with the timeouts of cfg.Server.
// The caller must call Close.
func Start(addr string, cfg Config) (*Server, error) {
	sim, err := New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = sim.Close()
		return nil, fmt.Errorf("simulator: listen on %s: %w", addr, err)
	}
	base := "http://" + ln.Addr().String()
	sc := cfg.Server.withDefaults()
	s := &Server{
		URL:             base,
		TokenURL:        base + sim.TokenPath(),
		OpenIDConfigURL: base + sim.OpenIDConfigPath(),
		Sim:             sim,
		done:            make(chan error, 1),
		shutdown:        sc.ShutdownTimeout,
		serving:         make(map[net.Conn]bool),
	}
	s.srv = &http.Server{
		Handler:           s.track(sim),
		ReadHeaderTimeout: sc.ReadHeaderTimeout,
		ReadTimeout:       sc.ReadTimeout,
		IdleTimeout:       sc.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(sim.log.Handler(), slog.LevelDebug),
		ConnContext:       func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) },
		ConnState:         s.connState,
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// testHookRequestStarted, when set before Start, runs as each request's
// handler starts.
var testHookRequestStarted func()

// connKey is the context key of a request's connection.
type connKey struct{}

// track marks the connection of each request as serving from the moment its
// handler starts; connState unmarks it once the answer is written whole
// (the connection goes idle or closes), so that Close knows when no request
// is in progress.
func (s *Server) track(h http.Handler) http.Handler {
	hook := testHookRequestStarted
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(connKey{}).(net.Conn); ok {
			s.mu.Lock()
			s.serving[c] = true
			s.mu.Unlock()
		}
		if hook != nil {
			hook()
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) connState(c net.Conn, st http.ConnState) {
	if st != http.StateIdle && st != http.StateClosed && st != http.StateHijacked {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.serving[c] {
		return
	}
	delete(s.serving, c)
	if len(s.serving) == 0 && s.quiet != nil {
		close(s.quiet)
		s.quiet = nil
	}
}

// Close stops serving, waits for the requests in progress (at most
// ShutdownTimeout), drops every other connection at once, and closes the
// Simulator. It is safe to call more than once.
//
// http.Server.Shutdown alone waits for connections that carry no request:
// up to 5 s for a client's spare dial (a connection a transport opened and
// never used), up to the deadline for one with a partial request. Close
// waits for requests, not connections.
func (s *Server) Close() error {
	s.once.Do(func() { s.closeErr = errors.Join(s.stop(), s.Sim.Close()) })
	return s.closeErr
}

// stop shuts the http.Server down and returns once it has stopped.
func (s *Server) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.shutdown)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- s.srv.Shutdown(ctx) }()
	quiet := make(chan struct{})
	s.mu.Lock()
	if len(s.serving) == 0 {
		close(quiet)
	} else {
		s.quiet = quiet
	}
	s.mu.Unlock()
	var err error
	select {
	case err = <-shut: // every connection went idle and was closed, or ctx ended
		if err != nil {
			err = errors.Join(err, s.srv.Close())
		}
	case <-quiet: // no request in progress: what is left carries none
		err = errors.Join(s.srv.Close(), <-shut)
	case <-ctx.Done():
		err = errors.Join(<-shut, s.srv.Close())
	}
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("simulator: close the server: %w", err)
	}
	return nil
}
