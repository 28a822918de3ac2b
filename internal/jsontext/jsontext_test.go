package jsontext

import (
	"encoding/json"
	"testing"
)

// FuzzAppendString: a string is quoted as json.Marshal quotes it, after
// what the buffer already holds.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a", `"\`, "<b> & c", "\x00\x1f\b\f\n\r\t\x7f", "é\u2028\u2029\u2027", "\xff\xfe", "a\xc3", "\xe2\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendString([]byte("x,"), s); string(got) != "x,"+string(want) {
			t.Errorf("AppendString(%q) = %s; json.Marshal writes %s", s, got[2:], want)
		}
	})
}
