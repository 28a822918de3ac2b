package simulator

import (
	"net/http"
)

// States of a call handed to someone else (reject, redirect, transfer),
// reasons it ended, and the resultInfo of their endings. The state after
// transferring is the profile's (transfer-accepted under beta-2018,
// transferAccepted under v1.0).
const (
	stateRedirecting  = "redirecting"
	stateTransferring = "transferring"

	reasonAppTransferred = "AppTransferred"
	reasonAppRedirected  = "AppRedirected"

	statusFailed = "failed"
)

var (
	// endTransferred: 0/7015 "GracefulTransferCompleted", the v1.0 transfer
	// page's completion of a blind transfer (and of one to a phone or from
	// a group call).
	endTransferred = endReason{"0", "7015", "GracefulTransferCompleted"}
	// transferFailed and consultFailed: 500/7000 and 500/7700, the v1.0
	// transfer page's failure of a blind and of a consultative transfer.
	transferFailed = endReason{"500", "7000", "The transfer target declined the transfer."}
	consultFailed  = endReason{"500", "7700", "The transfer target declined the consultative transfer."}
	// endRedirectDeclined: 480/10076, "the callee could not be reached",
	// the call end reason code the simulator gives a call whose redirect
	// targets all declined (no page shows one).
	endRedirectDeclined = endReason{"480", "10076", "The redirect targets could not be reached."}
)

// outcome is what the far end of a transfer or a redirect does with it.
type outcome uint8

const (
	accepts outcome = iota // the default: the target takes the call
	declines
)

// armed holds the outcomes of a call's next transfer and next redirect, set
// by the test-control API before the operation (accepts until then); each
// operation reads its outcome when it is requested, so that the outcome
// never races with the notifications. Guarded by the call's mu.
type armed struct {
	transfer, redirect outcome
}

// answerForm is how an accepted reject, redirect or transfer answers: its
// status, and whether a commsOperation comes as the body (whose completion
// is then notified on the operation's resource).
type answerForm struct {
	status int
	body   bool
}

// startHandoff records the operation of an accepted reject, redirect or
// transfer on c when form has a body, and returns it (nil otherwise) with
// the body to answer. c.mu must be held.
func (s *Simulator) startHandoff(c *call, form answerForm, clientContext *string) (*operation, operationJSON) {
	if !form.body {
		return nil, operationJSON{}
	}
	op := s.newOperation(typeCommsOperation, clientContext, nil)
	c.ops[op.id] = op
	return op, s.operationBody(op)
}

// writeHandoffAnswer writes the answer of an accepted reject, redirect or
// transfer: the status alone, or with the operation as body.
func writeHandoffAnswer(w http.ResponseWriter, form answerForm, op *operation, body operationJSON) {
	if op == nil {
		w.WriteHeader(form.status)
		return
	}
	writeJSON(w, form.status, body)
}

// opNote returns the completion notification of op (deleted on
// /operations/{id}): completed, or failed with why. The operation takes
// that status as the notification is sent. c.mu must be held.
func (s *Simulator) opNote(c *call, op *operation, failed *endReason) *delivery {
	rel := "/operations/" + s.noteID(op.id)
	j := s.completionNote(c, op, c.root+"/"+s.noteID(c.id)+rel)
	if failed != nil {
		j.Status = statusFailed
		j.ResultInfo = mustMarshal(s.resultInfo(*failed))
	}
	d := s.note(c, "deleted", rel, j)
	d.before = func() bool {
		t := s.clock.Now()
		c.mu.Lock()
		op.complete(t)
		if failed != nil {
			op.status = statusFailed
		}
		c.mu.Unlock()
		return true
	}
	return d
}

// finish is how a handed-off call ends: its terminationReason and its
// resultInfo ("" and nil: none), and whether its last notification is bare
// under every profile (a rejected call, as both reject pages show it).
type finish struct {
	reason    string
	why       *endReason
	bare      bool
	direction string // direction written on the v1.0 deleted (redirect's page shows it)
}

// finishNotes returns the last notifications of c, ended as f says, in the
// profile's sequence: under beta-2018 updated (state terminated, reason,
// resultInfo) then a bare deleted; under v1.0 one deleted with state
// terminated, the reason and the resultInfo. c.mu must be held.
func (s *Simulator) finishNotes(c *call, f finish) []*delivery {
	p := s.prof
	explain := func(n *callJSON) {
		n.State = stateTerminated
		n.TerminationReason = f.reason
		if f.why != nil {
			n.ResultInfo = s.resultInfo(*f.why)
		}
	}
	gone := s.callNote(c)
	if f.bare {
		return []*delivery{s.note(c, "deleted", "", gone)}
	}
	var ds []*delivery
	if p.terminatedUpdate {
		n := s.callNote(c)
		explain(&n)
		ds = append(ds, s.note(c, "updated", "", n))
	}
	if p.deletedState {
		explain(&gone)
		gone.Direction = f.direction
	}
	return append(ds, s.note(c, "deleted", "", gone))
}

// retire marks c, which its handler is handing off, as ended: terminated,
// its deadlines stopped, so that neither the answer timeout nor keepAlive
// ends it again. The caller removes it from the store. c.mu must be held.
func (c *call) retire() {
	c.stopTimers()
	c.state = stateTerminated
}
