package secret

import "testing"

func TestRedactURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://bot.example.net/callback", "https://bot.example.net/callback"},
		{"https://user:pa55@bot.example.net/cb?sig=abc%2Bdef%3D&sv=2020#frag", "https://bot.example.net/cb"},
		{"http://127.0.0.1:8443/callbacks/12?token=0.AAAA", "http://127.0.0.1:8443/callbacks/12"},
		{"/app/calls/1?x=1", "/app/calls/1"},
		{"https://a.example/x?", "https://a.example/x"},
		{"http://[::1", "(invalid URL)"},
	} {
		if got := RedactURL(c.in); got != c.want {
			t.Errorf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
