package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callconform/callconform/internal/guid"
)

// Call states and directions of beta-2018.
const (
	stateIncoming     = "incoming"
	stateEstablishing = "establishing"
	stateEstablished  = "established"
	stateTerminating  = "terminating"
	stateTerminated   = "terminated"

	directionIncoming = "incoming"
	directionOutgoing = "outgoing"

	reasonAppInitiated = "AppInitiated"

	typeCall            = "#microsoft.graph.call"
	typeParticipantInfo = "#microsoft.graph.participantInfo"
)

// call is one call leg of the bot. Fields above mu never change after the
// call is stored; the others are guarded by mu.
type call struct {
	id        guid.GUID
	owner     guid.GUID // the application that created (or was called by) it
	root      string    // calls root of its notification resources, e.g. /app/calls
	direction string
	chainID   guid.GUID
	bot       guid.GUID // the bot's own participant
	created   time.Time
	q         queue // its notifications, in order

	mu                sync.Mutex
	state             string
	callback          string
	subject           string
	tenantID          string
	source            json.RawMessage
	targets           json.RawMessage
	mediaConfig       json.RawMessage
	chatInfo          json.RawMessage
	meetingInfo       json.RawMessage
	requested         []string
	active            []string // nil until established
	terminationReason string
	etag              int
	participants      []*participant
	ops               map[guid.GUID]*operation
	nextSourceID      int
	replacing         bool  // an invite will replace this call
	deadline          Timer // ends the call if it stays in its state (incoming, establishing)
	ended             bool  // the service ended it (a deadline passed)
}

// nextEtag returns the etag of the call's next change; mu must be held.
func (c *call) nextEtag() string {
	c.etag++
	return etag(c.etag)
}

func etag(n int) string { return `W/"` + strconv.Itoa(n) + `"` }

// store holds the live calls in shards, each with its own lock.
type store struct {
	shards [32]struct {
		mu sync.RWMutex
		m  map[guid.GUID]*call
	}
	live atomic.Int64
}

func (st *store) init() {
	for i := range st.shards {
		st.shards[i].m = make(map[guid.GUID]*call)
	}
}

func (st *store) get(i guid.GUID) *call {
	sh := &st.shards[i[15]&31]
	sh.mu.RLock()
	c := sh.m[i]
	sh.mu.RUnlock()
	return c
}

// tryAdd stores c unless max calls are live, and reports whether it did.
func (st *store) tryAdd(c *call, max int) bool {
	for {
		n := st.live.Load()
		if n >= int64(max) {
			return false
		}
		if st.live.CompareAndSwap(n, n+1) {
			break
		}
	}
	sh := &st.shards[c.id[15]&31]
	sh.mu.Lock()
	sh.m[c.id] = c
	sh.mu.Unlock()
	return true
}

// each calls f on every live call, holding no lock of the store.
func (st *store) each(f func(*call)) {
	for i := range st.shards {
		sh := &st.shards[i]
		sh.mu.RLock()
		calls := make([]*call, 0, len(sh.m))
		for _, c := range sh.m {
			calls = append(calls, c)
		}
		sh.mu.RUnlock()
		for _, c := range calls {
			f(c)
		}
	}
}

// remove deletes call i and reports whether this call removed it.
func (st *store) remove(i guid.GUID) bool {
	sh := &st.shards[i[15]&31]
	sh.mu.Lock()
	_, ok := sh.m[i]
	delete(sh.m, i)
	sh.mu.Unlock()
	if ok {
		st.live.Add(-1)
	}
	return ok
}

// noteID formats an id for notification resources: undashed upper-case like
// the page, or dashed lower-case with UniformIDs.
func (s *Simulator) noteID(i guid.GUID) string {
	if s.cfg.UniformIDs {
		return i.String()
	}
	return i.Compact()
}

// resource returns the notification resource path of c.
func (s *Simulator) resource(c *call) string { return c.root + "/" + s.noteID(c.id) }

// noteRoot returns the calls root for notification resources of calls
// created by r.
func noteRoot(r *http.Request, p *principal) string {
	if r.PathValue("appId") != "" {
		return "/applications/" + p.appID.String() + "/calls"
	}
	return "/app/calls"
}

// callJSON is a call as a response body or as notification resourceData;
// each use fills the fields it shows.
type callJSON struct {
	OdataType           string          `json:"@odata.type"`
	OdataID             string          `json:"@odata.id,omitempty"`
	OdataEtag           string          `json:"@odata.etag,omitempty"`
	ID                  string          `json:"id,omitempty"`
	State               string          `json:"state,omitempty"`
	Direction           string          `json:"direction,omitempty"`
	TerminationReason   string          `json:"terminationReason,omitempty"`
	Subject             string          `json:"subject,omitempty"`
	Callback            string          `json:"callback,omitempty"`
	Source              json.RawMessage `json:"source,omitempty"`
	Targets             json.RawMessage `json:"targets,omitempty"`
	RequestedModalities []string        `json:"requestedModalities,omitzero"`
	ActiveModalities    []string        `json:"activeModalities,omitzero"`
	MediaConfig         json.RawMessage `json:"mediaConfig,omitempty"`
	ChatInfo            json.RawMessage `json:"chatInfo,omitempty"`
	MeetingInfo         json.RawMessage `json:"meetingInfo,omitempty"`
	MyParticipantID     string          `json:"myParticipantId,omitempty"`
	CallChainID         string          `json:"callChainId,omitempty"`
	TenantID            string          `json:"tenantId,omitempty"`
	ResultInfo          *resultInfoJSON `json:"resultInfo,omitempty"`
}

// body returns c as a response body; mu must be held.
func (c *call) body() callJSON {
	return callJSON{
		OdataType:           typeCall,
		ID:                  c.id.String(),
		State:               c.state,
		Direction:           c.direction,
		TerminationReason:   c.terminationReason,
		Subject:             c.subject,
		Callback:            c.callback,
		Source:              c.source,
		Targets:             c.targets,
		RequestedModalities: nonNil(c.requested),
		ActiveModalities:    c.active,
		MediaConfig:         c.mediaConfig,
		ChatInfo:            c.chatInfo,
		MeetingInfo:         c.meetingInfo,
		MyParticipantID:     c.bot.String(),
		CallChainID:         c.chainID.String(),
		TenantID:            c.tenantID,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// callNote returns the resourceData skeleton of a notification on c.
func (s *Simulator) callNote(c *call) callJSON {
	return callJSON{OdataType: typeCall, OdataID: s.resource(c), OdataEtag: c.nextEtag()}
}

// lookupCall finds the call of the request path for p, or writes 404.
func (s *Simulator) lookupCall(w http.ResponseWriter, r *http.Request, p *principal) (*call, bool) {
	raw := r.PathValue("id")
	i, ok := guid.Parse(raw)
	var c *call
	if ok {
		c = s.calls.get(i)
	}
	if c == nil || c.owner != p.appID {
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("call %q not found", raw))
		return nil, false
	}
	return c, true
}

// callRequest is the validated body of POST /app/calls.
type callRequest struct {
	callback    string
	subject     string
	tenantID    string
	source      json.RawMessage
	sourceID    json.RawMessage // source.identity
	targets     []json.RawMessage
	requested   []string
	mediaConfig json.RawMessage
	chatInfo    json.RawMessage
	meetingInfo json.RawMessage
}

func parseCallRequest(o object) (*callRequest, error) {
	var req callRequest
	var err error
	if t, ok, err := o.str("@odata.type"); err != nil || (ok && t != typeCall) {
		return nil, fmt.Errorf("@odata.type must be %s", typeCall)
	}
	if req.callback, err = o.callback(); err != nil {
		return nil, err
	}
	if req.subject, _, err = o.str("subject"); err != nil {
		return nil, err
	}
	if req.tenantID, _, err = o.str("tenantId"); err != nil {
		return nil, err
	}
	if o.present("source") {
		req.source = compact(o["source"])
		if _, req.sourceID, err = participantInfo("source", o["source"]); err != nil {
			return nil, err
		}
	}
	if req.targets, err = o.participantInfos("targets"); err != nil {
		return nil, err
	}
	if req.requested, _, err = o.modalities("requestedModalities"); err != nil {
		return nil, err
	}
	if req.mediaConfig, err = o.rawObject("mediaConfig"); err != nil {
		return nil, err
	}
	if req.mediaConfig != nil {
		var mc object
		_ = json.Unmarshal(req.mediaConfig, &mc)
		if t, ok, err := mc.str("@odata.type"); err != nil ||
			(ok && t != "#microsoft.graph.serviceHostedMediaConfig" && t != "#microsoft.graph.appHostedMediaConfig") {
			return nil, errors.New("mediaConfig.@odata.type must be #microsoft.graph.serviceHostedMediaConfig or #microsoft.graph.appHostedMediaConfig")
		}
	}
	if req.chatInfo, err = o.rawObject("chatInfo"); err != nil {
		return nil, err
	}
	if req.meetingInfo, err = o.rawObject("meetingInfo"); err != nil {
		return nil, err
	}
	if len(req.targets) == 0 && req.meetingInfo == nil {
		return nil, errors.New("a call needs targets (peer-to-peer call) or meetingInfo (meeting join)")
	}
	return &req, nil
}

// handleCreateCall is POST /app/calls: create an outgoing call or join a
// meeting. 201 Created + Location + the call (establishing), then
// notifications establishing and established.
func (s *Simulator) handleCreateCall(w http.ResponseWriter, r *http.Request, p *principal) {
	req, ok := decode(w, r, parseCallRequest)
	if !ok {
		return
	}
	c := &call{
		id: guid.New(), owner: p.appID, root: noteRoot(r, p), direction: directionOutgoing,
		chainID: guid.New(), bot: guid.New(), created: s.clock.Now(),
		state: stateEstablishing, callback: req.callback, subject: req.subject, tenantID: req.tenantID,
		source: req.source, mediaConfig: req.mediaConfig, chatInfo: req.chatInfo, meetingInfo: req.meetingInfo,
		requested: nonNil(req.requested), ops: make(map[guid.GUID]*operation),
	}
	if len(req.targets) > 0 {
		c.targets, _ = json.Marshal(req.targets)
	}
	botIdentity := req.sourceID
	if botIdentity == nil {
		botIdentity = s.botIdentity()
	}
	c.addParticipant(c.bot, botIdentity, nil)
	for _, t := range req.targets {
		info, identity, _ := participantInfo("target", t)
		c.addParticipant(guid.New(), identity, info)
	}
	body := c.body()
	s.armDeadline(c, stateEstablishing, s.establishTimeout, endNotEstablished)
	if !s.addCall(w, c) {
		c.stopDeadline()
		return
	}
	s.establish(c, nil, nil)
	w.Header().Set("Location", s.base(r)+root(r)+"/"+c.id.String())
	writeJSON(w, http.StatusCreated, body)
}

// botIdentity is the identity of the bot's own participant.
func (s *Simulator) botIdentity() json.RawMessage {
	b, _ := json.Marshal(map[string]any{"application": map[string]string{"displayName": "Test Bot", "id": s.appID.String()}})
	return b
}

// establish enqueues the establishing and established notifications of c.
// The call becomes established (and answer, when given, completed) as the
// second one is sent; if the service ended the call before (it stayed
// establishing too long), the second one is not sent. active nil means the
// call's requested modalities.
func (s *Simulator) establish(c *call, active []string, answer *operation) {
	c.mu.Lock()
	if active == nil {
		active = c.requested
	}
	active = nonNil(active)
	n1 := s.callNote(c)
	n1.State = stateEstablishing
	if c.direction == directionOutgoing {
		n1.Direction = directionOutgoing
	}
	n2 := s.callNote(c)
	n2.State = stateEstablished
	n2.ActiveModalities = active
	url, aud, res := c.callback, c.owner.String(), s.resource(c)
	c.mu.Unlock()
	s.notifier.enqueue(&c.q,
		&delivery{url: url, aud: aud, body: encodeNotification("updated", res, n1)},
		&delivery{url: url, aud: aud, body: encodeNotification("updated", res, n2), before: func() bool {
			now := s.clock.Now()
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.ended {
				return false
			}
			if c.state == stateEstablishing {
				c.state = stateEstablished
				c.active = active
				c.stopDeadline()
			}
			if answer != nil {
				answer.complete(now)
			}
			return true
		}})
}

// terminate ends c, already removed from the store: notifications
// terminating (when hangUp), terminated with terminationReason AppInitiated,
// and deleted.
func (s *Simulator) terminate(c *call, hangUp bool) {
	c.mu.Lock()
	c.stopDeadline()
	c.state = stateTerminated
	c.terminationReason = reasonAppInitiated
	url, aud, res := c.callback, c.owner.String(), s.resource(c)
	var ds []*delivery
	if hangUp {
		n := s.callNote(c)
		n.State = stateTerminating
		ds = append(ds, &delivery{url: url, aud: aud, body: encodeNotification("updated", res, n)})
	}
	n := s.callNote(c)
	n.State = stateTerminated
	n.TerminationReason = reasonAppInitiated
	ds = append(ds, &delivery{url: url, aud: aud, body: encodeNotification("updated", res, n)})
	ds = append(ds, &delivery{url: url, aud: aud, body: encodeNotification("deleted", res, s.callNote(c))})
	c.mu.Unlock()
	s.notifier.enqueue(&c.q, ds...)
}

// handleGetCall is GET /app/calls/{id}: 200 and the call.
func (s *Simulator) handleGetCall(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	c.mu.Lock()
	body := c.body()
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// handleDeleteCall is DELETE /app/calls/{id}: 204, the call is gone at once
// (404 from then on), then notifications terminating, terminated
// (AppInitiated) and deleted.
func (s *Simulator) handleDeleteCall(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	if !s.calls.remove(c.id) {
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("call %q not found", r.PathValue("id")))
		return
	}
	s.terminate(c, true)
	w.WriteHeader(http.StatusNoContent)
}
