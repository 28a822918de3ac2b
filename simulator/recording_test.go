package simulator

import (
	"net/http"
	"testing"

	"github.com/callconform/callconform/internal/guid"
)

// updateRecordingStatus (v1.0) answers a completed operation, checks its
// status, and is not a 2018 action.
func TestUpdateRecordingStatus(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	c := e.mediaCallIn(v1Dialect, rc)
	for _, st := range []string{"recording", "notRecording", "failed"} {
		opAnswer(t, e, v1Dialect, c, e.action(v1Dialect, c, "updateRecordingStatus", map[string]any{"clientContext": "cc", "status": st}),
			typeRecordingStatusOperation, "completed")
	}
	for name, body := range map[string]any{
		"no status":     map[string]any{"clientContext": "cc"},
		"unknown":       map[string]any{"status": "paused"},
		"wrong casing":  map[string]any{"status": "Recording"},
		"not a string":  map[string]any{"status": 1},
		"no body":       nil,
		"long context":  map[string]any{"status": "recording", "clientContext": string(make([]byte, 300))},
		"array of them": []string{"recording"},
	} {
		if r := e.action(v1Dialect, c, "updateRecordingStatus", body); r.status != http.StatusBadRequest || r.errorCode(t) != codeBadRequest {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	if r := e.action(v1Dialect, guid.New(), "updateRecordingStatus", map[string]any{"status": "recording"}); r.status != http.StatusNotFound {
		t.Errorf("unknown call: %d", r.status)
	}
	incoming := e.incomingCall(rc.URL(), nil)
	if r := e.action(v1Dialect, incoming, "updateRecordingStatus", map[string]any{"status": "recording"}); r.status != http.StatusConflict {
		t.Errorf("incoming call: %d %s", r.status, r.body)
	}
	be := dialectEnv(t, betaDialect, Config{})
	if r := be.action(betaDialect, guid.New(), "updateRecordingStatus", map[string]any{"status": "recording"}); r.status != http.StatusNotFound || r.errorCode(t) != codeNotFound {
		t.Errorf("beta-2018: %d %s", r.status, r.body)
	}
}
