package coverage

import (
	"encoding/json"
	"testing"

	"github.com/callconform/callconform/harness/fixture"
)

// FuzzFit: no path, resource matcher or state matcher a fixture can hold
// makes the fitting panic.
func FuzzFit(f *testing.F) {
	f.Add("POST /communications/calls/{{callId}}/participants/invite?x=1", `"~/calls/{{c}}/operations/[^/]+$"`, `"~(?i)^established$"`)
	f.Add("GET https://graph.microsoft.com/v1.0/communications/calls/57DAB8B1894C409AB240BD8BEAE78896", `{"$oneOf": [{"$sameId": "/app/calls/{{x}}"}, "~^x"]}`, `{"$oneOf": ["a", 1]}`)
	f.Add("DELETE //%zz/{{", `{"$sameId": 1}`, `"~("`)
	f.Add("", `{"$oneOf": 3}`, `{`)
	cat, err := Builtin()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, send, resource, state string) {
		p := fixture.Pattern{ChangeType: "updated", Resource: json.RawMessage(resource), Where: map[string]json.RawMessage{"resourceData.state": json.RawMessage(state)}}
		x := expander{"v": send}
		for _, prof := range cat.Profiles {
			bestOperation(prof.Operations, send, x)
			for _, k := range prof.Notifications {
				fitKind(p, k, x)
			}
		}
	})
}
