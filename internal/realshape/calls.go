package realshape

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/callconform/callconform/internal/guid"
)

// maxBody bounds a request body the target reads.
const maxBody = 1 << 20

// call is what the target keeps of a call. Its fields after req change
// under Handler.mu.
type call struct {
	id    guid.GUID
	chain guid.GUID      // its callChainId
	req   map[string]any // the request that made it: what the call echoes

	callback string
	state    string
	ended    bool

	declineTransfer bool // the test-control API made its next transfer fail
}

// add stores c.
func (h *Handler) add(c *call) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls[c.id] = c
}

// update changes c under the lock.
func (h *Handler) update(c *call, f func(c *call)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(c)
}

// now returns c's changing fields: its callback, state and whether it ended.
func (h *Handler) now(c *call) (callback, state string, ended bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return c.callback, c.state, c.ended
}

// find returns the call id names, in any casing and dashing.
func (h *Handler) find(id string) *call {
	g, ok := guid.Parse(id)
	if !ok {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls[g]
}

// live returns the call of the request's {id}, or answers 404 when there
// is none or it has ended.
func (h *Handler) live(w http.ResponseWriter, r *http.Request) (*call, bool) {
	c := h.find(r.PathValue("id"))
	if c == nil {
		writeError(w, http.StatusNotFound, "NotFound", "no call "+r.PathValue("id"))
		return nil, false
	}
	if _, _, ended := h.now(c); ended {
		writeError(w, http.StatusNotFound, "NotFound", "the call has ended")
		return nil, false
	}
	return c, true
}

// newCall reads a request that starts a call: a JSON object whose field
// names the callback URL. It answers 400 and reports false when it is not.
func newCall(w http.ResponseWriter, r *http.Request, field, state string) (*call, bool) {
	req, ok := readObject(w, r)
	if !ok {
		return nil, false
	}
	cb, _ := req[field].(string)
	if cb == "" {
		writeError(w, http.StatusBadRequest, "BadRequest", field+" is required")
		return nil, false
	}
	return &call{id: guid.New(), chain: guid.New(), req: req, callback: cb, state: state}, true
}

// createCall is POST /communications/calls: a peer-to-peer call, a group
// call (more than one target) or a meeting join (meetingInfo).
func (h *Handler) createCall(w http.ResponseWriter, r *http.Request) {
	c, ok := newCall(w, r, "callbackUri", "establishing")
	if !ok {
		return
	}
	status, body, err := h.callBody(c, "establishing")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	notes, err := h.setUp(c)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	if h.o.Break == CreateAnswers200 {
		status = http.StatusOK
	}
	h.add(c)
	w.Header().Set("Location", base(r)+"/communications/calls/"+c.id.String())
	writeJSON(w, status, body)
	h.q.push(notes...)
	h.update(c, func(c *call) { c.state = "established" })
}

// setUp builds the notifications that set up c: its states, and the roster
// of a group call or a meeting.
func (h *Handler) setUp(c *call) ([]delivery, error) {
	switch targets, _ := c.req["targets"].([]any); {
	case c.req["meetingInfo"] != nil:
		roster := meetingRoster
		if h.o.BotAsInstance {
			roster = instanceRoster
		}
		return h.states(c, meetingEstablishing, meetingEstablished, roster)
	case len(targets) > 1:
		return h.states(c, groupEstablishing, groupEstablished, groupRoster)
	}
	return h.states(c, p2pEstablishing, p2pEstablished, "")
}

// states builds c's establishing and established from the real bodies at
// those paths, in the order the options say, then its roster, if any.
func (h *Handler) states(c *call, establishing, established, roster string) ([]delivery, error) {
	paths := []string{establishing, established}
	switch {
	case h.o.Break == NoEstablished:
		paths = paths[:1]
	case h.o.EstablishedFirst:
		paths[0], paths[1] = paths[1], paths[0]
	}
	if roster != "" {
		paths = append(paths, roster)
	}
	callback, _, _ := h.now(c)
	var out []delivery
	for _, p := range paths {
		n, err := h.sample(p)
		if err != nil {
			return nil, err
		}
		rest := ""
		if p == roster {
			rest = "/participants"
		}
		h.at(n, c.id, rest)
		if rd := n.data(); rd != nil {
			replace(rd, "callChainId", c.chain.String())
			for _, k := range []string{"chatInfo", "meetingInfo"} {
				if v, ok := c.req[k]; ok {
					replace(rd, k, v)
				}
			}
		}
		out = append(out, n.to(callback))
	}
	return out, nil
}

// callBody is the documented call body (the create answer's) made c's:
// its id, callback, state and what its request said. status is the
// documented answer's.
func (h *Handler) callBody(c *call, state string) (status int, body map[string]any, err error) {
	a, err := h.documented(createAnswer)
	if err != nil {
		return 0, nil, err
	}
	if body, err = decodeObject(a.Response.Body); err != nil {
		return 0, nil, fmt.Errorf("realshape: %s: %w", createAnswer, err)
	}
	callback, _, _ := h.now(c)
	body["id"] = c.id.String()
	body["callbackUri"] = callback
	body["state"] = state
	body["callChainId"] = c.chain.String()
	body["myParticipantId"] = guid.NewString()
	echo(body, c.req, "source", "targets", "requestedModalities", "mediaConfig", "chatInfo", "meetingInfo", "tenantId", "subject", "direction")
	return a.Response.Status, body, nil
}

// getCall is GET /communications/calls/{id}. No documented GET answer is
// among the real bodies: the call is the create answer's body, in its
// state now.
func (h *Handler) getCall(w http.ResponseWriter, r *http.Request) {
	c, ok := h.live(w, r)
	if !ok {
		return
	}
	_, state, _ := h.now(c)
	_, body, err := h.callBody(c, state)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// deleteCall is DELETE /communications/calls/{id}: hang up. The call says
// terminating, then goes with one deleted, state terminated.
func (h *Handler) deleteCall(w http.ResponseWriter, r *http.Request) {
	c, ok := h.live(w, r)
	if !ok {
		return
	}
	a, err := h.documented(deleteAnswer)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	notes, err := h.end(c, hangUpTerminating, hangUpTerminated)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	w.WriteHeader(a.Response.Status)
	h.q.push(notes...)
}

// end marks c ended and builds its last notifications from the real
// bodies at paths.
func (h *Handler) end(c *call, paths ...string) ([]delivery, error) {
	callback, _, _ := h.now(c)
	var out []delivery
	for _, p := range paths {
		n, err := h.sample(p)
		if err != nil {
			return nil, err
		}
		h.at(n, c.id, "")
		if rd := n.data(); rd != nil {
			replace(rd, "callChainId", c.chain.String())
			h.shapeResult(rd)
		}
		out = append(out, n.to(callback))
	}
	h.update(c, func(c *call) { c.state, c.ended = "terminated", true })
	return out, nil
}

// keepAlive is POST /communications/calls/{id}/keepAlive: 200 while the
// call lives, 404 once it has ended.
func (h *Handler) keepAlive(w http.ResponseWriter, r *http.Request) {
	c := h.find(r.PathValue("id"))
	if c == nil {
		writeError(w, http.StatusNotFound, "NotFound", "no call "+r.PathValue("id"))
		return
	}
	if _, _, ended := h.now(c); ended && h.o.Break != KeepAliveAfterEnd {
		writeError(w, http.StatusNotFound, "NotFound", "the call has ended")
		return
	}
	a, err := h.documented(keepAliveAnswer)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	w.WriteHeader(a.Response.Status)
}

// answerCall is POST /communications/calls/{id}/answer: 202, then the
// call's states to the answer's callbackUri.
func (h *Handler) answerCall(w http.ResponseWriter, r *http.Request) {
	c, ok := h.live(w, r)
	if !ok {
		return
	}
	req, ok := readObject(w, r)
	if !ok {
		return
	}
	if _, ok := req["mediaConfig"].(map[string]any); !ok && h.o.Break != AcceptMissingMediaConfig {
		writeError(w, http.StatusBadRequest, "BadRequest", "mediaConfig is required")
		return
	}
	if _, ok := req["acceptedModalities"].([]any); !ok {
		writeError(w, http.StatusBadRequest, "BadRequest", "acceptedModalities is required")
		return
	}
	if cb, _ := req["callbackUri"].(string); cb != "" {
		h.update(c, func(c *call) { c.callback = cb })
	}
	a, err := h.documented(answerAnswer)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	notes, err := h.states(c, answerEstablishing, answerEstablished, "")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	if h.o.AnswerBody {
		writeJSON(w, a.Response.Status, map[string]any{})
	} else {
		w.WriteHeader(a.Response.Status)
	}
	h.q.push(notes...)
	h.update(c, func(c *call) { c.state = "established" })
}

// capabilities is GET /_control.
func (h *Handler) capabilities(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"capabilities": Capabilities})
}

// incomingCall is POST /_control/incoming-calls {callback, source?,
// requestedModalities?}: a user calls the bot. The created notification
// goes to callback.
func (h *Handler) incomingCall(w http.ResponseWriter, r *http.Request) {
	c, ok := newCall(w, r, "callback", "incoming")
	if !ok {
		return
	}
	n, err := h.sample(incoming)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	h.at(n, c.id, "")
	if rd := n.data(); rd != nil {
		for _, k := range []string{"source", "requestedModalities"} {
			if v, ok := c.req[k]; ok {
				replace(rd, k, v)
			}
		}
	}
	h.add(c)
	path := "/communications/calls/" + c.id.String()
	w.Header().Set("Location", base(r)+path)
	writeJSON(w, http.StatusCreated, map[string]any{"id": c.id.String(), "resource": path})
	h.q.push(n.to(c.callback))
}

// base is the target's base URL as the request reached it.
func base(r *http.Request) string { return "http://" + r.Host }

// readObject reads the request body as a JSON object, or answers 400.
func readObject(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(b) > maxBody {
		writeError(w, http.StatusBadRequest, "BadRequest", "the body cannot be read")
		return nil, false
	}
	m, err := decodeObject(b)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "the body is not a JSON object: "+err.Error())
		return nil, false
	}
	return m, true
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(encode(v))
}

// writeError answers status with an error in Graph's shape. No error
// answer is among the real bodies: the shape is the one concepts/errors.md
// documents ({"error": {"code", "message", "innerError": {"request-id",
// "date"}}}).
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code":    code,
		"message": message,
		"innerError": map[string]any{
			"request-id": guid.NewString(),
			"date":       time.Now().UTC().Format(time.RFC3339),
		},
	}})
}

// lastSegment returns what follows the last slash of s: the id of a call
// written as a path (/communications/calls/{id}), or s itself.
func lastSegment(s string) string { return s[strings.LastIndex(s, "/")+1:] }
