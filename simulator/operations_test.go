package simulator

import (
	"net/http"
	"testing"
	"time"

	"github.com/callconform/callconform/internal/guid"
)

func TestGetOperationRunningThenCompleted(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	// Hold the established notification: the call is established as it is
	// sent, and the invite's notifications queue behind it.
	held, release := make(chan struct{}), make(chan struct{})
	rc.respond = func(n int, r *http.Request) int {
		if n == 2 {
			close(held)
			<-release
		}
		return http.StatusAccepted
	}
	c := e.createCall(rc.URL())
	select {
	case <-held:
	case <-time.After(waitBound):
		t.Fatal("established notification never sent")
	}
	r := e.do("POST", invitePath(c), tok, map[string]any{"participants": []any{heidi()}})
	if r.status != http.StatusAccepted {
		close(release)
		t.Fatalf("invite while established is in flight: %d %s", r.status, r.body)
	}
	op := lastSegment(r.header.Get("Location"))
	running := e.do("GET", "/app/calls/"+c.String()+"/operations/"+op, tok, nil)
	close(release)
	if b := running.json(t); running.status != http.StatusOK || b["status"] != "Running" || b["id"] != op ||
		b["@odata.type"] != "#microsoft.graph.commsOperation" {
		t.Errorf("before completion: %d %s", running.status, running.body)
	}
	rc.waitFor(t, callRes(c)+"/participants", 1)
	b := e.do("GET", "/app/calls/"+c.Compact()+"/operations/"+mustID(t, op).Compact(), tok, nil).json(t)
	if b["status"] != "completed" || b["id"] != op {
		t.Errorf("after completion: %v", b)
	}
	if r := e.do("GET", "/app/calls/"+c.String()+"/operations/"+guid.New().String(), tok, nil); r.status != http.StatusNotFound || r.errorCode(t) != "NotFound" {
		t.Errorf("unknown operation: %d", r.status)
	}
}
