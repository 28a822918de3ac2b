package coverage

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callconform/callconform/harness/fixture"
)

// smallCatalogue has two profiles: three operations and three
// notification kinds under "v1.0", one operation under "beta-2018".
const smallCatalogue = `
profiles:
  - name: v1.0
    operations:
      - {id: create, method: POST, path: /calls, section: "§1"}
      - {id: answer, method: POST, path: "/calls/{id}/answer", section: "§2"}
      - {id: invite, method: POST, path: "/calls/{id}/participants/invite", section: "§3"}
    notifications:
      - {id: established, name: "updated call state=established", changeType: updated, resources: ["/calls/{id}"], states: [established], section: "§4"}
      - {id: op-done, name: "deleted operation", changeType: deleted, resources: ["/calls/{id}/operations/{op}"], section: "§5"}
      - {id: roster, name: "updated participants (roster)", changeType: updated, resources: ["/calls/{id}/participants"], section: "§6"}
  - name: beta-2018
    operations:
      - {id: create, method: POST, path: /calls, section: "§7"}
    notifications: []
`

func small(t *testing.T) *Catalogue {
	t.Helper()
	c, err := Parse([]byte(smallCatalogue))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Fixtures of the small world, by file name.
var (
	joinFixture = `id: join
title: join
profiles: [v1.0]
steps:
  - send: POST /calls
    capture: {callId: {json: id}}
  - await:
      expect:
        - {name: up, changeType: updated, resource: "/calls/{{callId}}", where: {resourceData.state: "~(?i)^established$"}}
`
	inviteFixture = `id: invite
title: invite
profiles: [v1.0]
steps:
  - use: join
  - send: POST /calls/{{callId}}/participants/invite
    capture: {opId: {json: id}}
  - await:
      expect:
        - {name: done, changeType: deleted, resource: "/calls/{{callId}}/operations/{{opId}}"}
        - {name: maybeRoster, optional: true, changeType: updated, resource: "~/participants$"}
`
	oldFixture = `id: old-create
title: old
profiles: [beta-2018]
steps:
  - send: POST /calls
`
	strayFixture = `id: stray
title: a step the catalogue lacks
steps:
  - send: POST /calls/{{uuid}}/nowhere
  - await:
      expect:
        - {name: anything, changeType: updated}
`
)

func loadFixtures(t *testing.T, files map[string]string) []*fixture.Fixture {
	t.Helper()
	if len(files) == 0 {
		return nil
	}
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	fxs, err := fixture.LoadFS(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	return fxs
}

func compute(t *testing.T, c *Catalogue, profile string, files map[string]string, specs ...Spec) *Result {
	t.Helper()
	r, err := Compute(c, profile, loadFixtures(t, files), specs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCountsFollowTheFixtures(t *testing.T) {
	c := small(t)
	one := map[string]string{"join.yaml": joinFixture}
	two := map[string]string{"join.yaml": joinFixture, "invite.yaml": inviteFixture}

	r1 := compute(t, c, "v1.0", one)
	want1 := Counts{Operations: 3, OperationsCovered: 1, Notifications: 3, NotificationsCovered: 1}
	if diff := cmp.Diff(want1, r1.Counts); diff != "" {
		t.Errorf("join alone (-want +got):\n%s", diff)
	}
	if r1.Summary != "v1.0: 1 of 3 operations covered, 1 of 3 notification kinds" {
		t.Errorf("summary = %q", r1.Summary)
	}

	// Adding the invite fixture covers invite and the operation's
	// completion; its optional roster expectation covers nothing.
	r2 := compute(t, c, "v1.0", two)
	want2 := Counts{Operations: 3, OperationsCovered: 2, Notifications: 3, NotificationsCovered: 2}
	if diff := cmp.Diff(want2, r2.Counts); diff != "" {
		t.Errorf("join and invite (-want +got):\n%s", diff)
	}
	wantUncovered := Uncovered{Operations: []string{"POST /calls/{id}/answer"}, Notifications: []string{"updated participants (roster)"}}
	if diff := cmp.Diff(wantUncovered, r2.Uncovered); diff != "" {
		t.Errorf("uncovered (-want +got):\n%s", diff)
	}

	// Removing it again gives the first counts back.
	if diff := cmp.Diff(r1, compute(t, c, "v1.0", one), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("after removing invite (-want +got):\n%s", diff)
	}
}

func TestFixturesAreCreditedWithTheirOwnSteps(t *testing.T) {
	r := compute(t, small(t), "v1.0", map[string]string{"join.yaml": joinFixture, "invite.yaml": inviteFixture})
	got := map[string][]string{}
	for _, o := range r.Operations {
		got[o.ID] = o.Fixtures
	}
	for _, k := range r.Notifications {
		got[k.ID] = k.Fixtures
	}
	// invite uses join: the create and its notification stay join's.
	want := map[string][]string{"create": {"join"}, "answer": nil, "invite": {"invite"}, "established": {"join"}, "op-done": {"invite"}, "roster": nil}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("fixtures per entry (-want +got):\n%s", diff)
	}
}

func TestFixturesApplyToTheirProfiles(t *testing.T) {
	c := small(t)
	files := map[string]string{"join.yaml": joinFixture, "old.yaml": oldFixture}
	if got := compute(t, c, "beta-2018", files).Operations[0].Fixtures; !cmp.Equal(got, []string{"old-create"}) {
		t.Errorf("old: create checked by %v, want [old-create] (join is for profile v1.0)", got)
	}
	if got := compute(t, c, "v1.0", files).Operations[0].Fixtures; !cmp.Equal(got, []string{"join"}) {
		t.Errorf("v1.0: create checked by %v, want [join] (old-create is for profile beta-2018)", got)
	}
}

func TestStepsThatFitNothingAreListed(t *testing.T) {
	// stray names no profile: it applies to both, and fits nothing in either.
	r := compute(t, small(t), "v1.0", map[string]string{"stray.yaml": strayFixture})
	want := []UnknownStep{
		{Fixture: "stray", File: "stray.yaml", Line: 4, Step: "send: POST /calls/{{uuid}}/nowhere"},
		{Fixture: "stray", File: "stray.yaml", Line: 7, Step: "expect anything: updated (any resource)"},
	}
	if diff := cmp.Diff(want, r.Unknown); diff != "" {
		t.Errorf("unknown steps (-want +got):\n%s", diff)
	}
	if r.Counts.OperationsCovered != 0 || r.Counts.NotificationsCovered != 0 {
		t.Errorf("counts = %+v, want nothing covered", r.Counts)
	}
}

func TestSpecsAreCreditedUnderTheirProfiles(t *testing.T) {
	c := small(t)
	specs := []Spec{
		{ID: "every-profile", Operations: []string{"create"}},
		{ID: "new-only", Profiles: []string{"v1.0"}, Operations: []string{"create", "answer", "not-in-catalogue"}, Notifications: []string{"roster"}},
	}
	r := compute(t, c, "v1.0", nil, specs...)
	if diff := cmp.Diff([]string{"every-profile", "new-only"}, r.Operations[0].Specs); diff != "" {
		t.Errorf("create (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"new-only"}, r.Operations[1].Specs); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"new-only"}, r.Notifications[2].Specs); diff != "" {
		t.Errorf("roster (-want +got):\n%s", diff)
	}
	if r.Counts.OperationsCovered != 2 || r.Counts.NotificationsCovered != 1 {
		t.Errorf("counts = %+v, want 2 operations and 1 kind", r.Counts)
	}
	old := compute(t, c, "beta-2018", nil, specs...)
	if diff := cmp.Diff([]string{"every-profile"}, old.Operations[0].Specs); diff != "" {
		t.Errorf("old create (-want +got):\n%s", diff)
	}
}

func TestUnknownProfile(t *testing.T) {
	_, err := Compute(small(t), "v2", nil, nil)
	if !errors.Is(err, ErrUnknownProfile) {
		t.Fatalf("err = %v, want ErrUnknownProfile", err)
	}
	if want := `coverage: unknown profile "v2" (known: v1.0, beta-2018)`; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}

func TestParseRefusesABadCatalogue(t *testing.T) {
	op := func(s string) string {
		return "profiles:\n  - name: p\n    operations:\n      - " + s + "\n    notifications: []\n"
	}
	kind := func(s string) string {
		return "profiles:\n  - name: p\n    operations: []\n    notifications:\n      - " + s + "\n"
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"no profiles", "profiles: []\n", "no profiles"},
		{"unknown field", "profiles:\n  - name: p\n    colour: red\n", "field colour not found"},
		{"profile without name", "profiles:\n  - operations: []\n", "a profile has no name"},
		{"profile twice", "profiles:\n  - name: p\n  - name: p\n", `profile "p" twice`},
		{"operation without id", op("{method: GET, path: /a}"), "operation GET /a has no id"},
		{"operation twice", "profiles:\n  - name: p\n    operations:\n      - {id: a, method: GET, path: /a}\n      - {id: a, method: GET, path: /b}\n", `operation id "a" twice`},
		{"lower-case method", op("{id: a, method: get, path: /a}"), `method "get" is not an upper-case HTTP method`},
		{"relative path", op("{id: a, method: GET, path: a}"), `path "a" does not start with /`},
		{"kind without id", kind("{name: x, changeType: updated, resources: [/a]}"), `notification kind "x" has no id`},
		{"bad changeType", kind("{id: k, changeType: changed, resources: [/a]}"), `changeType "changed" is not one of created, updated, deleted`},
		{"kind without resource", kind("{id: k, changeType: updated}"), "notification kind k has no resource"},
		{"relative resource", kind("{id: k, changeType: updated, resources: [a]}"), `resource "a" does not start with /`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestWriteText(t *testing.T) {
	r := compute(t, small(t), "v1.0", map[string]string{"join.yaml": joinFixture, "invite.yaml": inviteFixture},
		Spec{ID: "a-spec", Operations: []string{"invite"}})
	var b bytes.Buffer
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, line := range []string{
		"v1.0: 2 of 3 operations covered, 2 of 3 notification kinds\n",
		"ok  POST /calls ",
		"fixtures: join\n",
		"-   POST /calls/{id}/answer ",
		"fixtures: invite; specs: a-spec\n",
		"ok  updated call state=established /calls/{id} ",
		"-   updated participants (roster) /calls/{id}/participants ",
		"\nuncovered operations (1):\n  POST /calls/{id}/answer\n",
		"\nuncovered notification kinds (1):\n  updated participants (roster)\n",
	} {
		if !strings.Contains(got, line) {
			t.Errorf("the text lacks %q:\n%s", line, got)
		}
	}
}

func TestWriteJSONAndYAML(t *testing.T) {
	r := compute(t, small(t), "v1.0", map[string]string{"join.yaml": joinFixture})
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc Document
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Document{Profiles: []*Result{r}}, doc, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
	b.Reset()
	if err := WriteYAML(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"profiles:\n  - profile: v1.0\n", "    summary: 'v1.0: 1 of 3 operations covered, 1 of 3 notification kinds'\n", "        operation: POST /calls\n"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("the YAML lacks %q:\n%s", s, b.String())
		}
	}
}
