package coverage

import (
	"fmt"
	"slices"
	"testing"

	"github.com/callconform/callconform/fixtures"
	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/fixture"
)

func builtinCatalogue(t *testing.T) *Catalogue {
	t.Helper()
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBuiltinCatalogueHasTheReferenceOperations spot-checks the catalogue
// against §1 of the reference, so that a truncated or mistyped table shows.
func TestBuiltinCatalogueHasTheReferenceOperations(t *testing.T) {
	c := builtinCatalogue(t)
	if got := c.ProfileNames(); !slices.Equal(got, []string{harness.DefaultProfile, "v1.0"}) {
		t.Fatalf("profiles = %v, want [%s v1.0]", got, harness.DefaultProfile)
	}
	want := map[string][]string{
		harness.DefaultProfile: {
			"POST /app/calls", "POST /applications/{appId}/calls", "DELETE /app/calls/{callId}",
			"POST /app/calls/{callId}/answer", "POST /app/calls/{callId}/participants/invite",
			"POST /applications/{appId}/calls/{callId}/participants/invite", "POST /app/calls/{callId}/record",
			"POST /app/calls/{callId}/participants/muteAll",
		},
		"v1.0": {
			"POST /communications/calls", "POST /communications/calls/{callId}/keepAlive",
			"POST /communications/calls/{callId}/participants/invite", "POST /communications/calls/{callId}/transfer",
			"POST /communications/calls/{callId}/participants/{participantId}/startHoldMusic",
			"POST /communications/calls/{callId}/recordResponse", "POST /communications/calls/{callId}/sendDtmfTones",
			"GET /communications/calls/{callId}/operations/{operationId}",
		},
	}
	for profile, ops := range want {
		p, err := c.Profile(profile)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range ops {
			if !slices.ContainsFunc(p.Operations, func(o Operation) bool { return o.String() == op }) {
				t.Errorf("%s: the catalogue lacks %s", profile, op)
			}
		}
		for _, o := range p.Operations {
			if o.Section == "" {
				t.Errorf("%s: %s names no section of the reference", profile, o)
			}
		}
		for _, k := range p.Notifications {
			if k.Section == "" || k.Name == "" {
				t.Errorf("%s: notification kind %s lacks a name or a section", profile, k.ID)
			}
		}
	}
	v1, _ := c.Profile("v1.0")
	for _, id := range []string{"call-establishing", "operation-deleted", "roster-updated", "content-sharing-created", "call-tone"} {
		if !slices.ContainsFunc(v1.Notifications, func(k Kind) bool { return k.ID == id }) {
			t.Errorf("v1.0: the catalogue lacks notification kind %s", id)
		}
	}
	if c.HasOperation("keep-alive") != true || c.HasOperation("no-such-operation") {
		t.Error("HasOperation does not tell a catalogue id from another")
	}
	if c.HasKind("call-tone") != true || c.HasKind("no-such-kind") {
		t.Error("HasKind does not tell a catalogue id from another")
	}
}

// TestEveryBuiltinStepIsMappedOrListed checks, for the real catalogue and
// fixtures, that each send step of a fixture is credited to the operation
// that fits it or listed as unknown, and each required expectation to the
// kinds it fits or listed as unknown: nothing is silently dropped. The
// counts themselves grow as fixtures are added, so they are not pinned.
func TestEveryBuiltinStepIsMappedOrListed(t *testing.T) {
	c := builtinCatalogue(t)
	fxs, err := fixture.LoadFS(fixtures.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, profile := range c.ProfileNames() {
		r, err := Compute(c, profile, fxs, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := c.Profile(profile)
		unknown := map[string]bool{}
		for _, u := range r.Unknown {
			unknown[fmt.Sprintf("%s:%d", u.Fixture, u.Line)] = true
		}
		for _, f := range fxs {
			if len(f.Profiles) > 0 && !slices.Contains(f.Profiles, profile) {
				continue
			}
			for _, st := range f.Steps {
				if st.From != "" {
					continue
				}
				if st.Send != "" {
					i := bestOperation(p.Operations, st.Send, expander(f.Vars))
					credited := i >= 0 && slices.Contains(r.Operations[i].Fixtures, f.ID)
					if credited == unknown[fmt.Sprintf("%s:%d", f.ID, st.Line)] {
						t.Errorf("%s: %s:%d %q: credited %v, listed as unknown %v: want exactly one", profile, f.File, st.Line, st.Send, credited, !credited)
					}
				}
				if st.Await == nil {
					continue
				}
				for _, e := range st.Await.Expect {
					if e.Optional {
						continue
					}
					credited := false
					for i, k := range p.Notifications {
						if fitKind(e.Pattern, k, expander(f.Vars)) && slices.Contains(r.Notifications[i].Fixtures, f.ID) {
							credited = true
						}
					}
					if credited == unknown[fmt.Sprintf("%s:%d", f.ID, e.Line)] {
						t.Errorf("%s: %s:%d expectation %s: credited %v, listed as unknown %v: want exactly one", profile, f.File, e.Line, e.Name, credited, !credited)
					}
				}
			}
		}
		if r.Counts.Operations != len(p.Operations) || r.Counts.OperationsCovered > r.Counts.Operations ||
			r.Counts.OperationsCovered+len(r.Uncovered.Operations) != r.Counts.Operations {
			t.Errorf("%s: operation counts %+v do not add up with %d uncovered", profile, r.Counts, len(r.Uncovered.Operations))
		}
		if r.Counts.Notifications != len(p.Notifications) ||
			r.Counts.NotificationsCovered+len(r.Uncovered.Notifications) != r.Counts.Notifications {
			t.Errorf("%s: notification counts %+v do not add up with %d uncovered", profile, r.Counts, len(r.Uncovered.Notifications))
		}
		// The seeds of each profile join a meeting and invite into it.
		for _, id := range []string{"create-call", "invite"} {
			i := slices.IndexFunc(r.Operations, func(o OperationCover) bool { return o.ID == id })
			if i < 0 || !r.Operations[i].Covered() {
				t.Errorf("%s: %s is not covered by the built-in fixtures", profile, id)
			}
		}
	}
}
