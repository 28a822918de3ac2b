package recorder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/callconform/callconform/internal/realtraffic"
)

// Realistic exchanges built from the real service's documented bodies
// (internal/realtraffic), with the sample ids replaced by each flow's own:
// a v1.0 call created, established, a participant invited, the call
// deleted.

var (
	sampleCallRE = regexp.MustCompile(`ca11[0-9a-f]{4}-0000-4000-8000-[0-9a-f]{12}`)
	sampleOpRE   = regexp.MustCompile(`0be7[0-9a-f]{4}-0000-4000-8000-[0-9a-f]{12}`)
	sampleUserRE = regexp.MustCompile(`1d1d[0-9a-f]{4}-0000-4000-8000-[0-9a-f]{12}`)
)

// realSamples are the bodies a flow is made of, read once.
type realSamples struct {
	createReq, createAnswer []byte
	inviteReq, inviteAnswer []byte
	notes                   map[string][][]byte // scenario → POST bodies in order
}

func loadRealSamples(tb testing.TB) *realSamples {
	tb.Helper()
	answers, err := realtraffic.Answers()
	if err != nil {
		tb.Fatal(err)
	}
	s := &realSamples{notes: map[string][][]byte{}}
	for _, a := range answers {
		switch a.Name {
		case "create-call":
			s.createReq, s.createAnswer = a.Request.Body, a.Response.Body
		case "invite":
			s.inviteReq, s.inviteAnswer = a.Request.Body, a.Response.Body
		}
	}
	for _, sc := range []string{"create-p2p", "invite", "delete"} {
		for _, n := range realtraffic.Scenario("graph-docs-v1.0", sc) {
			s.notes[sc] = append(s.notes[sc], n.Body)
		}
	}
	if s.createReq == nil || s.inviteAnswer == nil || len(s.notes["create-p2p"]) != 2 || len(s.notes["invite"]) != 2 || len(s.notes["delete"]) != 2 {
		tb.Fatalf("realtraffic no longer has the samples a flow is made of")
	}
	return s
}

// flowIDs are the ids of one flow.
type flowIDs struct{ call, op, user, invitee, context string }

func idsOf(i int) flowIDs {
	return flowIDs{
		call:    fmt.Sprintf("%08x-894c-409a-b240-bd8beae78896", i),
		op:      fmt.Sprintf("%08x-1a3f-4c11-9d0e-5f2b6f8a9c10", i),
		user:    fmt.Sprintf("550fae72-d251-43ec-868c-%012x", i%50), // a bot calls the same few people
		invitee: fmt.Sprintf("278405a3-f568-4b3e-b684-%012x", i%50),
		context: fmt.Sprintf("%08x-3c51-4bc2-8fc0-475452d9764f", i),
	}
}

// with writes a sample body with a flow's ids.
func (ids flowIDs) with(body []byte) []byte {
	body = sampleCallRE.ReplaceAll(body, []byte(ids.call))
	body = sampleOpRE.ReplaceAll(body, []byte(ids.op))
	body = sampleUserRE.ReplaceAllFunc(body, func(m []byte) []byte {
		if bytes.Equal(m, []byte("1d1d0005-0000-4000-8000-000000000005")) {
			return []byte(ids.user)
		}
		return []byte(ids.invitee)
	})
	return bytes.ReplaceAll(body, []byte("c11e0023-0000-4000-8000-000000000023"), []byte(ids.context))
}

// answerWithID sets the "id" of an answer body.
func answerWithID(tb testing.TB, body []byte, id string) []byte {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		tb.Fatal(err)
	}
	m["id"] = id
	out, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// flow returns flow i's exchanges as the recorder sees them (notifications
// to callback n), timed from t0.
func (s *realSamples) flow(tb testing.TB, i, callback int, upstream string, t0 time.Time) []*exchange {
	ids := idsOf(i)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	note := func(sc string, k, ms int) *exchange {
		return &exchange{isNote: true, callback: callback, botStatus: 202, at: at(ms), body: ids.with(s.notes[sc][k])}
	}
	return []*exchange{
		{method: "POST", path: "/communications/calls", at: at(0), answeredAt: at(40),
			header: nil, body: ids.with(s.createReq), callbacks: []int{callback},
			status: 201, location: upstream + "/communications/calls/" + ids.call,
			respHeader: map[string]string{"Content-Type": "application/json"},
			respBody:   answerWithID(tb, ids.with(s.createAnswer), ids.call)},
		note("create-p2p", 0, 150), note("create-p2p", 1, 900),
		{method: "POST", path: "/communications/calls/" + ids.call + "/participants/invite", at: at(1000), answeredAt: at(1060),
			body: ids.with(s.inviteReq), status: 200, respHeader: map[string]string{"Content-Type": "application/json"},
			respBody: answerWithID(tb, ids.with(s.inviteAnswer), ids.op)},
		note("invite", 0, 1800), note("invite", 1, 1850),
		{method: "DELETE", path: "/communications/calls/" + ids.call, at: at(2000), answeredAt: at(2030), status: 204},
		note("delete", 0, 2100), note("delete", 1, 2600),
	}
}
