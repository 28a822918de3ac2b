package simulator

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/callconform/callconform/internal/guid"
)

const typeParticipant = "#microsoft.graph.participant"

// participant is a member of a call's roster; guarded by its call's mu.
type participant struct {
	id          guid.GUID
	identity    json.RawMessage // as sent
	region      string
	languageID  string
	sourceID    string
	etag        int
	note        json.RawMessage // its roster item, encoded once; nil again when it changes
	muted       bool            // isMuted: muted by itself (mute) or by the bot (participant mute)
	serverMuted bool            // its media streams are server muted (participant mute)
	pending     *inviteState    // invited, not joined yet: not in the roster
	// screenSharing is the direction of its videoBasedScreenSharing
	// stream (changeScreenSharingRole), or "" when it has none.
	screenSharing string
}

// addParticipant adds a participant to c's roster; identity is as the
// profile writes it, info the participantInfo (or
// invitationParticipantInfo) it came from, if any. c.mu must be held or c
// not yet shared.
func (c *call) addParticipant(pid guid.GUID, identity json.RawMessage, info object) *participant {
	c.nextSourceID++
	c.etag++
	p := &participant{id: pid, identity: identity, sourceID: strconv.Itoa(c.nextSourceID), etag: c.etag}
	if info != nil {
		p.region, _, _ = info.str("region")
		p.languageID, _, _ = info.str("languageId")
	}
	c.participants = append(c.participants, p)
	return p
}

// participantJSON is a participant in a roster notification or a response.
type participantJSON struct {
	OdataType    string              `json:"@odata.type"`
	OdataID      string              `json:"@odata.id,omitempty"`
	OdataEtag    string              `json:"@odata.etag,omitempty"`
	ID           string              `json:"id,omitempty"`
	Info         participantInfoJSON `json:"info"`
	MediaStreams []mediaStreamJSON   `json:"mediaStreams"`
	IsMuted      *bool               `json:"isMuted,omitempty"`
	IsInLobby    *bool               `json:"isInLobby,omitempty"`

	// Members the real service adds (v1.0).
	PublishedStates      []string `json:"publishedStates,omitzero"`
	MeetingRole          string   `json:"meetingRole,omitempty"`
	IsIdentityAnonymized *bool    `json:"isIdentityAnonymized,omitempty"`
}

type participantInfoJSON struct {
	OdataType     string          `json:"@odata.type"`
	Identity      json.RawMessage `json:"identity,omitempty"`
	EndpointType  string          `json:"endpointType,omitempty"`
	Region        string          `json:"region,omitempty"`
	LanguageID    string          `json:"languageId,omitempty"`
	ParticipantID string          `json:"participantId,omitempty"`
}

type mediaStreamJSON struct {
	OdataType   string `json:"@odata.type,omitempty"`
	MediaType   string `json:"mediaType"`
	Label       string `json:"label"`
	SourceID    string `json:"sourceId"`
	Direction   string `json:"direction"`
	ServerMuted bool   `json:"serverMuted"`
}

func (p *participant) base() participantJSON {
	j := participantJSON{
		OdataType: typeParticipant,
		Info: participantInfoJSON{
			OdataType: typeParticipantInfo, Identity: p.identity, Region: p.region, LanguageID: p.languageID,
		},
		MediaStreams: []mediaStreamJSON{{
			MediaType: "audio", Label: "main-audio", SourceID: p.sourceID, Direction: "sendReceive",
			ServerMuted: p.serverMuted,
		}},
	}
	if p.screenSharing != "" {
		j.MediaStreams = append(j.MediaStreams, mediaStreamJSON{
			MediaType: "videoBasedScreenSharing", Label: "applicationsharing-video", SourceID: p.sourceID,
			Direction: p.screenSharing,
		})
	}
	return j
}

// mutedFlag returns isMuted of p: a pointer, so that a profile that leaves
// it out of roster items writes it where it is true.
func (p *participant) mutedFlag() *bool {
	m := p.muted
	return &m
}

// roster returns c's participants as roster notification data; c.mu must
// be held.
func (s *Simulator) roster(c *call) rosterJSON {
	out := make(rosterJSON, 0, len(c.participants))
	for _, p := range c.participants {
		if p.note == nil { // an invitee's too: its item is the one it joins with
			item := s.rosterItem(c, p)
			p.note = mustAppend(&item)
		}
		if p.pending == nil { // joined
			out = append(out, p.note)
		}
	}
	return out
}

// rosterJSON is a roster: the items of the participants that joined, each
// encoded once (a participant's note) and appended as it is.
type rosterJSON []json.RawMessage

// size is the length of r's encoding.
func (r rosterJSON) size() int {
	n := 2 + len(r)
	for _, item := range r {
		n += len(item)
	}
	return n
}

func (r rosterJSON) appendJSON(b []byte) ([]byte, error) {
	if r == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, item := range r {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, item...)
	}
	return append(b, ']'), nil
}

// rosterItem returns p as an item of c's roster notifications.
func (s *Simulator) rosterItem(c *call, p *participant) participantJSON {
	j := p.base()
	if s.prof.odataIDs {
		j.OdataID = s.resource(c) + "/participants/" + s.noteID(p.id)
		j.OdataEtag = etag(p.etag)
	}
	if p.muted {
		j.IsMuted = p.mutedFlag()
	}
	if s.prof.participantDetails {
		p.detail(&j)
	}
	return j
}

// participantBody returns p as a response body.
func (s *Simulator) participantBody(p *participant) participantJSON {
	j := p.base()
	j.ID = p.id.String()
	f := false
	j.IsMuted, j.IsInLobby = p.mutedFlag(), &f
	if s.prof.participantDetails {
		p.detail(&j)
	}
	return j
}

// detail adds to j what the real service says of every participant: its
// id (in info as participantId too), whether it is muted, that it is
// neither in the lobby nor anonymized, its endpoint type and meeting role, and the type of
// its media stream.
func (p *participant) detail(j *participantJSON) {
	f := false
	j.ID = p.id.String()
	j.IsMuted, j.IsInLobby, j.IsIdentityAnonymized = p.mutedFlag(), &f, &f
	j.PublishedStates, j.MeetingRole = []string{}, "none"
	j.Info.EndpointType, j.Info.ParticipantID = "default", j.ID
	for i := range j.MediaStreams {
		j.MediaStreams[i].OdataType = typeMediaStream
	}
}

// handleListParticipants is GET {root}/{id}/participants: 200 and
// {"value":[participant...]}.
func (s *Simulator) handleListParticipants(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	c.mu.Lock()
	out := make([]participantJSON, len(c.participants))
	for i, pt := range c.participants {
		out[i] = s.participantBody(pt)
	}
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Value []participantJSON `json:"value"`
	}{out})
}

// handleGetParticipant is GET {root}/{id}/participants/{pid}.
func (s *Simulator) handleGetParticipant(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	c.mu.Lock()
	var found *participantJSON
	if pt := c.participant(r.PathValue("pid")); pt != nil {
		b := s.participantBody(pt)
		found = &b
	}
	c.mu.Unlock()
	if found == nil {
		writeParticipantNotFound(w, r)
		return
	}
	writeJSON(w, http.StatusOK, found)
}
