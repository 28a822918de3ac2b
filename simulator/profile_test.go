package simulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestProfiles(t *testing.T) {
	if diff := cmp.Diff([]string{"beta-2018", "v1.0"}, Profiles()); diff != "" {
		t.Errorf("Profiles (-want +got):\n%s", diff)
	}
	for _, name := range Profiles() {
		s, err := New(Config{Profile: name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s.Profile() != name {
			t.Errorf("Profile() = %s; want %s", s.Profile(), name)
		}
		if want := map[string]string{ProfileBeta2018: "/app/calls", ProfileV1: "/communications/calls"}[name]; s.CallsPath() != want {
			t.Errorf("%s: CallsPath() = %s; want %s", name, s.CallsPath(), want)
		}
		s.Close()
	}
}

// The switches of one profile are refused under the other, naming why.
func TestProfileSwitchesRefused(t *testing.T) {
	for name, cfg := range map[string]Config{
		"EstablishedFirst under beta-2018": {EstablishedFirst: true},
		"ResourceURLOnly under beta-2018":  {ResourceURLOnly: true},
		"NoInviteLocation under beta-2018": {NoInviteLocation: true},
		"InviteAnswer 202 under v1.0":      {Profile: ProfileV1, InviteAnswer: "202"},
		"negative KeepAliveTimeout":        {Profile: ProfileV1, KeepAliveTimeout: -1},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := New(cfg)
			if err == nil {
				s.Close()
				t.Fatal("New accepted it")
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error %v does not wrap ErrConfig", err)
			}
		})
	}
	s, err := New(Config{Profile: ProfileV1, InviteAnswer: "200"})
	if err != nil {
		t.Fatalf("InviteAnswer 200 under v1.0: %v", err)
	}
	s.Close()
}

// items returns the members of the notification items of a POST body, and
// the body's own members.
func items(t *testing.T, n note) (top map[string]json.RawMessage, item map[string]json.RawMessage) {
	t.Helper()
	if err := json.Unmarshal(n.Body, &top); err != nil {
		t.Fatalf("body %s: %v", n.Body, err)
	}
	var value []map[string]json.RawMessage
	if err := json.Unmarshal(top["value"], &value); err != nil || len(value) != 1 {
		t.Fatalf("value of %s: %v", n.Body, err)
	}
	return top, value[0]
}

// Items carry resourceUrl and resource by default, resourceUrl only with
// ResourceURLOnly, resource only with Break no-resource-url.
func TestV1ResourceForms(t *testing.T) {
	for _, tc := range []struct {
		name          string
		cfg           Config
		url, resource bool
	}{
		{"both", Config{}, true, true},
		{"resourceUrl only", Config{ResourceURLOnly: true}, true, false},
		{"break no-resource-url", Config{Break: []string{BreakNoResourceURL}}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := dialectEnv(t, v1Dialect, tc.cfg)
			rc := newReceiver(t)
			c := e.createIn(v1Dialect, rc.URL())
			// Without resourceUrl, the receiver files items by resource.
			res := v1Res(c)
			if !tc.url {
				res = "/app/calls/" + c.String()
			}
			for _, n := range rc.waitState(t, res, stateEstablished) {
				_, item := items(t, n)
				var url, resource string
				_, hasURL := item["resourceUrl"]
				_, hasResource := item["resource"]
				_ = json.Unmarshal(item["resourceUrl"], &url)
				_ = json.Unmarshal(item["resource"], &resource)
				// The call, or (the roster of a join may have arrived
				// too) a resource below it, on both roots alike.
				rel, onCall := strings.CutPrefix(url, v1Res(c))
				legacyRel, onLegacy := strings.CutPrefix(resource, "/app/calls/"+c.String())
				if hasURL != tc.url || hasResource != tc.resource || (hasURL && !onCall) || (hasResource && !onLegacy) ||
					(hasURL && hasResource && rel != legacyRel) {
					t.Errorf("item resourceUrl %q resource %q", url, resource)
				}
			}
		})
	}
}

// Ids are accepted in any casing, with or without dashes, on every route of
// one call.
func TestV1IDsInAnyCasing(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.establishedIn(v1Dialect, rc)
	r := e.do("POST", invitePathIn(v1Dialect, c), tok, map[string]any{"participants": []any{v1Invitee()}})
	op := mustID(t, lastSegment(r.header.Get("Location")))
	call := e.do("GET", "/communications/calls/"+c.String(), tok, nil).json(t)
	bot := mustID(t, call["myParticipantId"].(string))
	forms := func(s string) []string {
		return []string{s, mustID(t, s).Compact(), strings.ToLower(mustID(t, s).Compact()), strings.ToUpper(s)}
	}
	for _, id := range forms(c.String()) {
		for _, path := range []string{"", "/participants", "/participants/" + forms(bot.String())[1], "/operations/" + forms(op.String())[3]} {
			if r := e.do("GET", "/communications/calls/"+id+path, tok, nil); r.status != http.StatusOK {
				t.Errorf("GET %s%s: %d", id, path, r.status)
			}
		}
		keptAlive(t, e.keepAlive(id))
	}
}
