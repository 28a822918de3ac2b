package simulator

import "testing"

func TestParseIDForms(t *testing.T) {
	want := id{0x57, 0xda, 0xb8, 0xb1, 0x89, 0x4c, 0x40, 0x9a, 0xb2, 0x40, 0xbd, 0x8b, 0xea, 0xe7, 0x88, 0x96}
	for _, s := range []string{
		"57dab8b1-894c-409a-b240-bd8beae78896",
		"57DAB8B1-894C-409A-B240-BD8BEAE78896",
		"57DAB8B1894C409AB240BD8BEAE78896",
		"57dab8b1894c409ab240bd8beae78896",
	} {
		got, ok := parseID(s)
		if !ok || got != want {
			t.Errorf("parseID(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	if got := want.dashed(); got != "57dab8b1-894c-409a-b240-bd8beae78896" {
		t.Errorf("dashed = %q", got)
	}
	if got := want.compact(); got != "57DAB8B1894C409AB240BD8BEAE78896" {
		t.Errorf("compact = %q", got)
	}
}

func TestParseIDRejects(t *testing.T) {
	for _, s := range []string{
		"", "57dab8b1", "57dab8b1-894c-409a-b240-bd8beae7889", "57dab8b1894c-409a-b240-bd8beae78896x",
		"57dab8b1-894c409a-b240-bd8beae788966", "g7dab8b1-894c-409a-b240-bd8beae78896",
		"{57dab8b1-894c-409a-b240-bd8beae78896}",
	} {
		if _, ok := parseID(s); ok {
			t.Errorf("parseID(%q) accepted", s)
		}
	}
}

func TestNewIDIsRandomV4(t *testing.T) {
	a, b := newID(), newID()
	if a == b {
		t.Fatal("two ids are equal")
	}
	if a[6]>>4 != 4 || a[8]>>6 != 2 {
		t.Errorf("%s is not a version 4 GUID", a.dashed())
	}
	if back, ok := parseID(a.dashed()); !ok || back != a {
		t.Errorf("dashed form does not parse back")
	}
}

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
			t.Errorf("parseCallRef(%q) = %v, %v", s, got.dashed(), ok)
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
