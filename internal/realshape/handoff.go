package realshape

import (
	"encoding/json"
	"net/http"
	"strings"
)

// The real bodies of reject, redirect and transfer.
const (
	rejected             = "graph-docs-v1.0/reject/02-deleted.json"
	redirected           = "graph-docs-v1.0/redirect/02-deleted-terminated.json"
	transferring         = "graph-docs-v1.0/transfer/01-transferring.json"
	transferAccepted     = "graph-docs-v1.0/transfer/02-transfer-accepted.json"
	transferred          = "graph-docs-v1.0/transfer/03-deleted-terminated.json"
	consultTransferred   = "graph-docs-v1.0/transfer-consultative/03-deleted-app-transferred.json"
	transferFailed       = "graph-docs-v1.0/transfer-failed/02-established-failed.json"
	rejectAnswer         = "reject"
	redirectAnswer       = "redirect"
	transferAnswer       = "transfer"
	minRedirectTimeout   = 15 // "between 15 and 90 seconds inclusive"
	maxRedirectTimeout   = 90
	transferRejectAction = "transfer-reject"
)

// Capabilities are the test-control capabilities the target has: it
// places incoming calls, and makes a call's next transfer fail.
var Capabilities = []string{Capability, transferRejectAction}

// handoffRoutes adds the routes of reject, redirect, transfer and the
// test-control action that makes a transfer fail.
func (h *Handler) handoffRoutes(graph func(string, http.HandlerFunc)) {
	graph("POST /communications/calls/{id}/reject", h.reject)
	graph("POST /communications/calls/{id}/redirect", h.redirect)
	graph("POST /communications/calls/{id}/transfer", h.transfer)
	h.mux.HandleFunc("POST /_control/"+transferRejectAction, h.armTransferReject)
}

// incomingOnly returns the incoming call of the request's {id}, or answers
// 404 (none) or 409 (answered already).
func (h *Handler) incomingOnly(w http.ResponseWriter, r *http.Request) (*call, bool) {
	c, ok := h.live(w, r)
	if !ok {
		return nil, false
	}
	if _, state, _ := h.now(c); state != "incoming" {
		writeError(w, http.StatusConflict, "InvalidCallState", "the call is "+state+", not incoming")
		return nil, false
	}
	return c, true
}

// reject is POST /communications/calls/{id}/reject: 202, then the
// documented bare deleted.
func (h *Handler) reject(w http.ResponseWriter, r *http.Request) {
	c, ok := h.incomingOnly(w, r)
	if !ok {
		return
	}
	req, ok := readObject(w, r)
	if !ok {
		return
	}
	if reason, ok := req["reason"].(string); ok && !strings.Contains("|none|busy|forbidden|", "|"+strings.ToLower(reason)+"|") {
		writeError(w, http.StatusBadRequest, "BadRequest", "reason must be none, busy or forbidden")
		return
	}
	h.handOff(w, c, rejectAnswer, rejected)
}

// redirect is POST /communications/calls/{id}/redirect: 202, then the
// documented deleted, state terminated, to the redirect's callbackUri.
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request) {
	c, ok := h.incomingOnly(w, r)
	if !ok {
		return
	}
	req, ok := readObject(w, r)
	if !ok {
		return
	}
	if targets, _ := req["targets"].([]any); len(targets) == 0 {
		writeError(w, http.StatusBadRequest, "BadRequest", "targets is required")
		return
	}
	if t, ok := req["timeout"]; ok {
		n, isNum := t.(json.Number)
		v, err := n.Int64()
		if !isNum || err != nil || v < minRedirectTimeout || v > maxRedirectTimeout {
			writeError(w, http.StatusBadRequest, "BadRequest", "timeout must be from 15 to 90 seconds")
			return
		}
	}
	if cb, _ := req["callbackUri"].(string); cb != "" {
		h.update(c, func(c *call) { c.callback = cb })
	}
	h.handOff(w, c, redirectAnswer, redirected)
}

// handOff answers as the documented answer name does and ends c with the
// real body at path.
func (h *Handler) handOff(w http.ResponseWriter, c *call, name, path string) {
	a, err := h.documented(name)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	notes, err := h.end(c, path)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	w.WriteHeader(a.Response.Status)
	h.q.push(notes...)
}

// transfer is POST /communications/calls/{id}/transfer: 202, then
// transferring, and transferAccepted and the call's end (consultative:
// AppTransferred), or, when the test-control API made it fail, the call
// established again with the documented failure.
func (h *Handler) transfer(w http.ResponseWriter, r *http.Request) {
	c, ok := h.live(w, r)
	if !ok {
		return
	}
	req, ok := readObject(w, r)
	if !ok {
		return
	}
	target, _ := req["transferTarget"].(map[string]any)
	if _, ok := target["identity"].(map[string]any); !ok {
		writeError(w, http.StatusBadRequest, "BadRequest", "transferTarget.identity is required")
		return
	}
	a, err := h.documented(transferAnswer)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	var declined bool
	h.update(c, func(c *call) { declined, c.declineTransfer = c.declineTransfer, false })
	var notes []delivery
	if declined {
		notes, err = h.callNotes(c, transferring, transferFailed)
	} else {
		end := transferred
		if _, consultative := target["replacesCallId"]; consultative {
			end = consultTransferred
		}
		if notes, err = h.callNotes(c, transferring, transferAccepted); err == nil {
			var last []delivery
			last, err = h.end(c, end)
			notes = append(notes, last...)
		}
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	w.WriteHeader(a.Response.Status)
	h.q.push(notes...)
}

// callNotes builds notifications on c from the real bodies at paths.
func (h *Handler) callNotes(c *call, paths ...string) ([]delivery, error) {
	callback, _, _ := h.now(c)
	var out []delivery
	for _, p := range paths {
		n, err := h.sample(p)
		if err != nil {
			return nil, err
		}
		h.at(n, c.id, "")
		if rd := n.data(); rd != nil {
			h.shapeResult(rd)
		}
		out = append(out, n.to(callback))
	}
	return out, nil
}

// armTransferReject is POST /_control/transfer-reject {callId}: the call's
// next transfer fails.
func (h *Handler) armTransferReject(w http.ResponseWriter, r *http.Request) {
	req, ok := readObject(w, r)
	if !ok {
		return
	}
	id, _ := req["callId"].(string)
	c := h.find(id)
	if c == nil {
		writeError(w, http.StatusNotFound, "NotFound", "no call "+id)
		return
	}
	h.update(c, func(c *call) { c.declineTransfer = true })
	writeJSON(w, http.StatusOK, map[string]any{"callId": c.id.String(), "transfer": "reject"})
}
