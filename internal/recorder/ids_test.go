package recorder

import "testing"

func TestLooksID(t *testing.T) {
	for s, want := range map[string]bool{
		"57dab8b1-894c-409a-b240-bd8beae78896": true,
		"57DAB8B1894C409AB240BD8BEAE78896":     true,
		"491f0b00-ffff-4bc9-b2b7-e4a1c5d6e7f8": true,
		"op_7f3a9c2e1b4d5a6f":                  true,
		"participants":                         false,
		"invitationParticipantInfo":            false,
		"1234":                                 false,
	} {
		if got := looksID(s); got != want {
			t.Errorf("looksID(%q) = %v", s, got)
		}
	}
}

func TestCaptureRegex(t *testing.T) {
	segs := splitPath("/app/calls/57DAB8B1894C409AB240BD8BEAE78896/operations/0b9e3c57-1a3f-4c11-9d0e-5f2b6f8a9c10?x=1")
	if got := captureRegex(segs, 2); got != `/calls/([^/]+)/operations/[^/]+$` {
		t.Errorf("call: %s", got)
	}
	if got := captureRegex(segs, 4); got != `/operations/([^/]+)$` {
		t.Errorf("operation: %s", got)
	}
}

func TestResourceParts(t *testing.T) {
	const res = "/applications/1234a46b-3d17-4adc-8dce-dc4e7d556789/calls/57DAB8B1894C409AB240BD8BEAE78896"
	if got := callOf(res + "/participants"); got != "57dab8b1894c409ab240bd8beae78896" {
		t.Errorf("callOf = %q", got)
	}
	if !isRoster(res+"/participants") || !isRoster(res+"/participants/AB12") || isRoster(res) || isRoster("/participants") {
		t.Error("isRoster")
	}
	if got := opOf(res + "/operations/0B9E3C571A3F4C119D0E5F2B6F8A9C10"); got != "0b9e3c571a3f4c119d0e5f2b6f8a9c10" {
		t.Errorf("opOf = %q", got)
	}
	if opOf(res) != "" {
		t.Error("opOf of a call")
	}
}
