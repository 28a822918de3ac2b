package simulator

import (
	"fmt"
	"net/http"

	"github.com/callconform/callconform/internal/guid"
)

const typeContentSharingSession = "#microsoft.graph.contentSharingSession"

// sharingSession is the content sharing session of a call: who presents.
type sharingSession struct {
	id        guid.GUID
	presenter guid.GUID // the participant sharing
}

// contentSharingJSON is a content sharing session as a body or as
// notification data.
type contentSharingJSON struct {
	OdataType string `json:"@odata.type"`
	ID        string `json:"id"`
}

// sharingRel is the notification resource of session sh, relative to its
// call, spelled as the real service spells it.
func (s *Simulator) sharingRel(sh *sharingSession) string {
	return "/contentsharingsessions/" + s.noteID(sh.id)
}

// startSharing makes participant pid of c present: a created notification
// on the new session, or updated when a session was under way; nil when
// c was not created with callOptions.isContentSharingNotificationEnabled
// (or with Break content-sharing-silent). c.mu must be held.
func (s *Simulator) startSharing(c *call, pid guid.GUID) *delivery {
	if !c.media.sharingEnabled {
		return nil
	}
	change := "updated"
	if c.media.sharing == nil {
		c.media.sharing = &sharingSession{id: guid.New()}
		change = "created"
	}
	c.media.sharing.presenter = pid
	if s.prof.media.sharingSilent {
		return nil
	}
	sh := c.media.sharing
	return s.note(c, change, s.sharingRel(sh), contentSharingJSON{OdataType: typeContentSharingSession, ID: sh.id.String()})
}

// stopSharing ends c's session if participant pid presents it: a deleted
// notification on it; nil otherwise. c.mu must be held.
func (s *Simulator) stopSharing(c *call, pid guid.GUID) *delivery {
	sh := c.media.sharing
	if sh == nil || sh.presenter != pid {
		return nil
	}
	c.media.sharing = nil
	if s.prof.media.sharingSilent {
		return nil
	}
	return s.note(c, "deleted", s.sharingRel(sh), contentSharingJSON{OdataType: typeContentSharingSession, ID: sh.id.String()})
}

// handleListContentSharing is GET {root}/{id}/contentSharingSessions
// (v1.0): 200 and {"value":[session]}, empty when no one shares.
func (s *Simulator) handleListContentSharing(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	out := []contentSharingJSON{}
	c.mu.Lock()
	if sh := c.media.sharing; sh != nil {
		out = append(out, contentSharingJSON{OdataType: typeContentSharingSession, ID: sh.id.String()})
	}
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Value []contentSharingJSON `json:"value"`
	}{out})
}

// handleGetContentSharing is GET {root}/{id}/contentSharingSessions/{sid}:
// 200 and the session, 404 when it is not the call's current one.
func (s *Simulator) handleGetContentSharing(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	sid, _ := guid.Parse(r.PathValue("sid"))
	c.mu.Lock()
	sh := c.media.sharing
	found := sh != nil && sh.id == sid
	c.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("content sharing session %q not found", r.PathValue("sid")))
		return
	}
	writeJSON(w, http.StatusOK, contentSharingJSON{OdataType: typeContentSharingSession, ID: sid.String()})
}

// contentSharingOption reads callOptions.isContentSharingNotificationEnabled
// of a new call: callOptions, when present, is an object, and that member
// a boolean.
func (o object) contentSharingOption() (bool, error) {
	opts, err := o.rawObject("callOptions")
	if err != nil || opts == nil {
		return false, err
	}
	v, ok := member(opts, "isContentSharingNotificationEnabled")
	if !ok || isNull(v) {
		return false, nil
	}
	switch string(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("callOptions.isContentSharingNotificationEnabled must be a boolean")
}
