package excerpt

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClipKeepsUTF8(t *testing.T) {
	s := strings.Repeat("é", 10) // 20 bytes
	for n := 0; n <= 21; n++ {
		got := Clip(s, n)
		if !utf8.ValidString(got) {
			t.Fatalf("Clip(%q, %d) = %q: not UTF-8", s, n, got)
		}
		if n >= 20 && got != s {
			t.Errorf("Clip(_, %d) = %q, want the text unchanged", n, got)
		}
		if n < 20 && (!strings.HasSuffix(got, Ellipsis) || len(got)-len(Ellipsis) > n) {
			t.Errorf("Clip(_, %d) = %q, want at most %d bytes and an ellipsis", n, got, n)
		}
	}
}

func TestClipRunes(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"日本語テキスト", 4, "日本語…"},
		{"ab", 0, "…"},
	} {
		if got := ClipRunes(c.in, c.n); got != c.want {
			t.Errorf("ClipRunes(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestPrintableEscapesWhatATerminalActsOn(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain text\nnext\tline", "plain text\nnext\tline"},
		{"\x1b[2J\x1b[Hgone", `\x1b[2J\x1b[Hgone`},
		{"nul\x00bell\x07cr\rdel\x7f", `nul\x00bell\x07cr\x0ddel\x7f`},
		{"c1\u009b31m", `c1\x9b31m`},
		{"bidi \u202eevil", `bidi \u202eevil`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"café ☎", "café ☎"},
	} {
		if got := Printable(c.in); got != c.want {
			t.Errorf("Printable(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLine(t *testing.T) {
	if got := Line("a\r\nb\nc\x1b", 100); got != `a b c\x1b` {
		t.Errorf("Line = %q", got)
	}
	if got := Line(strings.Repeat("x", 50), 10); got != strings.Repeat("x", 10)+Ellipsis {
		t.Errorf("Line clipped = %q", got)
	}
}

func FuzzPrintable(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b]0;title\x07", "\xff", "\u202e", "é\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Printable(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Printable(%q) = %q: not UTF-8", s, got)
		}
		for _, r := range got {
			if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("Printable(%q) = %q keeps control %U", s, got, r)
			}
		}
		if l := Line(s, 40); strings.ContainsAny(l, "\n\r") {
			t.Fatalf("Line(%q) = %q has a line break", s, l)
		}
	})
}

func TestGrouped(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 59900: "59,900", 1234567: "1,234,567", -1000: "-1,000", -999: "-999"} {
		if got := Grouped(n); got != want {
			t.Errorf("Grouped(%d) = %q, want %q", n, got, want)
		}
	}
}
