package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/callconform/callconform/internal/guid"
)

// Operation types and the completed status. The running status is the
// profile's: "Running" as the beta-2018 page spells it, "running" (v1.0).
const (
	typeCommsOperation  = "#microsoft.graph.commsOperation"
	typeInviteOperation = "#microsoft.graph.inviteParticipantsOperation"
	statusCompleted     = "completed"
)

// operation is a long-running action on a call (answer, invite); guarded by
// its call's mu.
type operation struct {
	id            guid.GUID
	odataType     string
	status        string
	clientContext *string
	participants  []json.RawMessage // an invite's, as the profile writes them; nil when it does not
	created       time.Time
	lastAction    time.Time
}

// newOperation returns a running operation of odataType.
func (s *Simulator) newOperation(odataType string, clientContext *string, participants []json.RawMessage) *operation {
	now := s.clock.Now()
	return &operation{id: guid.New(), odataType: odataType, status: s.prof.runningStatus,
		clientContext: clientContext, participants: participants, created: now, lastAction: now}
}

// complete marks op completed; its call's mu must be held.
func (op *operation) complete(now time.Time) {
	op.status = statusCompleted
	op.lastAction = now
}

// operationJSON is an operation as a response body or as notification data.
type operationJSON struct {
	OdataType          string            `json:"@odata.type"`
	OdataID            string            `json:"@odata.id,omitempty"`
	OdataEtag          string            `json:"@odata.etag,omitempty"`
	ID                 string            `json:"id,omitempty"`
	Status             string            `json:"status"`
	CreatedDateTime    string            `json:"createdDateTime,omitempty"`
	LastActionDateTime string            `json:"lastActionDateTime,omitempty"`
	ClientContext      *string           `json:"clientContext,omitempty"`
	ResultInfo         json.RawMessage   `json:"resultInfo,omitempty"`
	Participants       []json.RawMessage `json:"participants,omitempty"`
}

// jsonNull is a member the real service sends as null.
var jsonNull = json.RawMessage("null")

// operationBody returns op as a response body, in the profile's shape; its
// call's mu must be held.
func (s *Simulator) operationBody(op *operation) operationJSON {
	j := operationJSON{OdataType: op.odataType, ID: op.id.String(), Status: op.status, ClientContext: op.clientContext}
	if s.prof.operationTimes {
		j.CreatedDateTime = op.created.UTC().Format(time.RFC3339)
		j.LastActionDateTime = op.lastAction.UTC().Format(time.RFC3339)
	}
	if s.prof.opParticipants {
		j.ResultInfo = jsonNull
		j.Participants = op.participants
	}
	return j
}

// completionNote returns the resourceData of op's completion notification,
// posted on resource opRes of c; c.mu must be held.
func (s *Simulator) completionNote(c *call, op *operation, opRes string) operationJSON {
	j := operationJSON{OdataType: op.odataType, Status: statusCompleted, ClientContext: op.clientContext}
	if s.prof.odataIDs {
		j.OdataID, j.OdataEtag = opRes, c.nextEtag()
	}
	if s.prof.opParticipants {
		j.ID = op.id.String()
		j.Participants = op.participants
	}
	return j
}

// handleGetOperation is GET {root}/{id}/operations/{opId}: 200 and the
// operation, status "completed" once its completion was notified.
func (s *Simulator) handleGetOperation(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	oid, _ := guid.Parse(r.PathValue("opId"))
	c.mu.Lock()
	op := c.ops[oid]
	var body operationJSON
	if op != nil {
		body = s.operationBody(op)
	}
	c.mu.Unlock()
	if op == nil {
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("operation %q not found", r.PathValue("opId")))
		return
	}
	writeJSON(w, http.StatusOK, body)
}
