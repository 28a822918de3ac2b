package simulator

import (
	"fmt"
	"net/http"
)

// recordingStatuses are the values of updateRecordingStatus's status.
var recordingStatuses = map[string]bool{"notRecording": true, "recording": true, "failed": true}

// recordingStatusRequest is the validated body of updateRecordingStatus.
type recordingStatusRequest struct {
	status        string
	clientContext *string
}

// parseRecordingStatus validates an updateRecordingStatus body under p:
// status (required) is notRecording, recording or failed; clientContext.
func (p *profile) parseRecordingStatus(o object) (*recordingStatusRequest, error) {
	st, ok, err := o.str("status")
	if err != nil || !ok || !recordingStatuses[st] {
		return nil, fmt.Errorf("status is required: one of notRecording, recording, failed")
	}
	req := &recordingStatusRequest{status: st}
	if req.clientContext, err = o.clientContextUpTo(p.maxClientContext); err != nil {
		return nil, err
	}
	return req, nil
}

// handleUpdateRecordingStatus is POST {root}/{id}/updateRecordingStatus
// (v1.0) on an established call: 200 OK, the Location of a completed
// updateRecordingStatusOperation and the operation; no notification
// follows.
func (s *Simulator) handleUpdateRecordingStatus(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := readAction(w, r, s.prof.parseRecordingStatus)
	if !ok || !lockEstablished(w, r, c, "updateRecordingStatus") {
		return
	}
	op, body := s.startAction(c, typeRecordingStatusOperation, req.clientContext, true)
	c.media.recording = req.status
	c.mu.Unlock()
	s.writeActionAnswer(w, r, c, op.id, body)
}
