package recorder

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/secret"
	"github.com/callconform/callconform/internal/secret/secrettest"
)

// scrub redacts text the way a recording does: a JSON body member by
// member, anything else (a path with its query, a header line, free text)
// as one string.
func scrub(r *redactor, text string, isJSON bool) (string, error) {
	if !isJSON {
		return r.text(text), nil
	}
	v, err := parseJSON([]byte(text))
	if err != nil {
		return "", err
	}
	newBuilder(r, "", "", "", nil).scrubBody(v, nil)
	return string(v.marshal()), nil
}

// TestRedactionLeavesNoSecret: thousands of secrets in the formats the
// services issue them (SAS signatures and tokens, refresh tokens, client
// secrets, JWTs, bearer tokens, API keys), in JSON bodies, queries, forms,
// header lines and free text: the default rules leave no part of any, and
// nothing replay lint would refuse.
func TestRedactionLeavesNoSecret(t *testing.T) {
	rules, err := compileRules(DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	missed := map[string]int{}
	var first []string
	for _, s := range secrettest.Generate(5, 5000) {
		out, err := scrub(newRedactor(rules), s.Text, s.Context == secrettest.JSONBody)
		if err != nil {
			t.Fatalf("%v: %v", s, err)
		}
		why := ""
		if leak := secrettest.Leak(out, s); leak != "" {
			why = fmt.Sprintf("kept %q", leak)
		} else if ms := secret.Find(out); len(ms) > 0 {
			why = fmt.Sprintf("left %q for lint to refuse", out[ms[0].Start:ms[0].End])
		}
		if why != "" {
			missed[s.Kind+" in "+s.Context+" ("+s.Form+")"]++
			if len(first) < 10 {
				first = append(first, fmt.Sprintf("%v: %s in %q", s, why, out))
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(missed)) {
		t.Errorf("%s: %d missed", k, missed[k])
	}
	for _, f := range first {
		t.Log(f)
	}
}

// TestRedactionKeepsIDs: ids, call paths, timestamps and @odata.type values
// outside the identity paths are recorded as they are; Teams thread ids get
// a pseudonym of the same shape (a meeting's stays 19:meeting_<base64 of a
// GUID>@thread.v2), raw or URL-encoded.
func TestRedactionKeepsIDs(t *testing.T) {
	rules, err := compileRules(DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrettest.Innocents(6, 2000) {
		isJSON := s[0] == '{'
		r := newRedactor(rules)
		out, err := scrub(r, s, isJSON)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		want := s
		if isJSON {
			v, _ := parseJSON([]byte(s))
			want = string(v.marshal())
		}
		if !threadIDPartRE.MatchString(s) {
			if out != want {
				t.Errorf("scrub(%q) = %q, want it kept", s, out)
			}
			continue
		}
		// A thread id the bot sent is a var of the fixture.
		for name, val := range r.values {
			out = strings.ReplaceAll(out, "{{"+name+"}}", val)
		}
		if out == want || threadShape(out) != threadShape(want) {
			t.Errorf("scrub(%q) = %q, want a thread id of the same shape, another id", s, out)
		}
	}
}

// threadIDPartRE finds the id part of a thread id, raw or URL-encoded.
var threadIDPartRE = regexp.MustCompile(`(19:|19%3[aA])(meeting_)?([^@%]+)(@|%40)`)

// threadShape writes the id parts of the thread ids in s by their shape:
// GUID, GUID_GUID, HEX32 or B64GUID (base64 of a GUID).
func threadShape(s string) string {
	return threadIDPartRE.ReplaceAllStringFunc(s, func(m string) string {
		g := threadIDPartRE.FindStringSubmatch(m)
		shape := "OTHER"
		a, b, two := strings.Cut(g[3], "_")
		switch _, ok := base64GUIDOf(g[3]); {
		case two && isGUID(a) && isGUID(b):
			shape = "GUID_GUID"
		case isGUID(g[3]) && len(g[3]) == 32:
			shape = "HEX32"
		case isGUID(g[3]):
			shape = "GUID"
		case ok:
			shape = "B64GUID"
		}
		return g[1] + g[2] + shape + g[4]
	})
}
