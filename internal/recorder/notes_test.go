package recorder

import (
	"strings"
	"testing"

	"github.com/callconform/callconform/harness/fixture"
)

// TestOrderEdges: notifications on one resource follow each other; an
// operation's completion comes before the roster of its call and the
// notifications of the call its request replaced, even in a later block;
// nothing else is ordered.
func TestOrderEdges(t *testing.T) {
	r, err := New(Config{Upstream: "http://sim.test", PublicURL: "http://rec.test"})
	if err != nil {
		t.Fatal(err)
	}
	const meeting, p2p, other, op = "11111111111141118111111111111111", "22222222222242228222222222222222", "33333333333343338333333333333333", "44444444444444448444444444444444"
	item := func(ct, res, state string) string {
		rd := `{}`
		if state != "" {
			rd = `{"state":"` + state + `"}`
		}
		return `{"value":[{"changeType":"` + ct + `","resource":"` + res + `","resourceData":` + rd + `}]}`
	}
	record(r,
		&exchange{method: "POST", path: "/app/calls", status: 201, location: "/app/calls/" + meeting},
		&exchange{method: "POST", path: "/app/calls", status: 201, location: "/app/calls/" + p2p},
		&exchange{method: "POST", path: "/app/calls", status: 201, location: "/app/calls/" + other},
		&exchange{method: "POST", path: "/app/calls/" + meeting + "/participants/invite", body: []byte(`{"participants":[{"replacesCallId":"` + p2p + `"}]}`),
			status: 202, location: "/app/calls/" + meeting + "/operations/" + op},
		note(1, 202, item("deleted", "/app/calls/"+meeting+"/operations/"+op, "")),
		note(1, 202, item("updated", "/app/calls/"+other, "established")),
		&exchange{method: "GET", path: "/app/calls/" + other, status: 200},
		note(1, 202, item("updated", "/app/calls/"+meeting+"/participants", "")),
		note(1, 202, item("updated", "/app/calls/"+p2p, "terminated")),
		note(1, 202, item("deleted", "/app/calls/"+p2p, "")),
	)
	data, err := r.Encode(Meta{})
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	f, err := fixture.Parse("x.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	after := map[string]string{}
	for _, st := range f.Steps {
		if st.Await != nil {
			for _, e := range st.Await.Expect {
				after[e.Name] = strings.Join(e.After, ",")
			}
		}
	}
	want := map[string]string{
		"opDeleted":         "",
		"call3Established":  "",
		"callRosterUpdated": "opDeleted",
		"call2Terminated":   "opDeleted",
		"call2Deleted":      "call2Terminated",
	}
	for name, w := range want {
		if got, ok := after[name]; !ok || got != w {
			t.Errorf("%s after [%s], want [%s]\n%s", name, got, w, data)
		}
	}
}
