package recorder

import "testing"

func TestJSONValueKeepsOrder(t *testing.T) {
	const in = `{"z":1,"a":[true,null,"x<y&z",{"m":-1.5e3,"b":{}}],"k":"é\n\"q\""}`
	v, err := parseJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(v.marshal()); got != in {
		t.Errorf("marshal = %s\nwant      %s", got, in)
	}
	if s, ok := v.str("k"); !ok || s != "é\n\"q\"" {
		t.Errorf("str(k) = %q %v", s, ok)
	}
	for _, bad := range []string{`{"a":1} {}`, `{"a":`, `[1,]`} {
		if _, err := parseJSON([]byte(bad)); err == nil {
			t.Errorf("parseJSON(%s): no error", bad)
		}
	}
}
