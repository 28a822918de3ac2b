package simulator

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// playPrompt answers 200 + Location + a running playPromptOperation, then
// notifies it deleted, completed, resultInfo 200/0, under each profile.
func TestPlayPrompt(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			e := dialectEnv(t, md.dialect, Config{})
			rc := newReceiver(t)
			c := e.mediaCallIn(md.dialect, rc)
			r := e.action(md.dialect, c, "playPrompt", map[string]any{
				"clientContext": "d45324c1-fcb5-430a-902c-f20af696537c",
				"prompts":       []any{prompt("https://cdn.contoso.com/beep.wav")}})
			op := opAnswer(t, e, md.dialect, c, r, md.opType(typePlayPromptOperation), "running")
			ns := rc.waitDeleted(t, md.opRes(c, op))
			done := lastNoteOn(t, ns, md.opRes(c, op))
			d := done.data(t)
			if d["@odata.type"] != md.opType(typePlayPromptOperation) || d["status"] != "completed" ||
				d["clientContext"] != "d45324c1-fcb5-430a-902c-f20af696537c" {
				t.Errorf("completion %s", done.Data)
			}
			if code, sub := resultOf(t, md, done); code != md.code(200) || sub != md.code(0) {
				t.Errorf("resultInfo %v/%v; want 200/0", code, sub)
			}
			if md.typedOps && (d["completionReason"] != "completedSuccessfully" || d["id"] != op.String()) {
				t.Errorf("v1.0 completion %s", done.Data)
			}
			got := e.do("GET", md.root+"/"+c.String()+"/operations/"+op.String(), e.token(ClientCalling), nil)
			if got.json(t)["status"] != "completed" {
				t.Errorf("GET operation after its completion: %s", got.body)
			}
		})
	}
}

// playPrompt refuses what the page does not allow, and an unknown or
// unestablished call, under each profile.
func TestPlayPromptErrors(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			e := dialectEnv(t, md.dialect, Config{})
			rc := newReceiver(t)
			c := e.mediaCallIn(md.dialect, rc)
			many := make([]any, 21)
			for i := range many {
				many[i] = prompt("https://cdn.contoso.com/beep.wav")
			}
			for name, body := range map[string]any{
				"21 prompts":     map[string]any{"prompts": many},
				"no prompts":     map[string]any{"prompts": []any{}},
				"no mediaInfo":   map[string]any{"prompts": []any{map[string]any{"@odata.type": "#microsoft.graph.mediaPrompt"}}},
				"prompts object": map[string]any{"prompts": map[string]any{}},
				"not JSON":       "{",
				"long context":   map[string]any{"prompts": []any{prompt("https://x/y.wav")}, "clientContext": strings.Repeat("c", 257)},
			} {
				if r := e.action(md.dialect, c, "playPrompt", body); r.status != http.StatusBadRequest || r.errorCode(t) != codeBadRequest {
					t.Errorf("%s: %d %s", name, r.status, r.body)
				}
			}
			ok := map[string]any{"prompts": many[:20]}
			if r := e.action(md.dialect, guid.New(), "playPrompt", ok); r.status != http.StatusNotFound {
				t.Errorf("unknown call: %d %s", r.status, r.body)
			}
			incoming := e.incomingCall(rc.URL(), nil)
			if r := e.action(md.dialect, incoming, "playPrompt", ok); r.status != http.StatusConflict || r.errorCode(t) != codeInvalidCallState {
				t.Errorf("incoming call: %d %s", r.status, r.body)
			}
			appHosted := md.meetingBody(rc.URL())
			appHosted["mediaConfig"] = map[string]any{"@odata.type": "#microsoft.graph.appHostedMediaConfig", "blob": "x"}
			cr := e.do("POST", md.root, e.token(ClientCalling), appHosted)
			ac := mustID(t, lastSegment(cr.header.Get("Location")))
			rc.waitState(t, md.res(ac), stateEstablished)
			if r := e.action(md.dialect, ac, "playPrompt", ok); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "service-hosted") {
				t.Errorf("app-hosted media: %d %s", r.status, r.body)
			}
			if r := e.action(md.dialect, c, "playPrompt", ok); r.status != http.StatusOK {
				t.Errorf("20 prompts: %d %s", r.status, r.body)
			}
		})
	}
}

// cancelMediaProcessing answers a completed operation; the record running
// and the prompt waiting behind it complete as failed 400/8508, in order;
// the tone subscription is not cancelled.
func TestCancelMediaProcessing(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			clock := newFakeClock()
			e := dialectEnv(t, md.dialect, Config{Clock: clock})
			rc := newReceiver(t)
			c := e.mediaCallIn(md.dialect, rc)
			if r := e.action(md.dialect, c, "subscribeToTone", map[string]any{}); r.status != http.StatusOK {
				t.Fatalf("subscribeToTone: %d %s", r.status, r.body)
			}
			rec := opAnswer(t, e, md.dialect, c, e.action(md.dialect, c, md.record, map[string]any{"maxRecordDurationInSeconds": 120}),
				md.opType(typeRecordOperation), "running")
			pr := opAnswer(t, e, md.dialect, c, e.action(md.dialect, c, "playPrompt", map[string]any{"prompts": []any{prompt("https://x/a.wav")}}),
				md.opType(typePlayPromptOperation), "running")
			opAnswer(t, e, md.dialect, c, e.action(md.dialect, c, "cancelMediaProcessing", map[string]any{"clientContext": "cc"}),
				md.opType(typeCancelMediaOperation), "completed")
			ns := rc.waitDeleted(t, md.opRes(c, pr))
			var got []string
			for _, n := range ns {
				if n.Resource != md.opRes(c, rec) && n.Resource != md.opRes(c, pr) {
					continue
				}
				code, sub := resultOf(t, md, n)
				got = append(got, strings.TrimPrefix(n.Resource, md.res(c)+"/operations/")+" "+n.data(t)["status"].(string))
				if code != md.code(400) || sub != md.code(8508) {
					t.Errorf("resultInfo of %s: %v/%v; want 400/8508", n.Resource, code, sub)
				}
				if reason := n.data(t)["completionReason"]; md.typedOps && reason != map[bool]string{true: "operationCanceled", false: "mediaOperationCanceled"}[n.Resource == md.opRes(c, rec)] {
					t.Errorf("completionReason of %s: %v", n.Resource, reason)
				}
			}
			want := []string{md.noteID(rec) + " failed", md.noteID(pr) + " failed"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("cancelled operations (-want +got):\n%s", diff)
			}
			// The record's timer was stopped: nothing completes it later.
			clock.Advance(2 * time.Minute)
			if r := e.control("tone", map[string]any{"callId": c.String(), "tone": "tone1"}); r.status != http.StatusOK {
				t.Errorf("a tone after cancelMediaProcessing: %d %s", r.status, r.body)
			}
			after := rc.waitNote(t, md.res(c), "the tone", func(n note) bool { return strings.Contains(string(n.Data), "toneInfo") })
			if n := len(on(after, md.opRes(c, rec))); n != 1 {
				t.Errorf("the cancelled record was notified %d times", n)
			}
		})
	}
}

func TestCancelMediaProcessingErrors(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			e := dialectEnv(t, md.dialect, Config{})
			rc := newReceiver(t)
			if r := e.action(md.dialect, guid.New(), "cancelMediaProcessing", map[string]any{}); r.status != http.StatusNotFound {
				t.Errorf("unknown call: %d", r.status)
			}
			c := e.mediaCallIn(md.dialect, rc)
			if r := e.action(md.dialect, c, "cancelMediaProcessing", map[string]any{"clientContext": 7}); r.status != http.StatusBadRequest {
				t.Errorf("clientContext number: %d %s", r.status, r.body)
			}
			if r := e.action(md.dialect, c, "cancelMediaProcessing", "<x/>"); r.status != http.StatusBadRequest {
				t.Errorf("malformed body: %d %s", r.status, r.body)
			}
			if r := e.do("POST", md.root+"/"+c.String()+"/cancelMediaProcessing", e.token(ClientCalling), "{}", "Content-Type", "text/plain"); r.status != http.StatusUnsupportedMediaType {
				t.Errorf("text/plain body: %d %s", r.status, r.body)
			}
			if r := e.do("POST", md.root+"/"+c.String()+"/cancelMediaProcessing", e.token(ClientCalling), nil); r.status != http.StatusOK {
				t.Errorf("no body: %d %s", r.status, r.body)
			}
			incoming := e.incomingCall(rc.URL(), nil)
			if r := e.action(md.dialect, incoming, "cancelMediaProcessing", nil); r.status != http.StatusConflict {
				t.Errorf("incoming call: %d %s", r.status, r.body)
			}
		})
	}
}

// A call that ends with a record running and an invitee waiting notifies
// both operations failed (400/8508) before its own end.
func TestEndFailsUnfinishedOperations(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			e := dialectEnv(t, md.dialect, Config{Clock: newFakeClock()})
			rc := newReceiver(t)
			c := e.mediaCallIn(md.dialect, rc)
			rec := opAnswer(t, e, md.dialect, c, e.action(md.dialect, c, md.record, map[string]any{}), md.opType(typeRecordOperation), "running")
			e.control("participant-answer", map[string]any{"callId": c.String(), "wait": true})
			inv := inviteHeidi(t, e, md.dialect, c)
			if r := e.do("DELETE", md.root+"/"+c.String(), e.token(ClientCalling), nil); r.status != http.StatusNoContent {
				t.Fatalf("DELETE: %d", r.status)
			}
			ns := rc.waitDeleted(t, md.res(c))
			var got []string
			for _, n := range ns {
				switch n.Resource {
				case md.opRes(c, rec):
					got = append(got, "record "+n.data(t)["status"].(string))
				case md.opRes(c, inv):
					got = append(got, "invite "+n.data(t)["status"].(string))
				case md.res(c):
					if n.state() == stateTerminating {
						got = append(got, "terminating")
					}
				}
			}
			if diff := cmp.Diff([]string{"record failed", "invite failed", "terminating"}, got); diff != "" {
				t.Errorf("notifications (-want +got):\n%s", diff)
			}
		})
	}
}
