package coverage

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSpecsFromManifest(t *testing.T) {
	c := small(t)
	manifest := `note: x
requirements:
  - id: a-fixture
    kind: fixture
    labels: [invite]
  - id: both
    kind: spec
    labels: [invite]
    operations: [invite]
  - id: v1-only
    kind: spec
    labels: [calls, v1.0]
    operations: [create, answer]
    notifications: [roster]
coverage: []
`
	got, err := c.SpecsFromManifest([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	want := []Spec{
		{ID: "both", Operations: []string{"invite"}},
		{ID: "v1-only", Profiles: []string{"v1.0"}, Operations: []string{"create", "answer"}, Notifications: []string{"roster"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("specs (-want +got):\n%s", diff)
	}
	if _, err := c.SpecsFromManifest([]byte("requirements: {")); err == nil {
		t.Error("a manifest that is not YAML is read without an error")
	}
}

func TestProfilesIn(t *testing.T) {
	c := small(t)
	for _, tc := range []struct {
		labels, want []string
	}{
		{[]string{"invite"}, nil},
		{[]string{"beta-2018", "x", "v1.0"}, []string{"v1.0", "beta-2018"}}, // catalogue order
		{[]string{"v1.0"}, []string{"v1.0"}},
	} {
		if got := c.ProfilesIn(tc.labels); !cmp.Equal(got, tc.want) {
			t.Errorf("ProfilesIn(%v) = %v, want %v", tc.labels, got, tc.want)
		}
	}
}
