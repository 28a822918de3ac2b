package secret

import "strings"

// Tokens recognised by their own shape, wherever they are written.

// Shortest parts of a JWT after "eyJ", and between its dots.
const minJWTPart = 4

// findJWTs appends the JWTs in s: "eyJ" and at least 4 base64url
// characters, a dot, at least 4 more, a dot, and the signature's (possibly
// none).
func findJWTs(s string, ms []Match) []Match {
	for i := 0; ; {
		k := strings.Index(s[i:], "eyJ")
		if k < 0 {
			return ms
		}
		start := i + k
		p := start + 3
		n := runOf(s, p, isB64URL)
		if n < minJWTPart || p+n >= len(s) || s[p+n] != '.' {
			i = start + 3
			continue
		}
		p += n + 1
		n = runOf(s, p, isB64URL)
		if n < minJWTPart || p+n >= len(s) || s[p+n] != '.' {
			i = start + 3
			continue
		}
		p += n + 1
		end := p + runOf(s, p, isB64URL)
		ms = append(ms, Match{JWT, start, end})
		i = end
	}
}

// Bearer tokens: at least minBearerLen characters of bearerChar, with a
// character other than a letter unless minBearerWordLen long, so that
// "the bearer authentication" is prose.
const (
	minBearerLen     = 8
	minBearerWordLen = 20
)

// findBearers appends the token of each "Bearer <token>" (any case).
func findBearers(s string, ms []Match) []Match {
	for i := 0; ; {
		k := indexFold(s, "bearer", i)
		if k < 0 {
			return ms
		}
		i = k + len("bearer")
		if k > 0 && isWordChar(s[k-1]) {
			continue
		}
		p := i
		for p < len(s) && isSpace(s[p]) {
			p++
		}
		if p == i {
			continue
		}
		end := p + runOf(s, p, isBearerChar)
		tok := s[p:end]
		if len(tok) < minBearerLen || placeholder(tok) || authParam(tok) ||
			(len(tok) < minBearerWordLen && onlyLetters(tok)) {
			continue
		}
		ms = append(ms, Match{Bearer, p, end})
		i = end
	}
}

// authParam reports whether tok is the name of a WWW-Authenticate
// parameter (Bearer authorization_uri="..."), not a token.
func authParam(tok string) bool {
	name, ok := strings.CutSuffix(tok, "=")
	return ok && name != "" && runOf(name, 0, func(c byte) bool { return isLetter(c) || c == '_' }) == len(name)
}

// Entra refresh tokens start "0.A" and run, with dots and other
// characters, to a delimiter; at least minRefreshLen long.
const minRefreshLen = 40

// findRefreshTokens appends the refresh tokens in s.
func findRefreshTokens(s string, ms []Match) []Match {
	for i := 0; ; {
		k := strings.Index(s[i:], "0.A")
		if k < 0 {
			return ms
		}
		start := i + k
		i = start + 3
		if start > 0 && (isAlnum(s[start-1]) || strings.IndexByte("._-", s[start-1]) >= 0) {
			continue
		}
		end := start + runOf(s, start, isValueChar)
		if end-start < minRefreshLen || placeholder(s[start:end]) {
			continue
		}
		ms = append(ms, Match{RefreshToken, start, end})
		i = end
	}
}

// Entra client secrets: three characters, a digit, "Q~", then at least
// minClientSecretTail more (34 in those issued today), of clientSecretChar.
const minClientSecretTail = 31

// findClientSecrets appends the Entra client secrets in s.
func findClientSecrets(s string, ms []Match) []Match {
	for i := 0; ; {
		k := strings.Index(s[i:], "Q~")
		if k < 0 {
			return ms
		}
		q := i + k
		i = q + 2
		start := q - 4
		if start < 0 || !isDigit(s[q-1]) || runOf(s[:q-1], start, isClientSecretChar) != 3 ||
			(start > 0 && isClientSecretChar(s[start-1])) {
			continue
		}
		end := q + 2 + runOf(s, q+2, isClientSecretChar)
		if end-q-2 < minClientSecretTail {
			continue
		}
		ms = append(ms, Match{ClientSecret, start, end})
		i = end
	}
}

// runOf returns how many bytes of s from i satisfy ok.
func runOf(s string, i int, ok func(byte) bool) int {
	n := 0
	for i+n < len(s) && ok(s[i+n]) {
		n++
	}
	return n
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool  { return isLetter(c) || isDigit(c) }

// isWordChar is a character of a word: letter, digit or '_'.
func isWordChar(c byte) bool { return isAlnum(c) || c == '_' }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// isB64URL is a character of base64url: letters, digits, '-' and '_'.
func isB64URL(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

// isBearerChar is a character of a bearer token (RFC 6750 b64token, and
// the '*', '!', '$' and '%' of some opaque tokens).
func isBearerChar(c byte) bool { return bearerChars[c] }

// isClientSecretChar is a character of an Entra client secret.
func isClientSecretChar(c byte) bool {
	return isAlnum(c) || c == '_' || c == '~' || c == '.' || c == '-'
}

func onlyLetters(s string) bool { return runOf(s, 0, isLetter) == len(s) }

// isDelimiter ends a value written without quotes: white space, quotes,
// the separators of a query, a form, a header or JSON, brackets and a
// backslash (of a JSON escape such as \u0026).
func isDelimiter(c byte) bool { return delimiters[c] }

// Character classes as tables: the finder reads every byte of every
// recorded body.
var (
	bearerChars = charTable(alnumChars + "-._~+/=*!$%")
	delimiters  = charTable(" \t\n\r\f\v\"'&,;{}[]()<>|`\\")
	tokenChars  = charTable(alnumChars + "+/=_~-")
)

const alnumChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// charTable returns the table of the characters of set.
func charTable(set string) *[256]bool {
	var t [256]bool
	for i := 0; i < len(set); i++ {
		t[set[i]] = true
	}
	return &t
}

// isValueChar is a character of a value written without quotes.
func isValueChar(c byte) bool { return !isDelimiter(c) }
