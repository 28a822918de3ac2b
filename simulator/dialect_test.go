package simulator

import (
	"net/http"
	"testing"

	"github.com/callconform/callconform/internal/guid"
)

// dialect is how a bot speaks to a simulator of one profile: its paths,
// member names and expected answers, written here from the profile's
// documentation, not read from the simulator's profile table.
type dialect struct {
	profile      string
	root         string // calls root of requests and of notification resources
	callback     string // name of the callback member
	answerStatus int
	inviteStatus int
	// res is the notification resource of call i; noteID writes an id (a
	// call's, an operation's) as its notifications do.
	res    func(i guid.GUID) string
	noteID func(i guid.GUID) string
	// meetingBody joins a meeting with callback cb; answerBody answers
	// with callback cb, for audio.
	meetingBody func(cb string) map[string]any
	answerBody  func(cb string) map[string]any
	// replacesCallID is how a bot names the call an invite replaces.
	replacesCallID func(i guid.GUID) string
}

var (
	betaDialect = dialect{
		profile: ProfileBeta2018, root: "/app/calls", callback: "callback",
		answerStatus: http.StatusOK, inviteStatus: http.StatusAccepted,
		res:         callRes,
		noteID:      guid.GUID.Compact,
		meetingBody: meetingBody,
		answerBody: func(cb string) map[string]any {
			return map[string]any{"callback": cb, "acceptModalities": []string{"audio"},
				"mediaConfig": map[string]any{"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"}}
		},
		replacesCallID: func(i guid.GUID) string { return "/app/calls/" + i.Compact() },
	}
	v1Dialect = dialect{
		profile: ProfileV1, root: "/communications/calls", callback: "callbackUri",
		answerStatus: http.StatusAccepted, inviteStatus: http.StatusOK,
		res:         v1Res,
		noteID:      guid.GUID.String,
		meetingBody: v1MeetingBody,
		answerBody:  v1AnswerBody,
		// Any casing, with or without dashes: the compact upper-case form
		// the pages mix with the dashed one.
		replacesCallID: func(i guid.GUID) string { return i.Compact() },
	}
	dialects = []dialect{betaDialect, v1Dialect}
)

// v1Res is the notification resource (resourceUrl) of call i under v1.0.
func v1Res(i guid.GUID) string { return "/communications/calls/" + i.String() }

// serviceHosted is the mediaConfig of the v1.0 examples.
func serviceHosted() map[string]any {
	return map[string]any{"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"}
}

// v1MeetingBody is the v1.0 page's "join scheduled meeting with service
// hosted media" request, with callback cb.
func v1MeetingBody(cb string) map[string]any {
	return map[string]any{
		"@odata.type":         "#microsoft.graph.call",
		"callbackUri":         cb,
		"requestedModalities": []string{"audio"},
		"mediaConfig":         serviceHosted(),
		"chatInfo": map[string]any{
			"@odata.type": "#microsoft.graph.chatInfo",
			"threadId":    "19:meeting_YzBhNzAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMGQwYzAx@thread.v2",
			"messageId":   "0",
		},
		"meetingInfo": map[string]any{
			"@odata.type": "#microsoft.graph.organizerMeetingInfo",
			"organizer": map[string]any{"user": map[string]any{
				"id": "1d1d0004-0000-4000-8000-000000000004", "tenantId": "7e4a0000-0000-4000-8000-0000000000f0"}},
			"allowConversationWithoutHost": true,
		},
		"tenantId": "7e4a0000-0000-4000-8000-0000000000f0",
	}
}

// v1P2PBody is the v1.0 page's peer-to-peer call to one user, with
// callback cb.
func v1P2PBody(cb string) map[string]any {
	return map[string]any{
		"@odata.type": "#microsoft.graph.call",
		"callbackUri": cb,
		"targets": []any{map[string]any{
			"@odata.type": "#microsoft.graph.invitationParticipantInfo",
			"identity":    map[string]any{"user": map[string]any{"displayName": "John", "id": "1d1d0005-0000-4000-8000-000000000005"}},
		}},
		"requestedModalities": []string{"audio"},
		"mediaConfig":         serviceHosted(),
	}
}

// v1AnswerBody is the v1.0 page's answer, with callback cb.
func v1AnswerBody(cb string) map[string]any {
	return map[string]any{"callbackUri": cb, "acceptedModalities": []string{"audio"}, "mediaConfig": serviceHosted()}
}

// dialectEnv is a simulator of d's profile, with cfg's other settings.
func dialectEnv(t *testing.T, d dialect, cfg Config) *env {
	t.Helper()
	cfg.Profile = d.profile
	return newEnv(t, cfg)
}

// createIn joins a meeting in dialect d with callback cb and returns the
// call's id.
func (e *env) createIn(d dialect, cb string) guid.GUID {
	e.t.Helper()
	r := e.do("POST", d.root, e.token(ClientCalling), d.meetingBody(cb))
	if r.status != http.StatusCreated {
		e.t.Fatalf("create call: status %d: %s", r.status, r.body)
	}
	return mustID(e.t, lastSegment(r.header.Get("Location")))
}

// establishedIn creates a call in dialect d and waits until it is
// established.
func (e *env) establishedIn(d dialect, rc *receiver) guid.GUID {
	e.t.Helper()
	c := e.createIn(d, rc.URL())
	rc.waitState(e.t, d.res(c), stateEstablished)
	return c
}

// answeredIn places an incoming call, answers it in dialect d with callback
// rc and waits until it is established.
func (e *env) answeredIn(d dialect, rc *receiver) guid.GUID {
	e.t.Helper()
	c := e.incomingCall(rc.URL(), nil)
	r := e.do("POST", d.root+"/"+c.String()+"/answer", e.token(ClientCalling), d.answerBody(rc.URL()))
	if r.status != d.answerStatus {
		e.t.Fatalf("answer: status %d: %s", r.status, r.body)
	}
	rc.waitState(e.t, d.res(c), stateEstablished)
	return c
}

// invitePathIn is the invite path of call c in dialect d.
func invitePathIn(d dialect, c guid.GUID) string {
	return d.root + "/" + c.String() + "/participants/invite"
}
