package simulator

import "testing"

func TestParseCallRef(t *testing.T) {
	want := mustID(t, "57DAB8B1894C409AB240BD8BEAE78896")
	for _, s := range []string{
		"57DAB8B1894C409AB240BD8BEAE78896",
		"57dab8b1-894c-409a-b240-bd8beae78896",
		"/app/calls/57DAB8B1894C409AB240BD8BEAE78896",
		"/communications/calls/57dab8b1-894c-409a-b240-bd8beae78896",
		"/applications/1234a46b-3d17-4adc-8dce-dc4e7d556789/calls/57DAB8B1894C409AB240BD8BEAE78896",
	} {
		if got, ok := parseCallRef(s); !ok || got != want {
			t.Errorf("parseCallRef(%q) = %v, %v", s, got, ok)
		}
	}
	for _, s := range []string{
		"replacesCallId-value", "/app/calls/", "/app/calls/xyz", "app/calls/57DAB8B1894C409AB240BD8BEAE78896",
		"/app/chats/57DAB8B1894C409AB240BD8BEAE78896", "/app/calls/57DAB8B1894C409AB240BD8BEAE78896/participants",
	} {
		if _, ok := parseCallRef(s); ok {
			t.Errorf("parseCallRef(%q) accepted", s)
		}
	}
}
