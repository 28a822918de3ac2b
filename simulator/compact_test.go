package simulator

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzCompact: compact returns what json.Compact writes of a valid value,
// and an invalid one as it is, whether or not it skips json.Compact.
func FuzzCompact(f *testing.F) {
	for _, seed := range []string{`{"a":1}`, ` { "a" : [ 1 , 2 ] } `, `{"s":"a b\t\"c\\"}`, `"x"`, `{"a":"\\"} `,
		"{\"a\":\n1}", `{"a":1`, `{"a" 1}`, `[]`, `"unterminated`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		want := v
		var b bytes.Buffer
		if json.Compact(&b, v) == nil {
			want = b.Bytes()
		}
		if got := compact(v); !bytes.Equal(got, want) {
			t.Fatalf("compact(%q) = %q; json.Compact gives %q", v, got, want)
		}
	})
}
