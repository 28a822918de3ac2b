package simulator

import (
	"fmt"
	"net/http"
	"time"

	"github.com/callconform/callconform/internal/guid"
)

// Operation types and statuses. Responses spell the running status
// "Running", as the page does; notifications spell "completed".
const (
	typeCommsOperation  = "#microsoft.graph.commsOperation"
	typeInviteOperation = "#microsoft.graph.inviteParticipantsOperation"
	statusRunning       = "Running"
	statusCompleted     = "completed"
)

// operation is a long-running action on a call (answer, invite); guarded by
// its call's mu.
type operation struct {
	id            guid.GUID
	odataType     string
	status        string
	clientContext *string
	created       time.Time
	lastAction    time.Time
}

func newOperation(odataType string, clientContext *string, now time.Time) *operation {
	return &operation{id: guid.New(), odataType: odataType, status: statusRunning,
		clientContext: clientContext, created: now, lastAction: now}
}

// complete marks op completed; its call's mu must be held.
func (op *operation) complete(now time.Time) {
	op.status = statusCompleted
	op.lastAction = now
}

// operationJSON is an operation as a response body or as notification data.
type operationJSON struct {
	OdataType          string  `json:"@odata.type"`
	OdataID            string  `json:"@odata.id,omitempty"`
	OdataEtag          string  `json:"@odata.etag,omitempty"`
	ID                 string  `json:"id,omitempty"`
	Status             string  `json:"status"`
	CreatedDateTime    string  `json:"createdDateTime,omitempty"`
	LastActionDateTime string  `json:"lastActionDateTime,omitempty"`
	ClientContext      *string `json:"clientContext,omitempty"`
}

// body returns op as a response body; its call's mu must be held.
func (op *operation) body() operationJSON {
	return operationJSON{
		OdataType:          op.odataType,
		ID:                 op.id.String(),
		Status:             op.status,
		CreatedDateTime:    op.created.UTC().Format(time.RFC3339),
		LastActionDateTime: op.lastAction.UTC().Format(time.RFC3339),
		ClientContext:      op.clientContext,
	}
}

// handleGetOperation is GET /app/calls/{id}/operations/{opId}: 200 and the
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
		body = op.body()
	}
	c.mu.Unlock()
	if op == nil {
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("operation %q not found", r.PathValue("opId")))
		return
	}
	writeJSON(w, http.StatusOK, body)
}
