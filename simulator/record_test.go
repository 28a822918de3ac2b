package simulator

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// recordResponse answers a running recordOperation with recordingLocation
// null; once maxRecordDurationInSeconds passed on the Clock it completes,
// 200/8515, with a recordingLocation and an access token.
func TestRecordResponse(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			clock := newFakeClock()
			e := dialectEnv(t, md.dialect, Config{Clock: clock})
			rc := newReceiver(t)
			c := e.mediaCallIn(md.dialect, rc)
			before := clock.pending()
			r := e.action(md.dialect, c, md.record, map[string]any{
				"bargeInAllowed": true, "clientContext": "d45324c1-fcb5-430a-902c-f20af696537c",
				"prompts": []any{prompt("https://cdn.contoso.com/beep.wav")}, "maxRecordDurationInSeconds": 10,
				"initialSilenceTimeoutInSeconds": 5, "maxSilenceTimeoutInSeconds": 2, "playBeep": true, "stopTones": []string{"#", "1", "*"}})
			op := opAnswer(t, e, md.dialect, c, r, md.opType(typeRecordOperation), "running")
			if v, ok := r.json(t)["recordingLocation"]; !ok || v != nil {
				t.Errorf("recordingLocation %v; want null", v)
			}
			clock.waitPending(t, before+1)
			clock.Advance(9 * time.Second)
			clock.Advance(time.Second)
			done := lastNoteOn(t, rc.waitDeleted(t, md.opRes(c, op)), md.opRes(c, op))
			d := done.data(t)
			if d["status"] != "completed" || !strings.HasPrefix(d["recordingLocation"].(string), e.srv.URL) ||
				d["recordingAccessToken"] == "" || d["@odata.type"] != md.opType(typeRecordOperation) {
				t.Errorf("completion %s", done.Data)
			}
			if code, sub := resultOf(t, md, done); code != md.code(200) || sub != md.code(8515) {
				t.Errorf("resultInfo %v/%v; want 200/8515", code, sub)
			}
			loc := strings.TrimPrefix(d["recordingLocation"].(string), e.srv.URL)
			got := e.do("GET", loc, d["recordingAccessToken"].(string), nil)
			if got.status != http.StatusOK || got.header.Get("Content-Type") != "application/octet-stream" || len(got.body) == 0 {
				t.Errorf("GET the recording: %d %s", got.status, got.header.Get("Content-Type"))
			}
			if r := e.do("GET", loc, "wrong", nil); r.status != http.StatusUnauthorized {
				t.Errorf("GET the recording with another token: %d", r.status)
			}
			if r := e.do("GET", recordingsPath+c.String()+"/"+guid.New().String(), "x", nil); r.status != http.StatusNotFound {
				t.Errorf("GET no recording: %d", r.status)
			}
		})
	}
}

// The record only completes when its duration has passed on the Clock: a
// tone notified a second before comes first; a prompt queued behind the
// record completes after it.
func TestRecordRunsForItsDuration(t *testing.T) {
	clock := newFakeClock()
	e := dialectEnv(t, v1Dialect, Config{Clock: clock})
	rc := newReceiver(t)
	md := mediaDialects[1]
	c := e.mediaCallIn(v1Dialect, rc)
	before := clock.pending()
	op := opAnswer(t, e, v1Dialect, c, e.action(v1Dialect, c, "recordResponse", map[string]any{"maxRecordDurationInSeconds": 30}),
		typeRecordOperation, "running")
	clock.waitPending(t, before+1)
	clock.Advance(29 * time.Second)
	p := opAnswer(t, e, v1Dialect, c, e.action(v1Dialect, c, "playPrompt", map[string]any{"prompts": []any{prompt("https://x/a.wav")}}),
		typePlayPromptOperation, "running")
	e.action(v1Dialect, c, "subscribeToTone", nil)
	if r := e.control("tone", map[string]any{"callId": c.String(), "tone": "tone9"}); r.status != http.StatusOK {
		t.Fatalf("tone: %d %s", r.status, r.body)
	}
	clock.Advance(time.Second)
	ns := rc.waitDeleted(t, md.opRes(c, p))
	var order []string
	for _, n := range ns {
		switch {
		case n.Resource == md.opRes(c, op):
			order = append(order, "record")
		case n.Resource == md.opRes(c, p):
			order = append(order, "prompt")
		case strings.Contains(string(n.Data), "toneInfo"):
			order = append(order, "tone")
		}
	}
	if diff := cmp.Diff([]string{"tone", "record", "prompt"}, order); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}

func TestRecordResponseValidation(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			e := dialectEnv(t, md.dialect, Config{})
			rc := newReceiver(t)
			c := e.mediaCallIn(md.dialect, rc)
			for name, body := range map[string]map[string]any{
				"duration 0":       {"maxRecordDurationInSeconds": 0},
				"duration 121":     {"maxRecordDurationInSeconds": 121},
				"duration string":  {"maxRecordDurationInSeconds": "5"},
				"duration 2.5":     {"maxRecordDurationInSeconds": 2.5},
				"silence 0":        {"initialSilenceTimeoutInSeconds": 0},
				"max silence 200":  {"maxSilenceTimeoutInSeconds": 200},
				"two prompts":      {"prompts": []any{prompt("https://x/a.wav"), prompt("https://x/b.wav")}},
				"playBeep string":  {"playBeep": "yes"},
				"bargeIn number":   {"bargeInAllowed": 1},
				"stopTones object": {"stopTones": map[string]any{}},
				"stopTones number": {"stopTones": []any{1}},
			} {
				if r := e.action(md.dialect, c, md.record, body); r.status != http.StatusBadRequest || r.errorCode(t) != codeBadRequest {
					t.Errorf("%s: %d %s", name, r.status, r.body)
				}
			}
			if r := e.action(md.dialect, guid.New(), md.record, map[string]any{}); r.status != http.StatusNotFound {
				t.Errorf("unknown call: %d", r.status)
			}
			if r := e.action(md.dialect, c, md.record, map[string]any{"maxRecordDurationInSeconds": 120, "initialSilenceTimeoutInSeconds": 1}); r.status != http.StatusOK {
				t.Errorf("bounds: %d %s", r.status, r.body)
			}
		})
	}
}
