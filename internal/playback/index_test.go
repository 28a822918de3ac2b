package playback

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/fixture"
)

func TestShapeOf(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{"post", "/communications/calls/{{callId}}/participants/invite", "POST /communications/calls/*/participants/invite"},
		{"POST", "/Communications/Calls/57DAB8B1894C409AB240BD8BEAE78896/participants/invite", "POST /communications/calls/*/participants/invite"},
		{"DELETE", "/app/calls/57dab8b1-894c-409a-b240-bd8beae78896", "DELETE /app/calls/*"},
		{"GET", "/app/calls/x", "GET /app/calls/x"},
		{"GET", "/app/calls/abc{{n}}", "GET /app/calls/*"},
	} {
		if got := shapeOf(tc.method, tc.path); got != tc.want {
			t.Errorf("shapeOf(%s, %s) = %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

// A variable whose value does not read as an id gives the request another
// shape than its step's: the scenario is found all the same.
func TestNextStepFoundWhenAValueIsNotAnID(t *testing.T) {
	f, err := fixture.Parse("app.yaml", []byte(`id: app
title: App
steps:
  - send: POST /applications/{{app}}/calls
    expect: {status: 201}
`))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{}, f)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := serve(m, "POST", "/applications/my-bot/calls", ""); got != http.StatusCreated {
		t.Fatalf("answered %d, want 201:\n%s", got, m.Report())
	}
}

// The closest step of a request made too early is found however far
// ahead it is: by its shape, not by a scan of the steps in between.
func TestClosestStepFarAheadIsFoundByShape(t *testing.T) {
	var y strings.Builder
	y.WriteString("id: far\ntitle: Far\nsteps:\n")
	for i := range maxNextSends + maxSameShape {
		fmt.Fprintf(&y, "  - send: POST /step%d\n", i)
	}
	y.WriteString("  - name: the end\n    send: DELETE /communications/calls/{{callId}}\n")
	f, err := fixture.Parse("far.yaml", []byte(y.String()))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{}, f)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := serve(m, "DELETE", "/communications/calls/57dab8b1-894c-409a-b240-bd8beae78896", ""); got != http.StatusBadRequest {
		t.Fatalf("answered %d, want 400", got)
	}
	u := m.Report().Unmatched
	if len(u) != 1 {
		t.Fatalf("unmatched %+v", u)
	}
	if diff := cmp.Diff(Unmatched{
		Method: "DELETE", Path: "/communications/calls/57dab8b1-894c-409a-b240-bd8beae78896",
		Scenario: "far", Step: maxNextSends + maxSameShape + 1,
		Closest: fmt.Sprintf("far step %d (the end, far.yaml:%d): DELETE /communications/calls/{{callId}}", maxNextSends+maxSameShape+1, maxNextSends+maxSameShape+4),
		Note:    "out of order: far step 1 (far.yaml:4): POST /step0 comes first",
	}, u[0]); diff != "" {
		t.Errorf("unmatched (-want +got):\n%s", diff)
	}
}
