package simulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// subscribeToTone answers completed under v1.0 (no operation notification)
// and running then deleted completed under beta-2018; each tone then is
// an updated call, established, with toneInfo whose sequenceId counts.
func TestSubscribeToToneAndTones(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			e := dialectEnv(t, md.dialect, Config{})
			rc := newReceiver(t)
			c := e.mediaCallIn(md.dialect, rc)
			status := "completed"
			if md.toneRunning {
				status = "running"
			}
			op := opAnswer(t, e, md.dialect, c, e.action(md.dialect, c, "subscribeToTone", map[string]any{"clientContext": "fd1c7836-4d84-4e24-b6aa-23188688cc54"}),
				md.opType(typeSubscribeToneOperation), status)
			for _, tone := range []string{"tone1", "Star", "pound", "A"} {
				r := e.control("tone", map[string]any{"callId": c.Compact(), "tone": tone})
				if r.status != http.StatusOK {
					t.Fatalf("tone %s: %d %s", tone, r.status, r.body)
				}
			}
			ns := rc.waitNote(t, md.res(c), "the fourth tone", func(n note) bool { return strings.Contains(string(n.Data), `"sequenceId":4`) })
			var got []string
			opNotes := 0
			for _, n := range ns {
				if n.Resource == md.opRes(c, op) {
					opNotes++
					if len(got) > 0 || n.data(t)["status"] != "completed" {
						t.Errorf("operation completion %s after %d tones", n.Data, len(got))
					}
				}
				if n.Resource != md.res(c) {
					continue
				}
				ti, ok := n.data(t)["toneInfo"].(map[string]any)
				if !ok {
					continue
				}
				if n.ChangeType != "updated" || n.state() != stateEstablished {
					t.Errorf("tone notification %s", n)
				}
				got = append(got, jsonText(ti["sequenceId"])+" "+ti["tone"].(string))
			}
			if diff := cmp.Diff([]string{"1 tone1", "2 star", "3 pound", "4 a"}, got); diff != "" {
				t.Errorf("tones (-want +got):\n%s", diff)
			}
			if want := map[bool]int{true: 1, false: 0}[md.toneRunning]; opNotes != want {
				t.Errorf("%d operation notifications; want %d", opNotes, want)
			}
		})
	}
}

func TestToneErrors(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			e := dialectEnv(t, md.dialect, Config{})
			rc := newReceiver(t)
			c := e.mediaCallIn(md.dialect, rc)
			for name, tc := range map[string]struct {
				body   any
				status int
			}{
				"not subscribed": {map[string]any{"callId": c.String(), "tone": "tone1"}, http.StatusConflict},
				"unknown call":   {map[string]any{"callId": guid.New().String(), "tone": "tone1"}, http.StatusNotFound},
				"no callId":      {map[string]any{"tone": "tone1"}, http.StatusBadRequest},
				"bad callId":     {map[string]any{"callId": "nope", "tone": "tone1"}, http.StatusNotFound},
				"not JSON":       {"{", http.StatusBadRequest},
			} {
				if r := e.control("tone", tc.body); r.status != tc.status || r.errorCode(t) == "" {
					t.Errorf("%s: %d %s; want %d", name, r.status, r.body, tc.status)
				}
			}
			e.action(md.dialect, c, "subscribeToTone", map[string]any{})
			for _, bad := range []any{"tone10", "e", 5, nil} {
				if r := e.control("tone", map[string]any{"CALLID": c.String(), "tone": bad}); r.status != http.StatusBadRequest {
					t.Errorf("tone %v: %d %s", bad, r.status, r.body)
				}
			}
			if r := e.control("tone", map[string]any{"CallID": strings.ToUpper(c.Compact()), "Tone": "tone0"}); r.status != http.StatusOK {
				t.Errorf("members and id in other casings: %d %s", r.status, r.body)
			}
			incoming := e.incomingCall(rc.URL(), nil)
			if r := e.action(md.dialect, incoming, "subscribeToTone", nil); r.status != http.StatusConflict {
				t.Errorf("subscribeToTone on an incoming call: %d %s", r.status, r.body)
			}
		})
	}
}
