package realtraffic

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/internal/excerpt"
	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/internal/secret"
)

// embedded returns every embedded .json file by its name under testdata.
func embedded(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range jsonFiles() {
		out[strings.TrimPrefix(p, root+"/")] = mustRead(p)
	}
	if len(out) == 0 {
		t.Fatal("no embedded files")
	}
	return out
}

func TestEveryFileIsOneJSONValue(t *testing.T) {
	for name, data := range embedded(t) {
		if !json.Valid(data) {
			t.Errorf("%s is not valid JSON", name)
		}
	}
}

func TestEveryFileIsASampleOrAnAnswer(t *testing.T) {
	var got []string
	for _, s := range Notifications() {
		got = append(got, s.Path())
	}
	as, err := Answers()
	if err != nil {
		t.Fatalf("Answers: %v", err)
	}
	for _, a := range as {
		got = append(got, answers+"/"+a.Source+"/"+a.Name+".json")
	}
	var want []string
	for name := range embedded(t) {
		want = append(want, name)
	}
	sort.Strings(got)
	sort.Strings(want)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files neither a sample nor an answer (-files +read):\n%s", d)
	}
}

// changeTypes are the values of commsNotification.changeType, compared
// without case: an SDK log writes them in PascalCase.
var changeTypes = map[string]bool{"created": true, "updated": true, "deleted": true}

func TestEveryNotificationHasChangeTypeAndResource(t *testing.T) {
	for _, s := range Notifications() {
		t.Run(s.Path(), func(t *testing.T) {
			items, err := s.Items()
			if err != nil {
				t.Fatal(err)
			}
			if len(items) == 0 {
				t.Fatal(`"value" is empty`)
			}
			for i, raw := range items {
				var it struct {
					ChangeType  *string `json:"changeType"`
					Resource    *string `json:"resource"`
					ResourceURL *string `json:"resourceUrl"`
				}
				if err := json.Unmarshal(raw, &it); err != nil {
					t.Errorf("item %d: %v", i, err)
					continue
				}
				if it.ChangeType == nil || !changeTypes[strings.ToLower(*it.ChangeType)] {
					t.Errorf("item %d: changeType missing or not created/updated/deleted: %s", i, excerpt.Clip(string(raw), 120))
				}
				if (it.Resource == nil || *it.Resource == "") && (it.ResourceURL == nil || *it.ResourceURL == "") {
					t.Errorf("item %d: neither resource nor resourceUrl: %s", i, excerpt.Clip(string(raw), 120))
				}
			}
		})
	}
}

// sourceRow is one row of the table in SOURCES.md.
type sourceRow struct {
	file, repo, path, commit, licence, how string
}

// readSources returns the rows of SOURCES.md whose first cell is a file.
func readSources(t *testing.T) []sourceRow {
	t.Helper()
	data, err := os.ReadFile("SOURCES.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []sourceRow
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 6 {
			t.Errorf("SOURCES.md row has %d cells, want 6: %s", len(cells), line)
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, sourceRow{strings.Trim(cells[0], "`"), cells[1], cells[2], cells[3], cells[4], cells[5]})
	}
	return rows
}

func TestSourcesListsEveryFileOnce(t *testing.T) {
	var listed []string
	for _, r := range readSources(t) {
		listed = append(listed, r.file)
	}
	var files []string
	for name := range embedded(t) {
		files = append(files, name)
	}
	sort.Strings(listed)
	sort.Strings(files)
	if d := cmp.Diff(files, listed); d != "" {
		t.Errorf("SOURCES.md rows against embedded files (-files +rows):\n%s", d)
	}
}

func TestSourcesRowsNameAnOriginAndALicence(t *testing.T) {
	for _, r := range readSources(t) {
		for what, v := range map[string]string{"repository": r.repo, "path": r.path, "commit": r.commit, "licence": r.licence} {
			if v == "" {
				t.Errorf("%s: no %s", r.file, what)
			}
		}
		switch {
		case strings.HasPrefix(r.how, "copied (MIT)"):
			if !strings.Contains(r.licence, "MIT") {
				t.Errorf("%s is copied but its licence is %q", r.file, r.licence)
			}
		case strings.HasPrefix(r.how, "written from the facts of"):
		default:
			t.Errorf(`%s: how %q is neither "copied (MIT)..." nor "written from the facts of..."`, r.file, r.how)
		}
	}
}

func TestNoFileHoldsASecret(t *testing.T) {
	for name, data := range embedded(t) {
		s := string(data)
		for _, m := range secret.Find(s) {
			if m.Kind == secret.Entropy && isKey(s, m) {
				continue // a long camelCase key such as maxRecordDurationInSeconds
			}
			t.Errorf("%s: %s at %d: %s", name, m.Kind, m.Start, secret.Mask(s[m.Start:m.End]))
		}
		if i := strings.Index(s, "eyJ"); i >= 0 {
			t.Errorf("%s: base64 JSON (a token?) at %d: %s", name, i, secret.Mask(s[i:min(len(s), i+40)]))
		}
	}
}

// isKey reports whether m is the whole name of a JSON object member.
func isKey(s string, m secret.Match) bool {
	if m.Start == 0 || s[m.Start-1] != '"' || m.End >= len(s) || s[m.End] != '"' {
		return false
	}
	return strings.HasPrefix(strings.TrimLeft(s[m.End+1:], " \t\r\n"), ":")
}

func TestIsKey(t *testing.T) {
	s := `{"maxRecordDurationInSeconds": 10, "token": "maxRecordDurationInSeconds"}`
	const name = "maxRecordDurationInSeconds"
	var got []bool
	for i := strings.Index(s, name); i >= 0; {
		got = append(got, isKey(s, secret.Match{Kind: secret.Entropy, Start: i, End: i + len(name)}))
		j := strings.Index(s[i+1:], name)
		if j < 0 {
			break
		}
		i += 1 + j
	}
	if d := cmp.Diff([]bool{true, false}, got); d != "" {
		t.Errorf("isKey of each match (-want +got):\n%s", d)
	}
}

// guidRE finds ids written dashed or as 32 hex digits.
var guidRE = regexp.MustCompile(`\b(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{32})\b`)

// fakeMiddle is what every id of this data holds between its first 8 and
// last 12 hex digits: 0000-4000-8000, a version-4 GUID's fixed bits and
// nothing else, which no generated id has by chance.
const fakeMiddle = "000040008000"

func TestEveryIDIsAFakeOne(t *testing.T) {
	n := 0
	for name, data := range embedded(t) {
		for _, id := range guidRE.FindAllString(string(data), -1) {
			g, ok := guid.Parse(id)
			if !ok {
				t.Errorf("%s: %q looks like an id but does not parse", name, id)
				continue
			}
			n++
			if c := g.Compact(); c[8:20] != fakeMiddle && g != (guid.GUID{}) {
				t.Errorf("%s: id %s is not one of ours (want xxxxxxxx-0000-4000-8000-xxxxxxxxxxxx)", name, id)
			}
			if sourceIDs[idHash(g)] {
				t.Errorf("%s: id %s appears in a source", name, id)
			}
		}
	}
	if n == 0 {
		t.Fatal("no ids found: the pattern is broken")
	}
}

// idHash is how sourceIDs names an id: the first 16 hex digits of the
// SHA-256 of its 32 lower-case hex digits.
func idHash(g guid.GUID) string {
	sum := sha256.Sum256([]byte(g.Hex()))
	return hex.EncodeToString(sum[:8])
}

func TestIDHashMatchesTheListsForm(t *testing.T) {
	g, _ := guid.Parse("00000000-0000-0000-0000-000000000000")
	// sha256("000...0" x32)
	if got, want := idHash(g), "84e0c0eafaa95a34"; got != want {
		t.Errorf("idHash(nil GUID) = %s, want %s", got, want)
	}
}

// threadRE finds meeting chat thread ids, which hold a base64 GUID.
var threadRE = regexp.MustCompile(`19:meeting_([A-Za-z0-9+/=_-]+)@thread\.v2`)

func TestMeetingThreadIDsHoldFakeIDs(t *testing.T) {
	n := 0
	for name, data := range embedded(t) {
		for _, m := range threadRE.FindAllStringSubmatch(string(data), -1) {
			n++
			raw, err := base64.StdEncoding.DecodeString(m[1])
			if err != nil {
				t.Errorf("%s: thread %s is not base64: %v", name, m[0], err)
				continue
			}
			g, ok := guid.Parse(string(raw))
			if !ok || g.Compact()[8:20] != fakeMiddle {
				t.Errorf("%s: thread %s holds %q, not one of our ids", name, m[0], raw)
			}
		}
	}
	if n == 0 {
		t.Fatal("no meeting thread ids found: the pattern is broken")
	}
}

// phoneRE finds E.164 numbers.
var phoneRE = regexp.MustCompile(`\+[1-9][0-9]{6,14}\b`)

func TestEveryPhoneNumberIsFictional(t *testing.T) {
	for name, data := range embedded(t) {
		for _, p := range phoneRE.FindAllString(string(data), -1) {
			// +1 555 01xx is reserved for fiction; +12345678901 is the
			// documentation's placeholder.
			if !strings.HasPrefix(p, "+1555010") && p != "+12345678901" {
				t.Errorf("%s: phone number %s is not a fictional one", name, p)
			}
		}
	}
}

// urlRE finds absolute URLs in JSON strings.
var urlRE = regexp.MustCompile(`https?://[^\s"]+`)

// exampleHosts are the hosts this data may name: the Graph service, the
// documentation's fictional Contoso and file.location, and reserved names.
var exampleHosts = map[string]bool{
	"graph.microsoft.com": true,
	"bot.contoso.com":     true,
	"cdn.contoso.com":     true,
	"file.location":       true,
	"bot.example.com":     true,
	"cc.example.invalid":  true,
}

func TestEveryURLHostIsAnExample(t *testing.T) {
	for name, data := range embedded(t) {
		for _, raw := range urlRE.FindAllString(string(data), -1) {
			u, err := url.Parse(raw)
			if err != nil {
				t.Errorf("%s: %s: %v", name, secret.RedactURL(raw), err)
				continue
			}
			if !exampleHosts[u.Hostname()] {
				t.Errorf("%s: URL host %q is not an example host", name, u.Hostname())
			}
		}
	}
}
