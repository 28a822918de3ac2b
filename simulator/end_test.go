package simulator

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wantResultInfo checks the v1.0 resultInfo of a notification: typed, with
// code and subcode as numbers.
func wantResultInfo(t *testing.T, n note, why endReason) {
	t.Helper()
	want := map[string]any{"@odata.type": "#microsoft.graph.resultInfo", "code": num(t, why.code),
		"subcode": num(t, why.subCode), "message": why.message}
	if diff := cmp.Diff(want, n.data(t)["resultInfo"]); diff != "" {
		t.Errorf("resultInfo of %s (-want +got):\n%s", n, diff)
	}
}

// num is s as the JSON number a test decodes.
func num(t *testing.T, s string) float64 {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not an integer", s)
	}
	return float64(n)
}

// The v1.0 hang-up: 204, the call is gone at once, then terminating and ONE
// deleted with state terminated and resultInfo 200/5001; no separate
// updated terminated.
func TestV1DeleteCallFlow(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.establishedIn(v1Dialect, rc)
	r := e.do("DELETE", "/communications/calls/"+c.Compact(), tok, nil)
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("DELETE: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/communications/calls/"+c.String(), tok, nil); r.status != http.StatusNotFound || r.errorCode(t) != codeNotFound {
		t.Errorf("GET after DELETE: %d %s", r.status, r.body)
	}
	ns := on(rc.waitDeleted(t, v1Res(c)), v1Res(c))
	want := []string{"updated call:establishing", "updated call:established", "updated call:terminating", "deleted call:terminated"}
	if diff := cmp.Diff(want, summary(t, ns)); diff != "" {
		t.Fatalf("notifications (-want +got):\n%s", diff)
	}
	wantResultInfo(t, ns[3], endHungUp.why)
	if _, ok := ns[3].data(t)["terminationReason"]; ok {
		t.Errorf("deleted carries beta-2018's terminationReason: %s", ns[3].Data)
	}
}

// The end reasons are numbers, as v1.0 writes them.
func TestEndReasonsAreNumbers(t *testing.T) {
	for _, why := range []endReason{endHungUp.why, endReplaced.why, endNotAnswered, endNotEstablished, endKeepAliveTimeout} {
		num(t, why.code)
		num(t, why.subCode)
		if why.message == "" {
			t.Errorf("%+v has no message", why)
		}
	}
}

// Break updated-terminated: beta-2018's separate updated terminated comes
// before the deleted.
func TestBreakUpdatedTerminated(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{Break: []string{BreakUpdatedTerminated}})
	rc := newReceiver(t)
	c := e.establishedIn(v1Dialect, rc)
	hangUp(t, e, v1Dialect, c)
	ns := on(rc.waitDeleted(t, v1Res(c)), v1Res(c))
	want := []string{"updated call:establishing", "updated call:established", "updated call:terminating",
		"updated call:terminated", "deleted call:terminated"}
	if diff := cmp.Diff(want, summary(t, ns)); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}
