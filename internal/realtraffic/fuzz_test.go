package realtraffic

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzItems checks that Items never panics, and that what it accepts is a
// body whose items are JSON values.
func FuzzItems(f *testing.F) {
	for _, s := range Notifications()[:4] {
		f.Add(s.Body)
	}
	for _, seed := range []string{``, `{}`, `{"value":null}`, `{"value":[]}`, `{"value":[1,"x",null]}`, `[{"value":[]}]`, `{"value":[`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := Sample{Source: "f", Scenario: "z", Name: "01-z", Body: body}.Items()
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		for i, it := range items {
			if !json.Valid(it) {
				t.Fatalf("item %d is not JSON: %q", i, it)
			}
		}
	})
}

// FuzzParseAnswer checks that parseAnswer never panics, and that what it
// accepts has a method, a URL and an HTTP status.
func FuzzParseAnswer(f *testing.F) {
	for _, p := range jsonFiles() {
		if len(p) > len(root+"/"+answers) && p[:len(root+"/"+answers)] == root+"/"+answers {
			f.Add(mustRead(p))
			break
		}
	}
	for _, seed := range []string{``, `{}`, `{"request":{"method":"GET","url":"/x"},"response":{"status":200}}`,
		`{"request":{"method":"GET","url":"/x"},"response":{"status":99}}`, `null`, `{"request":null,"response":null}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := parseAnswer(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if a.Request.Method == "" || a.Request.URL == "" || a.Response.Status < 100 || a.Response.Status > 599 {
			t.Fatalf("accepted %+v", a)
		}
	})
}
