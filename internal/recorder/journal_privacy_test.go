package recorder

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/fixture"
)

// TestJournalAndFixtureVarsAgree: with planted traffic recorded into a
// journal on disk, the journal (mode 0600) holds no planted value, only
// pseudonyms; the fixture built from it, in the recording process and by
// Finish in another, writes each identity the bot sent as a var, whose
// value is the pseudonym the journal holds, the same in both builds.
func TestJournalAndFixtureVarsAgree(t *testing.T) {
	dir := t.TempDir()
	journal := filepath.Join(dir, "planted.journal")
	r, err := New(Config{Upstream: "https://graph.microsoft.com/v1.0", PublicURL: "https://rec.example.test", JournalPath: journal})
	if err != nil {
		t.Fatal(err)
	}
	note, request, answer := plantedBodies(t)
	record(r,
		&exchange{method: "POST", path: "/app/calls", body: request,
			status: 201, location: "https://graph.microsoft.com/v1.0/communications/calls/ca110001-0000-4000-8000-000000000001", respBody: answer},
		&exchange{isNote: true, body: note, callback: 1, botStatus: 202},
	)
	live, err := r.Encode(Meta{ID: "planted"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	info, err := os.Stat(journal)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, want 0600", info.Mode().Perm())
	}
	raw, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plantedValues {
		if e := trace(string(raw), p.value); e != "" {
			t.Errorf("the journal holds the %s as %q", p.name, e)
		}
	}

	out := filepath.Join(dir, "planted.yaml")
	if _, err := Finish(journal, out, Meta{ID: "planted"}); err != nil {
		t.Fatal(err)
	}
	finished, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]map[string]string{}
	for _, b := range []struct {
		name string
		data []byte
	}{{"Encode", live}, {"Finish", finished}} {
		t.Run(b.name, func(t *testing.T) {
			vars[b.name] = checkVarsFromJournal(t, b.data, string(raw))
		})
	}
	if diff := cmp.Diff(vars["Encode"], vars["Finish"]); diff != "" {
		t.Errorf("the vars of Encode and of Finish differ (-Encode +Finish):\n%s", diff)
	}
}

// checkVarsFromJournal checks that the fixture has a var for each identity
// of the planted request, each standing in its body, each valued with a
// pseudonym the journal holds.
func checkVarsFromJournal(t *testing.T, data []byte, journal string) map[string]string {
	t.Helper()
	f, err := fixture.Parse("planted.yaml", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	body := string(f.Steps[0].Body)
	for _, name := range []string{"userId1", "tenantId1", "phone1", "phone2", "threadId1", "joinMeetingId1"} {
		val, ok := f.Vars[name]
		if !ok {
			t.Errorf("no var %s in %v", name, f.Vars)
			continue
		}
		if !isPseudonym(val) {
			t.Errorf("var %s = %q, not a pseudonym", name, val)
		}
		if !strings.Contains(journal, val) {
			t.Errorf("var %s = %q, which the journal does not hold", name, val)
		}
		if !strings.Contains(body, `"{{`+name+`}}"`) {
			t.Errorf("the request body does not send {{%s}}:\n%s", name, body)
		}
	}
	return f.Vars
}
