package interop

import (
	"testing"

	"github.com/callconform/callconform/internal/realtraffic"
)

// FuzzParse: any body gives notifications or an error, never a panic or a
// hang, and a notification holds at most one kind of resourceData.
func FuzzParse(f *testing.F) {
	for _, s := range realtraffic.Notifications() {
		f.Add(s.Body)
	}
	for _, b := range []string{
		``, `null`, `{}`, `{"value":[]}`, `{"value":[{}]}`, `{"value":[{"changeType":"updated","resourceData":[]}]}`,
		`{"value":[{"changeType":"deleted","resourceUrl":"/communications/calls/c/operations/o","resourceData":{"status":"completed"}}]}`,
		`{"value":[{"changeType":"updated","resourceUrl":"/communications/calls/c","resourceData":{"@odata.type":"#microsoft.graph.call","resultInfo":{"code":1e40}}}]}`,
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ns, err := Parse(b)
		if err == nil && ns == nil {
			t.Fatal("no error and no notifications")
		}
		for i, n := range ns {
			kinds := 0
			for _, set := range []bool{n.Call != nil, n.Operation != nil, n.Participants != nil, n.Sessions != nil} {
				if set {
					kinds++
				}
			}
			if kinds > 1 {
				t.Errorf("value[%d] holds %d kinds of resourceData", i, kinds)
			}
			if n.Objects() < 0 {
				t.Errorf("value[%d]: %d objects", i, n.Objects())
			}
		}
		_, _ = Tolerate(err)
	})
}
