package simulator

import (
	"net/http"
	"testing"

	"github.com/callconform/callconform/internal/guid"
)

func TestGetParticipants(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.answeredCall(rc)
	r := e.do("GET", "/app/calls/"+c.String()+"/participants", tok, nil)
	list := r.json(t)["value"].([]any)
	if r.status != http.StatusOK || len(list) != 2 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var bot string
	call := e.do("GET", "/app/calls/"+c.String(), tok, nil).json(t)
	for _, p := range list {
		pm := p.(map[string]any)
		if pm["@odata.type"] != "#microsoft.graph.participant" || !guidRE.MatchString(pm["id"].(string)) ||
			pm["isMuted"] != false || pm["isInLobby"] != false || pm["info"] == nil {
			t.Errorf("participant %v", pm)
		}
		if pm["id"] == call["myParticipantId"] {
			bot = pm["id"].(string)
		}
	}
	if bot == "" {
		t.Fatalf("myParticipantId %v is not in the roster", call["myParticipantId"])
	}
	one := e.do("GET", "/app/calls/"+c.String()+"/participants/"+mustID(t, bot).Compact(), tok, nil)
	if one.status != http.StatusOK || one.json(t)["id"] != bot {
		t.Errorf("GET participant: %d %s", one.status, one.body)
	}
	if r := e.do("GET", "/app/calls/"+c.String()+"/participants/"+guid.New().String(), tok, nil); r.status != http.StatusNotFound {
		t.Errorf("unknown participant: %d", r.status)
	}
}
