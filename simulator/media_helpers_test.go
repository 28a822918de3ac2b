package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/guid"
)

// mediaDialect is how a bot speaks the participant and media actions of a
// profile, written from its pages: the record action's path, whether
// operations carry their own type, and whether subscribeToTone answers a
// running operation.
type mediaDialect struct {
	dialect
	record      string
	typedOps    bool
	toneRunning bool
}

var mediaDialects = []mediaDialect{
	{dialect: betaDialect, record: "record", toneRunning: true},
	{dialect: v1Dialect, record: "recordResponse", typedOps: true},
}

// opType is the operation type an action of type t answers with.
func (md mediaDialect) opType(t string) string {
	if md.typedOps {
		return t
	}
	return typeCommsOperation
}

// opRes is the notification resource of operation op of call c.
func (md mediaDialect) opRes(c, op guid.GUID) string {
	return md.res(c) + "/operations/" + md.noteID(op)
}

// code is how a profile writes a resultInfo code: a string (beta-2018) or
// a number (v1.0), as decoded into an any.
func (md mediaDialect) code(n int) any {
	if md.typedOps {
		return float64(n)
	}
	return fmt.Sprint(n)
}

// subcodeKey is the resultInfo member of the subcode.
func (md mediaDialect) subcodeKey() string {
	if md.typedOps {
		return "subcode"
	}
	return "subCode"
}

// mediaCallIn joins a meeting with service-hosted media in dialect d and
// waits until it is established.
func (e *env) mediaCallIn(d dialect, rc *receiver) guid.GUID {
	e.t.Helper()
	body := d.meetingBody(rc.URL())
	body["mediaConfig"] = serviceHosted()
	r := e.do("POST", d.root, e.token(ClientCalling), body)
	if r.status != http.StatusCreated {
		e.t.Fatalf("create call: status %d: %s", r.status, r.body)
	}
	c := mustID(e.t, lastSegment(r.header.Get("Location")))
	rc.waitState(e.t, d.res(c), stateEstablished)
	return c
}

// action POSTs body to action of call c in dialect d.
func (e *env) action(d dialect, c guid.GUID, action string, body any) response {
	e.t.Helper()
	return e.do("POST", d.root+"/"+c.String()+"/"+action, e.token(ClientCalling), body)
}

// control POSTs body to the test-control action name.
func (e *env) control(name string, body any) response {
	e.t.Helper()
	return e.do("POST", "/_control/"+name, "", body)
}

// opAnswer checks an action's answer: 200, a Location naming an operation
// of call c, and the operation with type t and a status that matches
// status (any case); it returns the operation's id.
func opAnswer(t *testing.T, e *env, d dialect, c guid.GUID, r response, typ, status string) guid.GUID {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	prefix := e.srv.URL + d.root + "/" + c.String() + "/operations/"
	if !strings.HasPrefix(loc, prefix) {
		t.Fatalf("Location %q; want under %s", loc, prefix)
	}
	op := mustID(t, strings.TrimPrefix(loc, prefix))
	b := r.json(t)
	if b["@odata.type"] != typ || b["id"] != op.String() || !strings.EqualFold(fmt.Sprint(b["status"]), status) {
		t.Errorf("operation %s; want %s, id %s, status %s", r.body, typ, op, status)
	}
	return op
}

// resultOf returns code and subcode of a notification's resultInfo.
func resultOf(t *testing.T, md mediaDialect, n note) (any, any) {
	t.Helper()
	ri, ok := n.data(t)["resultInfo"].(map[string]any)
	if !ok {
		t.Fatalf("no resultInfo in %s", n.Data)
	}
	return ri["code"], ri[md.subcodeKey()]
}

// rosterOf decodes a roster notification's participants.
func rosterOf(t *testing.T, n note) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(n.Data, &out); err != nil {
		t.Fatalf("roster %s: %v", n.Data, err)
	}
	return out
}

// memberWith returns the roster item whose identity has id, or nil.
func memberWith(roster []map[string]any, id string) map[string]any {
	for _, p := range roster {
		if strings.Contains(jsonText(p["info"]), id) {
			return p
		}
	}
	return nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// prompt is a mediaPrompt of the pages.
func prompt(uri string) map[string]any {
	return map[string]any{"@odata.type": "#microsoft.graph.mediaPrompt",
		"mediaInfo": map[string]any{"@odata.type": "#microsoft.graph.mediaInfo", "uri": uri, "resourceId": guid.New().String()}}
}

// lastNoteOn returns the last of ns on resource res, failing when none.
func lastNoteOn(t *testing.T, ns []note, res string) note {
	t.Helper()
	got := on(ns, res)
	if len(got) == 0 {
		t.Fatalf("no notification on %s in %v", res, ns)
	}
	return got[len(got)-1]
}
