package simulator

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// transferBody is a transfer to Heidi in dialect d, consultative when
// replaces is given.
func transferBody(h handoff, replaces string) map[string]any {
	target := map[string]any{"endpointType": "default", "identity": map[string]any{"user": map[string]any{
		"id": "550fae72-d251-43ec-868c-373732c2704f", "displayName": "Heidi Steen"}}}
	if replaces != "" {
		target["replacesCallId"] = replaces
	}
	return map[string]any{h.targetField: target}
}

func TestTransfer(t *testing.T) {
	for _, h := range handoffs {
		for _, kind := range []string{"blind", "consultative", "phone"} {
			t.Run(h.d.profile+"/"+kind, func(t *testing.T) {
				e := dialectEnv(t, h.d, Config{})
				rc := newReceiver(t)
				tok := e.token(ClientCalling)
				c := e.answeredIn(h.d, rc)
				body := transferBody(h, "")
				switch kind {
				case "consultative":
					body = transferBody(h, strings.ToUpper(guid.New().Compact()))
				case "phone":
					body[h.targetField].(map[string]any)["identity"] = map[string]any{"phone": map[string]any{"id": "+12345678901"}}
					body["clientContext"] = "9e90d1c1-f61e-43e7-9f75-d420159aae08"
				}
				checkHandoffAnswer(t, h, "transfer", e.do("POST", pathOf(h.d, c, "transfer"), tok, body))
				ns := rc.waitDeleted(t, h.d.res(c))
				if diff := cmp.Diff(h.transferred, after(t, ns, answeredSetUp)); diff != "" {
					t.Fatalf("notifications (-want +got):\n%s", diff)
				}
				checkTransferEnd(t, h, kind, ns)
				if r := e.do("GET", h.d.root+"/"+c.String(), tok, nil); r.status != http.StatusNotFound {
					t.Errorf("GET after the transfer: %d", r.status)
				}
			})
		}
	}
}

// checkTransferEnd checks why a transferred call ended: v1.0 blind
// resultInfo 0/7015, v1.0 consultative and beta-2018 terminationReason
// AppTransferred.
func checkTransferEnd(t *testing.T, h handoff, kind string, ns []note) {
	t.Helper()
	last := ns[len(ns)-1]
	switch {
	case h.d.profile != ProfileV1:
		if d := ns[len(ns)-2].data(t); d["terminationReason"] != "AppTransferred" {
			t.Errorf("terminated %s: want AppTransferred", ns[len(ns)-2].Data)
		}
	case kind == "consultative":
		if d := last.data(t); d["terminationReason"] != "AppTransferred" || d["resultInfo"] != nil {
			t.Errorf("deleted %s: want AppTransferred and no resultInfo", last.Data)
		}
	default:
		want := map[string]any{"@odata.type": typeResultInfo, "code": 0.0, "subcode": 7015.0, "message": "GracefulTransferCompleted"}
		if diff := cmp.Diff(want, last.data(t)["resultInfo"]); diff != "" {
			t.Errorf("deleted resultInfo (-want +got):\n%s", diff)
		}
	}
}

// A transfer from a group call (a meeting) names the transferee; under
// v1.0 it is refused without one.
func TestTransferFromGroupCall(t *testing.T) {
	for _, h := range handoffs {
		t.Run(h.d.profile, func(t *testing.T) {
			e := dialectEnv(t, h.d, Config{})
			rc := newReceiver(t)
			tok := e.token(ClientCalling)
			c := e.establishedIn(h.d, rc)
			body := transferBody(h, "")
			if h.d.profile == ProfileV1 {
				r := e.do("POST", pathOf(h.d, c, "transfer"), tok, body)
				if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "transferee") {
					t.Errorf("without transferee: %d %s", r.status, r.body)
				}
			}
			body["transferee"] = map[string]any{"identity": map[string]any{"user": map[string]any{
				"id": "751f6800-3180-414d-bd94-333364659951", "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47"}},
				"participantId": "909c6581-5130-43e9-88f3-fcb3582cde37"}
			checkHandoffAnswer(t, h, "transfer", e.do("POST", pathOf(h.d, c, "transfer"), tok, body))
			ns := rc.waitDeleted(t, h.d.res(c))
			var got []string
			for _, s := range summary(t, on(ns, h.d.res(c))) {
				if !strings.HasSuffix(s, ":establishing") && !strings.HasSuffix(s, ":established") {
					got = append(got, s)
				}
			}
			want := slicesWithout(h.transferred, "deleted operation:completed")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("call notifications (-want +got):\n%s", diff)
			}
		})
	}
}

func slicesWithout(s []string, drop string) []string {
	var out []string
	for _, v := range s {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}

func TestTransferDeclined(t *testing.T) {
	for _, h := range handoffs {
		for _, consultative := range []bool{false, true} {
			t.Run(h.d.profile+map[bool]string{false: "/blind", true: "/consultative"}[consultative], func(t *testing.T) {
				e := dialectEnv(t, h.d, Config{})
				rc := newReceiver(t)
				tok := e.token(ClientCalling)
				c := e.answeredIn(h.d, rc)
				e.arm(CapabilityTransferReject, c)
				replaces := ""
				if consultative {
					replaces = guid.New().String()
				}
				checkHandoffAnswer(t, h, "transfer", e.do("POST", pathOf(h.d, c, "transfer"), tok, transferBody(h, replaces)))
				ns := rc.waitNote(t, h.d.res(c), "established again", func(n note) bool {
					return n.state() == stateEstablished && strings.Contains(string(n.Data), "resultInfo")
				})
				if diff := cmp.Diff(h.transferDeclined, after(t, ns, answeredSetUp)); diff != "" {
					t.Fatalf("notifications (-want +got):\n%s", diff)
				}
				checkTransferFailure(t, h, ns[len(ns)-1], replaces)
				// The call goes on: GET shows it established, and its next
				// transfer (no longer armed) is accepted.
				if r := e.do("GET", h.d.root+"/"+c.String(), tok, nil); !strings.Contains(string(r.body), `"state":"established"`) {
					t.Errorf("GET after the failed transfer: %d %s", r.status, r.body)
				}
				checkHandoffAnswer(t, h, "second transfer", e.do("POST", pathOf(h.d, c, "transfer"), tok, transferBody(h, "")))
				rc.waitDeleted(t, h.d.res(c))
			})
		}
	}
}

// checkTransferFailure checks the resultInfo of a call a declined transfer
// brought back: 500/7000 (consultative 500/7700 and a replacesContext),
// the key spelled subCode as the v1.0 page spells it; numbers under v1.0,
// strings under beta-2018.
func checkTransferFailure(t *testing.T, h handoff, n note, replaces string) {
	t.Helper()
	d := n.data(t)
	sub := "7000"
	if replaces != "" {
		sub = "7700"
		if d["replacesContext"] != replaces {
			t.Errorf("replacesContext %v, want %s", d["replacesContext"], replaces)
		}
	}
	ri, _ := d["resultInfo"].(map[string]any)
	want := map[string]any{"code": "500", "subCode": sub}
	got := map[string]any{"code": ri["code"], "subCode": ri["subCode"]}
	if h.d.profile == ProfileV1 {
		want = map[string]any{"code": 500.0, "subCode": map[string]float64{"7000": 7000, "7700": 7700}[sub]}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resultInfo of %s (-want +got):\n%s", n.Data, diff)
	}
}

func TestTransferErrors(t *testing.T) {
	for _, h := range handoffs {
		t.Run(h.d.profile, func(t *testing.T) {
			e := dialectEnv(t, h.d, Config{})
			rc := newReceiver(t)
			tok := e.token(ClientCalling)
			incoming := e.incomingCall(rc.URL(), nil)
			answered := e.answeredIn(h.d, rc)
			other := "transferTarget"
			if h.targetField == other {
				other = "target"
			}
			target := transferBody(h, "")[h.targetField]
			for name, tc := range map[string]struct {
				call   guid.GUID
				body   any
				status int
			}{
				"unknown call":             {guid.New(), transferBody(h, ""), http.StatusNotFound},
				"incoming call":            {incoming, transferBody(h, ""), http.StatusConflict},
				"no target":                {answered, map[string]any{"clientContext": "c"}, http.StatusBadRequest},
				"other profile's name":     {answered, map[string]any{other: target}, http.StatusBadRequest},
				"target without identity":  {answered, map[string]any{h.targetField: map[string]any{"endpointType": "default"}}, http.StatusBadRequest},
				"bad replacesCallId":       {answered, transferBody(h, "replacesCallId-value"), http.StatusBadRequest},
				"transferee not an object": {answered, map[string]any{h.targetField: target, "transferee": "x"}, http.StatusBadRequest},
				"malformed JSON":           {answered, `{"` + h.targetField + `":`, http.StatusBadRequest},
			} {
				if r := e.do("POST", pathOf(h.d, tc.call, "transfer"), tok, tc.body); r.status != tc.status {
					t.Errorf("%s: %d %s", name, r.status, r.body)
				}
			}
			// A transfer under way: a second one is refused.
			h2 := newHold(func(n note) bool { return n.state() == stateTransferring })
			rc.setRespond(h2.respond)
			defer h2.free()
			checkHandoffAnswer(t, h, "transfer", e.do("POST", pathOf(h.d, answered, "transfer"), tok, transferBody(h, "")))
			h2.waitHeld(t)
			if r := e.do("POST", pathOf(h.d, answered, "transfer"), tok, transferBody(h, "")); r.status != http.StatusConflict {
				t.Errorf("transfer while transferring: %d %s", r.status, r.body)
			}
			if r := e.do("GET", h.d.root+"/"+answered.String(), tok, nil); !strings.Contains(string(r.body), `"state":"transferring"`) {
				t.Errorf("GET while transferring: %s", r.body)
			}
			h2.free()
			rc.waitDeleted(t, h.d.res(answered))
		})
	}
}

// A call hung up while its transfer is under way ends as a hung-up call:
// the transfer's notifications still queued are not sent.
func TestHangUpWhileTransferring(t *testing.T) {
	for _, h := range handoffs {
		for _, declined := range []bool{false, true} {
			t.Run(h.d.profile+map[bool]string{false: "/accepted", true: "/declined"}[declined], func(t *testing.T) {
				e := dialectEnv(t, h.d, Config{})
				rc := newReceiver(t)
				tok := e.token(ClientCalling)
				c := e.answeredIn(h.d, rc)
				if declined {
					e.arm(CapabilityTransferReject, c)
				}
				held := newHold(func(n note) bool { return n.state() == stateTransferring })
				rc.setRespond(held.respond)
				defer held.free()
				checkHandoffAnswer(t, h, "transfer", e.do("POST", pathOf(h.d, c, "transfer"), tok, transferBody(h, "")))
				held.waitHeld(t)
				if r := e.do("DELETE", h.d.root+"/"+c.String(), tok, nil); r.status != http.StatusNoContent {
					t.Fatalf("DELETE: %d %s", r.status, r.body)
				}
				held.free()
				ns := on(rc.waitDeleted(t, h.d.res(c)), h.d.res(c))
				want := slices.Concat([]string{"updated call:transferring"}, hungUp[h.d.profile])
				if diff := cmp.Diff(want, after(t, ns, answeredSetUp)); diff != "" {
					t.Errorf("notifications (-want +got):\n%s", diff)
				}
			})
		}
	}
}
