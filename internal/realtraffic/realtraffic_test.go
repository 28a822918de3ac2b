package realtraffic

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/internal/excerpt"
)

func TestNotificationsAreSortedBySourceScenarioName(t *testing.T) {
	all := Notifications()
	if len(all) == 0 {
		t.Fatal("Notifications() is empty")
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.Source < b.Source || a.Source == b.Source && (a.Scenario < b.Scenario ||
			a.Scenario == b.Scenario && a.Name < b.Name) {
			continue
		}
		t.Errorf("Notifications()[%d] %s does not sort before [%d] %s", i-1, a.Path(), i, b.Path())
	}
}

func TestNotificationsSkipAnswers(t *testing.T) {
	for _, s := range Notifications() {
		if s.Source == answers {
			t.Errorf("answer file %s returned as a notification", s.Path())
		}
	}
}

func TestNotificationsReturnFreshCopies(t *testing.T) {
	first := Notifications()
	want := string(first[0].Body)
	first[0].Body[0] = 'X'
	if got := string(Notifications()[0].Body); got != want {
		t.Errorf("changing a returned body changed the next call's: got %q", excerpt.Clip(got, 40))
	}
}

func TestScenarioNamesNumberArrivalOrder(t *testing.T) {
	byScenario := map[string][]Sample{}
	for _, s := range Notifications() {
		k := s.Source + "/" + s.Scenario
		byScenario[k] = append(byScenario[k], s)
	}
	for k, ss := range byScenario {
		t.Run(k, func(t *testing.T) {
			for i, s := range ss {
				if want := fmt.Sprintf("%02d-", i+1); !strings.HasPrefix(s.Name, want) || len(s.Name) == len(want) {
					t.Errorf("sample %d is %q: want a name %q followed by what it is", i, s.Name, want+"...")
				}
			}
		})
	}
}

func TestScenarioReturnsOneFlowInArrivalOrder(t *testing.T) {
	var names []string
	for _, s := range Scenario("graph-calling-bots", "p2p-outgoing") {
		if s.Source != "graph-calling-bots" || s.Scenario != "p2p-outgoing" {
			t.Errorf("Scenario returned %s", s.Path())
		}
		names = append(names, s.Name)
	}
	want := []string{
		"01-establishing", "02-established", "03-established-media-active",
		"04-tone", "05-play-prompt-completed", "06-deleted-terminated",
	}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("Scenario(graph-calling-bots, p2p-outgoing) names (-want +got):\n%s", d)
	}
}

func TestScenarioUnknownIsEmpty(t *testing.T) {
	for _, c := range [][2]string{{"graph-calling-bots", "no-such"}, {"no-such", "p2p-outgoing"}, {answers, "graph-docs-v1.0"}} {
		if got := Scenario(c[0], c[1]); len(got) != 0 {
			t.Errorf("Scenario(%q, %q) = %d samples, want none", c[0], c[1], len(got))
		}
	}
}

func TestItemsReturnsValueInOrder(t *testing.T) {
	s := Sample{Source: "s", Scenario: "c", Name: "01-x", Body: []byte(`{"value":[{"n":1},{"n":2}],"other":3}`)}
	items, err := s.Items()
	if err != nil {
		t.Fatalf("Items: %v", err)
	}
	var got []string
	for _, it := range items {
		got = append(got, string(it))
	}
	if d := cmp.Diff([]string{`{"n":1}`, `{"n":2}`}, got); d != "" {
		t.Errorf("Items (-want +got):\n%s", d)
	}
}

func TestItemsRefusesWhatIsNotANotificationsBody(t *testing.T) {
	for name, body := range map[string]string{
		"not json":       `{"value":[`,
		"an array":       `[{"changeType":"updated"}]`,
		"no value":       `{"@odata.type":"#microsoft.graph.commsNotifications"}`,
		"value object":   `{"value":{"changeType":"updated"}}`,
		"value null":     `{"value":null}`,
		"value a string": `{"value":"x"}`,
		"empty":          ``,
	} {
		t.Run(name, func(t *testing.T) {
			s := Sample{Source: "s", Scenario: "c", Name: "01-bad", Body: []byte(body)}
			_, err := s.Items()
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Items(%q) error = %v, want one wrapping ErrMalformed", body, err)
			}
			if !strings.Contains(err.Error(), "s/c/01-bad.json") {
				t.Errorf("error %q does not name the sample", err)
			}
		})
	}
}

func TestAnswersReadEveryFile(t *testing.T) {
	all, err := Answers()
	if err != nil {
		t.Fatalf("Answers: %v", err)
	}
	var names []string
	for _, a := range all {
		names = append(names, a.Source+"/"+a.Name)
	}
	var want []string
	for _, p := range jsonFiles() {
		if rest, ok := strings.CutPrefix(p, root+"/"+answers+"/"); ok {
			want = append(want, strings.TrimSuffix(rest, ".json"))
		}
	}
	if len(want) == 0 {
		t.Fatal("no answer files embedded")
	}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("Answers() (-files +returned):\n%s", d)
	}
}

func TestAnswersCarryTheDocumentedFacts(t *testing.T) {
	all, err := Answers()
	if err != nil {
		t.Fatalf("Answers: %v", err)
	}
	byName := map[string]Answer{}
	for _, a := range all {
		byName[a.Name] = a
	}
	create, ok := byName["create-call"]
	if !ok {
		t.Fatal("no create-call answer")
	}
	if create.Request.Method != "POST" || create.Response.Status != 201 {
		t.Errorf("create-call: %s -> %d, want POST -> 201", create.Request.Method, create.Response.Status)
	}
	var body struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	if err := json.Unmarshal(create.Response.Body, &body); err != nil {
		t.Fatalf("create-call body: %v", err)
	}
	if loc := create.Response.Headers["Location"]; body.ID == "" || !strings.HasSuffix(loc, "/communications/calls/"+body.ID) {
		t.Errorf("create-call Location %q does not name the created call %q", loc, body.ID)
	}
	if body.State != "establishing" {
		t.Errorf("create-call state = %q, want establishing", body.State)
	}
	for name, status := range map[string]int{"answer": 202, "reject": 202, "redirect": 202, "transfer": 202, "delete-call": 204} {
		a, ok := byName[name]
		if !ok {
			t.Errorf("no %s answer", name)
			continue
		}
		if a.Response.Status != status || a.Response.Body != nil {
			t.Errorf("%s answers %d with body %s, want %d without a body", name, a.Response.Status, a.Response.Body, status)
		}
	}
}

func TestParseAnswer(t *testing.T) {
	got, err := parseAnswer([]byte(`{"request":{"method":"POST","url":"/communications/calls","body":{"a":1}},
		"response":{"status":201,"headers":{"Location":"https://x/communications/calls/1"}}}`))
	if err != nil {
		t.Fatalf("parseAnswer: %v", err)
	}
	want := Answer{
		Request:  Request{Method: "POST", URL: "/communications/calls", Body: json.RawMessage(`{"a":1}`)},
		Response: Response{Status: 201, Headers: map[string]string{"Location": "https://x/communications/calls/1"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("parseAnswer (-want +got):\n%s", d)
	}
}

func TestParseAnswerRefusesBadFiles(t *testing.T) {
	for name, data := range map[string]string{
		"not json":         `{"request":`,
		"no request":       `{"response":{"status":200}}`,
		"no response":      `{"request":{"method":"GET","url":"/x"}}`,
		"no method":        `{"request":{"url":"/x"},"response":{"status":200}}`,
		"no url":           `{"request":{"method":"GET"},"response":{"status":200}}`,
		"no status":        `{"request":{"method":"GET","url":"/x"},"response":{}}`,
		"status too big":   `{"request":{"method":"GET","url":"/x"},"response":{"status":600}}`,
		"unknown field":    `{"request":{"method":"GET","url":"/x"},"response":{"status":200},"note":1}`,
		"status a string":  `{"request":{"method":"GET","url":"/x"},"response":{"status":"200"}}`,
		"two objects":      `{"request":{"method":"GET","url":"/x"},"response":{"status":200}} {}`,
		"headers not text": `{"request":{"method":"GET","url":"/x"},"response":{"status":200,"headers":{"A":1}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseAnswer([]byte(data)); !errors.Is(err, ErrMalformed) {
				t.Errorf("parseAnswer(%s) error = %v, want one wrapping ErrMalformed", data, err)
			}
		})
	}
}
