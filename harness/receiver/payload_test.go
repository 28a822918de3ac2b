package receiver

import (
	"strings"
	"testing"
)

func TestParseNotifications(t *testing.T) {
	cases := []struct {
		body string
		want []string // nil: an error
	}{
		{`{"value": []}`, []string{}},
		{`{"value": [{"a":1}, {"b":[2]}]}`, []string{`{"a":1}`, `{"b":[2]}`}},
		{"\n {\"@odata.type\": \"x\", \"value\": [ 1 , \"s\" , null ]} \n", []string{`1`, `"s"`, `null`}},
		{`{"value": [{"a":1}], "value2": 3}`, []string{`{"a":1}`}},
		{``, nil},
		{`   `, nil},
		{`{"value": [}`, nil},
		{`{"value": []} trailing`, nil},
		{`[]`, nil},
		{`42`, nil},
		{`null`, nil},
		{`{}`, nil},
		{`{"VALUE": []}`, nil},
		{`{"value": "[]"}`, nil},
		{`{"value": null}`, nil},
		{`{"value": {}}`, nil},
	}
	for _, c := range cases {
		got, err := parseNotifications([]byte(c.body))
		if c.want == nil {
			if err == nil {
				t.Errorf("parseNotifications(%q) = %q, want an error", c.body, got)
			} else if err.Error() == "" || strings.ToLower(err.Error()[:1]) != err.Error()[:1] {
				t.Errorf("parseNotifications(%q) error %q: want a lower-case reason", c.body, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseNotifications(%q): %v", c.body, err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("parseNotifications(%q) = %q, want %q", c.body, got, c.want)
			continue
		}
		for i := range got {
			if string(got[i]) != c.want[i] {
				t.Errorf("parseNotifications(%q)[%d] = %s, want %s", c.body, i, got[i], c.want[i])
			}
		}
	}
}
