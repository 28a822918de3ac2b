// Package realshape is a test target that speaks just enough of the v1.0
// calls API to play each v1.0 fixture's flow, with the real service's
// shapes: it answers with the documented answers of internal/realtraffic and
// POSTs notification bodies built from the recorded and documented bodies
// there, ids substituted. It is a script of real bodies, not a second
// simulator; Options vary the forms real traffic shows, Break makes it break
// one rule on purpose.
package realshape

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/callconform/callconform/internal/guid"
)

// Options choose among the forms real traffic shows; each field says which
// form its zero value plays. Every combination is conformant unless Break
// is set.
type Options struct {
	// ResourceURLOnly sends notifications with resourceUrl alone, as most
	// v1.0 pages show them; false sends resource (/app/calls/...) and
	// resourceUrl (/communications/calls/...), as recorded traffic does.
	ResourceURLOnly bool
	// EstablishedFirst sends a call's established before its establishing
	// ("Call establishing/established notifications may arrive out of
	// order"); false sends them in that order.
	EstablishedFirst bool
	// AnswerBody makes the 202 Accepted of answer carry a JSON body (an
	// empty object) instead of none, as the pages show it.
	AnswerBody bool
	// InviteLocation makes the invite answer carry the Location of its
	// operation, as the page's text promises; false leaves it out, as every
	// example does: the operation id is then in the body only.
	InviteLocation bool
	// NumericResultInfo writes resultInfo's code and subcode as numbers, as
	// recorded calls do; false writes them as strings, as the pages do.
	NumericResultInfo bool
	// CompactIDs writes ids in notifications as 32 upper-case hex digits,
	// as the pages write them in paths; false writes them dashed and lower
	// case, as the service mints them. Answers always use the dashed form.
	CompactIDs bool
	// BotAsInstance plays a meeting's roster from a recording of a bot that
	// joined from a resource account (the bot as an applicationInstance);
	// false plays the page's roster (the bot as an application).
	BotAsInstance bool
	// Break breaks one rule a fixture states; "" breaks none.
	Break Break
}

// Break names a rule the target breaks on purpose, so that a test can see
// the fixture that states the rule fail.
type Break string

// The rules the target can break.
const (
	// CreateAnswers200 answers POST /communications/calls with 200 OK
	// instead of 201 Created.
	CreateAnswers200 Break = "create-answers-200"
	// NoResultInfo leaves resultInfo out of the deleted notification that
	// ends a hung-up call.
	NoResultInfo Break = "no-result-info"
	// RosterFirst sends an invite's roster before the operation's
	// completion.
	RosterFirst Break = "roster-first"
	// AcceptMissingMediaConfig answers 202 to an answer without mediaConfig.
	AcceptMissingMediaConfig Break = "accept-missing-media-config"
	// KeepAliveAfterEnd answers 200 to keepAlive on a call that has ended.
	KeepAliveAfterEnd Break = "keep-alive-after-end"
	// NoOperationID answers an invite with neither a Location nor an id in
	// the body.
	NoOperationID Break = "no-operation-id"
	// NoEstablished never sends a call's established.
	NoEstablished Break = "no-established"
)

// Breaks lists every Break, for tests and documentation.
var Breaks = []Break{CreateAnswers200, NoResultInfo, RosterFirst, AcceptMissingMediaConfig, KeepAliveAfterEnd, NoOperationID, NoEstablished}

// ErrUnknownBreak is returned by Start and NewHandler for a Break that is
// not one of Breaks.
var ErrUnknownBreak = errors.New("unknown break")

// Capability is the one test-control capability the target has.
const Capability = "incoming-call"

// Server is a realshape target listening on loopback. Close it.
type Server struct {
	URL string // base URL, such as http://127.0.0.1:41234
	*Handler
	srv *http.Server
	ln  net.Listener
	end chan struct{} // closed when Serve returns
}

// Start starts a target with options o on a loopback port. The caller must
// Close it.
func Start(o Options) (*Server, error) {
	h, err := NewHandler(o)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("realshape: listen: %w", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), Handler: h, ln: ln, end: make(chan struct{})}
	s.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.end)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the notifications still queued and then the server.
func (s *Server) Close() {
	s.Handler.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
	<-s.end
}

// Handler is the target as an http.Handler: the v1.0 calls API under
// /communications/calls, the test-control API under /_control. Close it to
// stop its notifications.
type Handler struct {
	o   Options
	mux *http.ServeMux
	q   *queue

	mu      sync.Mutex
	calls   map[guid.GUID]*call
	sources []string // the real bodies used, in first-use order
}

// NewHandler returns a target with options o. The caller must Close it.
func NewHandler(o Options) (*Handler, error) {
	if o.Break != "" && !slices.Contains(Breaks, o.Break) {
		return nil, fmt.Errorf("realshape: %w %q", ErrUnknownBreak, o.Break)
	}
	h := &Handler{o: o, mux: http.NewServeMux(), q: newQueue(), calls: map[guid.GUID]*call{}}
	h.routes()
	return h, nil
}

// ServeHTTP serves one request of the bot or of the harness.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Close stops delivering notifications: the one being POSTed is abandoned,
// those queued are dropped. It waits for the delivery to stop.
func (h *Handler) Close() { h.q.close() }

// Sources returns the real bodies the target used so far, each once, in
// the order first used: notification samples by their path under
// internal/realtraffic/testdata (realtraffic.Sample.Path), answers as
// "answers/<source>/<name>.json".
func (h *Handler) Sources() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.sources)
}

// used records that the real body at path was used.
func (h *Handler) used(path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slices.Contains(h.sources, path) {
		h.sources = append(h.sources, path)
	}
}

func (h *Handler) routes() {
	graph := func(pattern string, f http.HandlerFunc) { h.mux.Handle(pattern, bearer(f)) }
	graph("POST /communications/calls", h.createCall)
	graph("GET /communications/calls/{id}", h.getCall)
	graph("DELETE /communications/calls/{id}", h.deleteCall)
	graph("POST /communications/calls/{id}/keepAlive", h.keepAlive)
	graph("POST /communications/calls/{id}/answer", h.answerCall)
	graph("POST /communications/calls/{id}/participants/invite", h.invite)
	h.mux.HandleFunc("GET /_control", h.capabilities)
	h.mux.HandleFunc("POST /_control/incoming-calls", h.incomingCall)
	h.handoffRoutes(graph)
}

// bearer refuses a Graph request without a bearer token; any token passes.
func bearer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("Authorization"); len(a) <= len("Bearer ") || a[:len("Bearer ")] != "Bearer " {
			writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
			return
		}
		next.ServeHTTP(w, r)
	})
}
