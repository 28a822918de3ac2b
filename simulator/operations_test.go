package simulator

import (
	"net/http"
	"testing"

	"github.com/callconform/callconform/internal/guid"
)

func TestGetOperationRunningThenCompleted(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	// Hold the established notification: the call is established as it is
	// sent, and the invite's notifications queue behind it.
	established := newHold(func(n note) bool { return n.state() == stateEstablished })
	defer established.free()
	rc.setRespond(established.respond)
	c := e.createCall(rc.URL())
	established.waitHeld(t)
	r := e.do("POST", invitePath(c), tok, map[string]any{"participants": []any{heidi()}})
	if r.status != http.StatusAccepted {
		t.Fatalf("invite while established is in flight: %d %s", r.status, r.body)
	}
	op := lastSegment(r.header.Get("Location"))
	running := e.do("GET", "/app/calls/"+c.String()+"/operations/"+op, tok, nil)
	established.free()
	if b := running.json(t); running.status != http.StatusOK || b["status"] != "Running" || b["id"] != op ||
		b["@odata.type"] != "#microsoft.graph.commsOperation" {
		t.Errorf("before completion: %d %s", running.status, running.body)
	}
	rc.waitRoster(t, callRes(c))
	b := e.do("GET", "/app/calls/"+c.Compact()+"/operations/"+mustID(t, op).Compact(), tok, nil).json(t)
	if b["status"] != "completed" || b["id"] != op {
		t.Errorf("after completion: %v", b)
	}
	if r := e.do("GET", "/app/calls/"+c.String()+"/operations/"+guid.New().String(), tok, nil); r.status != http.StatusNotFound || r.errorCode(t) != "NotFound" {
		t.Errorf("unknown operation: %d", r.status)
	}
}
