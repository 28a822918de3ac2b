package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/faketarget"
)

// rawControl returns the first control byte (other than newline and tab)
// in s, and whether there is one.
func rawControl(s string) (byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
			return c, true
		}
	}
	return 0, false
}

// TestConsoleEscapesControlCharacters: a target answering ESC sequences and
// NUL, and a fixture whose title and file name hold ESC, reach the console
// escaped in replay run (text and verbose) and lint: no raw control byte.
func TestConsoleEscapesControlCharacters(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{Status: 400, Body: "\x1b[2J\x00"})
	defer srv.Close()
	dir := t.TempDir()
	fx := filepath.Join(dir, "evil\x1b\x07.yaml") // no [: the name is not a glob
	// The title holds ESC and BEL; the vars hold a JWT, for lint to print
	// the file's name.
	src := strings.Replace(faketarget.FlowFixture, "title: Invite on the fake target",
		"title: \"Invite \\e[2J\\e]0;pwned\\a on the fake target\"\nvars: {leak: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJsZWFrIn0.c2lnbmF0dXJlLXZhbHVl}", 1)
	if err := os.WriteFile(fx, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	const title, answer = `Invite \x1b[2J\x1b]0;pwned\x07 on the fake target`, `answer: 400 \x1b[2J\x00`
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"run", "--target", srv.URL, fx}, []string{title, answer}},
		{[]string{"run", "-v", "--target", srv.URL, fx}, []string{title, answer}},
		{[]string{"lint", fx}, []string{`evil\x1b\x07.yaml:3: a JWT`}},
		{[]string{"lint", filepath.Join(dir, "missing\x1b\x00.yaml")}, []string{`missing\x1b\x00.yaml`}},
	}
	for _, tt := range tests {
		_, out, errOut := replay(t, tt.args...)
		if c, ok := rawControl(out + errOut); ok {
			t.Errorf("%q printed a raw control byte %#x:\n%q", tt.args, c, out+errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(out+errOut, w) {
				t.Errorf("%q: the output lacks %q:\n%s%s", tt.args, w, out, errOut)
			}
		}
	}
}

func TestConsoleWriter(t *testing.T) {
	var b strings.Builder
	w := &consoleWriter{w: &b}
	n, err := w.Write([]byte("GET /app/calls/\x1b[2J\x00 → 404\n"))
	if err != nil || n != len("GET /app/calls/\x1b[2J\x00 → 404\n") {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got, want := b.String(), "GET /app/calls/\\x1b[2J\\x00 → 404\n"; got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
}

// TestServeEscapesWhatTheBotSends: a request body with ESC and NUL that
// matches no step is reported escaped.
func TestServeEscapesWhatTheBotSends(t *testing.T) {
	s := startServe(t, "--speed", "0", joinCall)
	resp, err := http.Post(s.url+"/app/calls/nowhere", "application/json", strings.NewReader("\x1b[2J\x00{"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s.waitFor(t, regexp.MustCompile(`(unmatched: POST /app/calls/nowhere)`))
	if code := s.stop(t); code != exitFailed {
		t.Errorf("exit %d, want 1", code)
	}
	all := s.out.String() + s.errOut.String()
	if c, ok := rawControl(all); ok {
		t.Errorf("raw control byte %#x in:\n%q", c, all)
	}
	if !strings.Contains(all, `\x1b[2J\x00{`) {
		t.Errorf("the body is not reported, escaped:\n%s", all)
	}
}
