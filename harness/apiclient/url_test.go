package apiclient

import "testing"

func TestJoinURL(t *testing.T) {
	cases := []struct {
		base, path, want string
	}{
		{"http://127.0.0.1:8480", "/app/calls", "http://127.0.0.1:8480/app/calls"},
		{"http://127.0.0.1:8480", "app/calls", "http://127.0.0.1:8480/app/calls"},
		{"http://127.0.0.1:8480/", "/app/calls", "http://127.0.0.1:8480/app/calls"},
		{"https://graph.microsoft.com/beta", "/app/calls", "https://graph.microsoft.com/beta/app/calls"},
		{"https://graph.microsoft.com/beta/", "/app/calls", "https://graph.microsoft.com/beta/app/calls"},
		{"https://graph.microsoft.com/beta//", "//app/calls", "https://graph.microsoft.com/beta/app/calls"},
		{"https://graph.microsoft.com/v1.0", "communications/calls/abc/participants/invite", "https://graph.microsoft.com/v1.0/communications/calls/abc/participants/invite"},
		{"https://graph.microsoft.com/beta", "/app/calls?$top=1", "https://graph.microsoft.com/beta/app/calls?$top=1"},
		{"https://graph.microsoft.com/beta", "?$top=1", "https://graph.microsoft.com/beta?$top=1"},
		{"https://graph.microsoft.com/beta", "", "https://graph.microsoft.com/beta"},
		{"https://graph.microsoft.com/beta", "/", "https://graph.microsoft.com/beta"},
		{"https://graph.microsoft.com/beta", "/app/calls/", "https://graph.microsoft.com/beta/app/calls/"},
		{"https://graph.microsoft.com/beta", "https://other.example/app/calls", "https://other.example/app/calls"},
		{"https://graph.microsoft.com/beta", "HTTP://other.example:81/x", "HTTP://other.example:81/x"},
	}
	for _, c := range cases {
		base, err := parseBase(c.base)
		if err != nil {
			t.Errorf("parseBase(%q): %v", c.base, err)
			continue
		}
		got, err := joinURL(base, c.path)
		if err != nil || got != c.want {
			t.Errorf("join(%q, %q) = %q, %v; want %q", c.base, c.path, got, err, c.want)
		}
	}
}

func TestJoinURLRefusesUnparseablePaths(t *testing.T) {
	for _, p := range []string{"/app/calls\x7f", "/a%zz", "http:///nohost"} {
		if got, err := joinURL("http://127.0.0.1:8480", p); err == nil {
			t.Errorf("joinURL(%q) = %q, want an error", p, got)
		}
	}
}

func TestParseBaseRefuses(t *testing.T) {
	for _, b := range []string{"127.0.0.1:8480", "ftp://host/", "http://", "http://host/?a=1", "http://host/#f", "http://u:p@host/", "://x"} {
		if got, err := parseBase(b); err == nil {
			t.Errorf("parseBase(%q) = %q, want an error", b, got)
		}
	}
}
