package interop

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompare(t *testing.T) {
	for name, tc := range map[string]struct {
		want, got string
		lost      []string // paths
	}{
		"equal":                      {`{"a":1,"b":"x","c":true}`, `{"c":true,"b":"x","a":1}`, nil},
		"number written another way": {`{"code":200}`, `{"code":2.00e2}`, nil},
		"same instant":               {`{"t":"2018-09-06T15:42:20.4567456Z"}`, `{"t":"2018-09-06T17:42:20.4567456+02:00"}`, nil},
		"null is absent":             {`{"a":null,"b":{"c":null}}`, `{"b":{}}`, nil},
		"extra members are not lost": {`{"a":1}`, `{"a":1,"@odata.type":"#x"}`, nil},
		"dropped":                    {`{"a":1,"b":2}`, `{"a":1}`, []string{"d.b"}},
		"changed string":             {`{"s":"Established"}`, `{"s":"established"}`, []string{"d.s"}},
		"changed number":             {`{"n":200}`, `{"n":201}`, []string{"d.n"}},
		"number became a string":     {`{"n":200}`, `{"n":"200"}`, []string{"d.n"}},
		"changed bool":               {`{"b":false}`, `{"b":true}`, []string{"d.b"}},
		"different instants":         {`{"t":"2018-09-06T15:42:20Z"}`, `{"t":"2018-09-06T15:42:21Z"}`, []string{"d.t"}},
		"object became a string":     {`{"o":{"x":1}}`, `{"o":"x"}`, []string{"d.o"}},
		"shorter array":              {`{"a":[1,2]}`, `{"a":[1]}`, []string{"d.a"}},
		"array item changed":         {`{"a":[{"x":1},{"x":2}]}`, `{"a":[{"x":1},{"x":3}]}`, []string{"d.a[1].x"}},
		"nested member dropped":      {`{"o":{"p":{"q":1,"r":2}}}`, `{"o":{"p":{"q":1}}}`, []string{"d.o.p.r"}},
	} {
		t.Run(name, func(t *testing.T) {
			w, err := decodeAny([]byte(tc.want))
			if err != nil {
				t.Fatal(err)
			}
			g, err := decodeAny([]byte(tc.got))
			if err != nil {
				t.Fatal(err)
			}
			var lost []string
			compare("d", w, g, func(p string, _, _ any) { lost = append(lost, p) })
			if diff := cmp.Diff(tc.lost, lost); diff != "" {
				t.Errorf("lost (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLossErrorClipsLongValues(t *testing.T) {
	long := `{"@odata.type":"#microsoft.graph.call","state":"x","meetingInfo":{"@odata.type":"#microsoft.graph.tokenMeetingInfo","token":"` +
		repeat("a", 500) + `"}}`
	e := &LossError{Want: clipJSON(mustDecode(t, long))}
	if len(e.Want) > maxExcerpt+8 {
		t.Errorf("Want is %d bytes, want about %d at most", len(e.Want), maxExcerpt)
	}
}

func repeat(s string, n int) string {
	b := make([]byte, 0, len(s)*n)
	for range n {
		b = append(b, s...)
	}
	return string(b)
}

func mustDecode(t *testing.T, s string) any {
	t.Helper()
	v, err := decodeAny([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
