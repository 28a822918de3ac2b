package realshape

import (
	"net/http"

	"github.com/callconform/callconform/internal/guid"
)

// The documented limits of an invite.
const (
	maxInvitees      = 5   // "Inviting up to 5 participants is supported."
	maxClientContext = 256 // clientContext: "Max limit is 256 chars."
)

// invitation is a validated invite: who is invited, and which call it
// replaces, if any.
type invitation struct {
	req      map[string]any
	invitees []map[string]any
	pstn     bool  // a phone number is invited
	replaced *call // the call a participant's replacesCallId names
}

// invite is POST /communications/calls/{id}/participants/invite: 200 and
// the operation, then the operation's completion and the roster (and, for
// a replacing invite, the end of the replaced call).
func (h *Handler) invite(w http.ResponseWriter, r *http.Request) {
	c, ok := h.live(w, r)
	if !ok {
		return
	}
	req, ok := readObject(w, r)
	if !ok {
		return
	}
	inv, msg := h.invitation(req)
	if msg != "" {
		writeError(w, http.StatusBadRequest, "BadRequest", msg)
		return
	}
	op := guid.New()
	notes, err := h.inviteNotes(c, op, inv)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	status, body, err := h.operationBody(op, inv)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	if h.o.InviteLocation && h.o.Break != NoOperationID {
		w.Header().Set("Location", base(r)+"/communications/calls/"+c.id.String()+"/operations/"+op.String())
	}
	writeJSON(w, status, body)
	h.q.push(notes...)
}

// invitation validates an invite's body, or says why it is a bad request.
func (h *Handler) invitation(req map[string]any) (*invitation, string) {
	inv := &invitation{req: req}
	list, _ := req["participants"].([]any)
	switch {
	case len(list) == 0:
		return nil, "participants is required"
	case len(list) > maxInvitees:
		return nil, "inviting up to 5 participants is supported"
	}
	if cc, ok := req["clientContext"]; ok {
		s, isString := cc.(string)
		if !isString || len([]rune(s)) > maxClientContext {
			return nil, "clientContext must be a string of at most 256 characters"
		}
	}
	for _, p := range list {
		m, ok := p.(map[string]any)
		if !ok {
			return nil, "each participant must be an object"
		}
		set, _ := m["identity"].(map[string]any)
		if kind, _ := whoIs(set); kind == "" {
			return nil, "each participant needs an identity with an id"
		} else if kind == "phone" {
			inv.pstn = true
		}
		if id, ok := m["replacesCallId"].(string); ok && inv.replaced == nil {
			if inv.replaced = h.find(lastSegment(id)); inv.replaced == nil {
				return nil, "replacesCallId names no call"
			}
		}
		inv.invitees = append(inv.invitees, m)
	}
	return inv, ""
}

// operationBody is the documented invite answer made this invite's: the
// operation's id, its clientContext and participants.
func (h *Handler) operationBody(op guid.GUID, inv *invitation) (int, map[string]any, error) {
	a, err := h.documented(inviteAnswer)
	if err != nil {
		return 0, nil, err
	}
	body, err := decodeObject(a.Response.Body)
	if err != nil {
		return 0, nil, err
	}
	body["id"] = op.String()
	if h.o.Break == NoOperationID {
		delete(body, "id")
	}
	contextOf(body, inv.req)
	participants := make([]any, len(inv.invitees))
	for i, p := range inv.invitees {
		participants[i] = p
	}
	body["participants"] = participants
	return a.Response.Status, body, nil
}

// contextOf sets m's clientContext to the request's, or drops it when the
// request has none.
func contextOf(m, req map[string]any) {
	if cc, ok := req["clientContext"]; ok {
		m["clientContext"] = cc
	} else {
		delete(m, "clientContext")
	}
}

// inviteNotes builds the operation's completion and the roster from the
// page's example of this kind of invite, in the order the options say,
// then, for a replacing invite, the end of the replaced call.
func (h *Handler) inviteNotes(c *call, op guid.GUID, inv *invitation) ([]delivery, error) {
	done, roster, rosterOn := inviteDone, inviteRoster, c
	switch {
	case inv.replaced != nil:
		// The page posts the roster on the replaced call: played so.
		done, roster, rosterOn = replacingDone, replacingRoster, inv.replaced
	case inv.pstn:
		done, roster = pstnDone, pstnRoster
	}
	dn, err := h.sample(done)
	if err != nil {
		return nil, err
	}
	h.at(dn, c.id, "/operations/"+h.id(op))
	if rd := dn.data(); rd != nil {
		replace(rd, "id", h.id(op))
		contextOf(rd, inv.req)
		rd["participants"] = fromTemplate(rd["participants"], inv.invitees, "identity")
	}
	rn, err := h.sample(roster)
	if err != nil {
		return nil, err
	}
	h.at(rn, rosterOn.id, "/participants")
	rn.item["resourceData"] = fromTemplate(rn.item["resourceData"], inv.invitees, "info", "identity")
	callback, _, _ := h.now(c)
	rosterCallback, _, _ := h.now(rosterOn)
	out := []delivery{dn.to(callback), rn.to(rosterCallback)}
	if h.o.Break == RosterFirst {
		out[0], out[1] = out[1], out[0]
	}
	if inv.replaced != nil {
		ends, err := h.end(inv.replaced, replacedEnds)
		if err != nil {
			return nil, err
		}
		out = append(out, ends...)
	}
	return out, nil
}

// fromTemplate returns one copy of the first element of the real body's
// list per invitee, the identitySet at path within it naming that invitee
// (see sameOne).
func fromTemplate(list any, invitees []map[string]any, path ...string) []any {
	l, _ := list.([]any)
	if len(l) == 0 {
		return []any{}
	}
	out := make([]any, 0, len(invitees))
	for _, p := range invitees {
		elem := clone(l[0])
		set := elem
		for _, k := range path {
			m, _ := set.(map[string]any)
			set = m[k]
		}
		tmpl, _ := set.(map[string]any)
		want, _ := p["identity"].(map[string]any)
		if tmpl != nil && want != nil {
			sameOne(tmpl, want)
		}
		out = append(out, elem)
	}
	return out
}
