package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callconform/callconform/internal/guid"
)

// Call states and directions.
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
	replacing         bool        // an invite will replace this call
	deadline          Timer       // ends the call if it stays in its state (incoming, establishing)
	keepAlive         Timer       // ends the call if no keepAlive comes in time (v1.0)
	aliveUntil        time.Time   // when keepAlive ends the call, unless a keepAlive comes first
	ended             bool        // the service ended it (a deadline passed)
	armed             armed       // outcomes of its next transfer and redirect (test-control API)
	media             mediaState  // participant and media actions (media.go)
	actions           actionState // hold music (callactions.go)
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

// callJSON is a call as a response body or as notification resourceData;
// each use fills the fields it shows.
type callJSON struct {
	OdataContext        string          `json:"@odata.context,omitempty"`
	OdataType           string          `json:"@odata.type"`
	OdataID             string          `json:"@odata.id,omitempty"`
	OdataEtag           string          `json:"@odata.etag,omitempty"`
	ID                  string          `json:"id,omitempty"`
	State               string          `json:"state,omitempty"`
	Direction           string          `json:"direction,omitempty"`
	TerminationReason   string          `json:"terminationReason,omitempty"`
	Subject             string          `json:"subject,omitempty"`
	Callback            string          `json:"callback,omitempty"`
	CallbackURI         string          `json:"callbackUri,omitempty"`
	Source              json.RawMessage `json:"source,omitempty"`
	Targets             json.RawMessage `json:"targets,omitempty"`
	RequestedModalities []string        `json:"requestedModalities,omitzero"`
	ActiveModalities    []string        `json:"activeModalities,omitzero"`
	MediaState          *mediaStateJSON `json:"mediaState,omitempty"`
	MediaConfig         json.RawMessage `json:"mediaConfig,omitempty"`
	ChatInfo            json.RawMessage `json:"chatInfo,omitempty"`
	MeetingInfo         json.RawMessage `json:"meetingInfo,omitempty"`
	MyParticipantID     string          `json:"myParticipantId,omitempty"`
	CallChainID         string          `json:"callChainId,omitempty"`
	TenantID            string          `json:"tenantId,omitempty"`
	ResultInfo          any             `json:"resultInfo,omitempty"`
}

// body returns c as a response body; c.mu must be held.
func (s *Simulator) body(c *call) callJSON {
	j := callJSON{
		OdataType:           typeCall,
		ID:                  c.id.String(),
		State:               c.state,
		Direction:           c.direction,
		TerminationReason:   c.terminationReason,
		Subject:             c.subject,
		Source:              c.source,
		Targets:             c.targets,
		RequestedModalities: nonNil(c.requested),
		MediaConfig:         c.mediaConfig,
		ChatInfo:            c.chatInfo,
		MeetingInfo:         c.meetingInfo,
		MyParticipantID:     c.bot.String(),
		CallChainID:         c.chainID.String(),
		TenantID:            c.tenantID,
	}
	if s.prof.callbackURI {
		j.CallbackURI = c.callback
	} else {
		j.Callback = c.callback
	}
	switch {
	case !s.prof.mediaState:
		j.ActiveModalities = c.active
	case c.active != nil:
		j.MediaState = mediaStateOf(c.active)
	}
	return j
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// findCall returns the call of the request path if it is p's, else nil.
func (s *Simulator) findCall(r *http.Request, p *principal) *call {
	i, ok := guid.Parse(r.PathValue("id"))
	if !ok {
		return nil
	}
	if c := s.calls.get(i); c != nil && c.owner == p.appID {
		return c
	}
	return nil
}

// lookupCall finds the call of the request path for p, or writes 404.
func (s *Simulator) lookupCall(w http.ResponseWriter, r *http.Request, p *principal) (*call, bool) {
	c := s.findCall(r, p)
	if c == nil {
		if s.broken(BreakUnknownCall500) {
			writeError(w, http.StatusInternalServerError, codeInternalError, "object reference not set to an instance of an object")
			return nil, false
		}
		writeCallNotFound(w, r)
		return nil, false
	}
	return c, true
}

func writeCallNotFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("call %q not found", r.PathValue("id")))
}

// handleGetCall is GET {root}/{id}: 200 and the call.
func (s *Simulator) handleGetCall(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	c.mu.Lock()
	body := s.body(c)
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}
