package simulator

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// typedWant is what identity must make of the identity set in: the same
// members, and an @odata.type on the set and on each object member where
// the sender left it out.
func typedWant(in map[string]any) map[string]any {
	want := make(map[string]any, len(in)+1)
	for k, v := range in {
		if m, ok := v.(map[string]any); ok && k != "@odata.type" {
			if _, typed := m["@odata.type"]; !typed {
				c := make(map[string]any, len(m)+1)
				for mk, mv := range m {
					c[mk] = mv
				}
				c["@odata.type"] = typeIdentity
				v = c
			}
		}
		want[k] = v
	}
	if _, ok := want["@odata.type"]; !ok {
		want["@odata.type"] = typeIdentitySet
	}
	return want
}

// FuzzTypedIdentity: under v1.0 any identity set a bot sends comes out as
// valid JSON with its members unchanged and the @odata.types added; under
// beta-2018 it comes out as sent.
func FuzzTypedIdentity(f *testing.F) {
	for _, seed := range []string{
		`{"user":{"id":"u","displayName":"Heidi"}}`,
		`{"@odata.type":"#x","application":{"@odata.type":"#y","id":"a"}}`,
		`{"applicationInstance":{"id":"i"},"phone":{"id":"+1"},"guest":null,"n":5}`,
		`{ "user" : { } , "a\"b" : {"\u0000":1}, "é<>&":{"x":[1,{"y":2}]} }`,
		`{}`, `[]`, `"x"`, `{"user":`,
		`{"user":{"\u0040odata.type":"#x","id":"u"}}`, `{"user":{"x":{"@odata.type":"#n"}}}`,
		`{"user":{ }}`, `{"user":{"id":"a\"@odata.type\"b"}}`, `{"user":{"id":"@odata.type"}}`,
	} {
		f.Add([]byte(seed))
	}
	v1 := &Simulator{prof: &profile{typedIdentities: true}}
	beta := &Simulator{prof: &profile{}}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if got := beta.identity(raw); string(got) != string(raw) {
			t.Fatalf("beta-2018 changed %q into %q", raw, got)
		}
		got := v1.identity(raw)
		var in map[string]any
		if json.Unmarshal(raw, &in) != nil || kindOf(raw) != '{' {
			if string(got) != string(raw) {
				t.Fatalf("changed what is not an object: %q into %q", raw, got)
			}
			return
		}
		var out map[string]any
		if err := json.Unmarshal(got, &out); err != nil {
			t.Fatalf("identity(%q) = %q, not a JSON object: %v", raw, got, err)
		}
		if diff := cmp.Diff(typedWant(in), out); diff != "" {
			t.Fatalf("identity(%q) (-want +got):\n%s", raw, diff)
		}
	})
}

// referenceBody is a notification body as json.Marshal writes the members
// each profile sends, in their order: what encodeOn must write.
func referenceBody(p *profile, changeType, resource, resourceURL string, data any) []byte {
	if !p.typedEnvelope {
		return mustMarshal(struct {
			Value [1]struct {
				ChangeType   string `json:"changeType"`
				Resource     string `json:"resource"`
				ResourceData any    `json:"resourceData"`
			} `json:"value"`
		}{[1]struct {
			ChangeType   string `json:"changeType"`
			Resource     string `json:"resource"`
			ResourceData any    `json:"resourceData"`
		}{{changeType, resource, data}}})
	}
	type item struct {
		OdataType    string `json:"@odata.type"`
		ChangeType   string `json:"changeType"`
		Resource     string `json:"resource,omitempty"`
		ResourceURL  string `json:"resourceUrl,omitempty"`
		ResourceData any    `json:"resourceData"`
	}
	return mustMarshal(struct {
		OdataType string  `json:"@odata.type"`
		Value     [1]item `json:"value"`
	}{typeCommsNotifications, [1]item{{typeCommsNotification, changeType, resource, resourceURL, data}}})
}

// FuzzEncodeOn: the body encodeOn writes by hand is, byte for byte, what
// json.Marshal writes, under every profile and resource switch, for any
// root, relative resource and resourceData (encoded, or a roster given
// already encoded).
func FuzzEncodeOn(f *testing.F) {
	f.Add("/app/calls", "/participants", "updated", `{"state":"established","x":"<&>"}`)
	f.Add("/applications/1234a46b-3d17-4adc-8dce-dc4e7d556789/calls", "/operations/ABC", "deleted", `[{"a":1},{"b":"\u00e9"}]`)
	f.Add("/communications/calls", "", "created", `null`)
	f.Add("/x\"y\\z\u0001", "/p<q>", "a&b", `"s"`)
	variants := map[string]func(p *profile){
		"as is":            func(*profile) {},
		"resourceUrl only": func(p *profile) { p.resourceKey = false },
		"resource only":    func(p *profile) { p.resourceURLKey, p.resourceKey = false, true },
	}
	id := guid.New()
	f.Fuzz(func(t *testing.T, root, rel, changeType, data string) {
		var v any
		if json.Unmarshal([]byte(data), &v) != nil {
			return
		}
		for _, name := range Profiles() {
			for variant, change := range variants {
				p := profiles[name]
				if !p.resourceURLKey && variant != "as is" {
					continue // New refuses the switches where items have no resourceUrl
				}
				change(&p)
				s := &Simulator{prof: &p}
				res := "/" + s.noteID(id) + rel
				legacy, url := root+res, ""
				if p.typedEnvelope {
					legacy, url = "", root+res
					if p.resourceKey {
						legacy = cmpOr(p.legacyRoot, root) + res
					}
					if !p.resourceURLKey {
						url = ""
					}
				}
				want := referenceBody(&p, changeType, legacy, url, v)
				if got := s.encodeOn(changeType, root, id, rel, v); string(got) != string(want) {
					t.Fatalf("%s %s: encodeOn wrote\n%s\njson.Marshal writes\n%s", name, variant, got, want)
				}
				raw := json.RawMessage(mustMarshal(v))
				if got := s.encodeOn(changeType, root, id, rel, raw); string(got) != string(want) {
					t.Fatalf("%s %s, data already encoded: encodeOn wrote\n%s\njson.Marshal writes\n%s", name, variant, got, want)
				}
			}
		}
	})
}

// FuzzPlainMembers: when plainMembers reads the members of a JSON object
// without a decoder, it reads what a decoder reads (decodedMembers): the
// same names and, byte for byte, the same values.
func FuzzPlainMembers(f *testing.F) {
	for _, seed := range []string{
		`{"user":{"id":"u","displayName":"Heidi"}}`, `{}`, `{ }`, ` { "a" : 1 , "b":[ 2 , "x" ] } `,
		`{"a":1,"a":2}`, `{"a\"b":{}}`, `{"é":"\u00e9","n":null,"t":true,"f":-1.5e3}`, `{"\u0061":1}`,
		"{\"\xff\":1}", `{"a":{"b":{"c":"}"}},"d":"\\"}`,
	} {
		f.Add([]byte(seed))
	}
	byName := func(a, b rawMember) int { return strings.Compare(a.name, b.name) }
	f.Fuzz(func(t *testing.T, raw []byte) {
		if kindOf(raw) != '{' || !json.Valid(raw) {
			return
		}
		raw = bytes.TrimSpace(raw)
		got, ok := plainMembers(raw)
		if !ok {
			return
		}
		want := decodedMembers(raw)
		slices.SortFunc(got, byName)
		slices.SortFunc(want, byName)
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(rawMember{}), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("plainMembers(%q) (-decoded +got):\n%s", raw, diff)
		}
	})
}
