package recorder

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzParseJSON: parseJSON accepts exactly what encoding/json accepts,
// and what it reads marshals to the same value.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"z":1,"a":[true,null,"x<y&z",{"m":-1.5e3,"b":{}}],"k":"é\n\"q\""}`, `[1,]`, `{"a":`, `"\ud83d\ude00"`,
		`-0.0e+1`, `01`, "\"\xff\"", `{"a":1,"a":2}`, ` [ ] `, `nul`, `"\u0000"`, "\"\t\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseJSON(data)
		if valid := json.Valid(data); (err == nil) != valid {
			t.Fatalf("parseJSON error %v, json.Valid %v, on %q", err, valid, data)
		}
		if err != nil {
			return
		}
		var want, got any
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		out := v.marshal()
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("marshal gave invalid JSON %q: %v", out, err)
		}
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(got)
		if !bytes.Equal(wb, gb) {
			t.Fatalf("read %q as %s, want %s", data, gb, wb)
		}
	})
}
