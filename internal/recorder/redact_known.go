package recorder

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Values that already have a pseudonym, found wherever else they are
// written: an id in text, a phone number with separators, a display name in
// a subject, a passcode in a join link.

// known replaces in s the values that already have a pseudonym: ids in
// either form and any case, phone numbers and joinMeetingIds however they
// are written, secrets as they were written, and display names (as whole words, in any case, with any
// white space between their words).
func (r *redactor) known(s string) string {
	s = r.knownIDs(s)
	s = r.knownNumbers(s)
	s = r.knownSecrets(s)
	return r.knownNames(s)
}

// minKnownSecret is the shortest secret looked for in text: a passcode
// has six characters or more.
const minKnownSecret = 6

// knownSecrets replaces the secrets already redacted (a passcode, a token)
// wherever else they are written as they were: a passcode in a join link's
// query, for one.
func (r *redactor) knownSecrets(s string) string {
	for _, k := range []string{KindSecret, KindEntropy, KindJWT, KindBearer} {
		byValue := r.pseudo[k]
		if len(byValue) == 0 {
			continue
		}
		secrets := make([]string, 0, len(byValue))
		for v := range byValue {
			if len(v) >= minKnownSecret && strings.Contains(s, v) {
				secrets = append(secrets, v)
			}
		}
		slices.SortFunc(secrets, func(a, b string) int {
			if len(a) != len(b) {
				return len(b) - len(a)
			}
			return strings.Compare(a, b)
		})
		for _, v := range secrets {
			s = strings.ReplaceAll(s, v, byValue[v])
		}
	}
	return s
}

// idKinds returns the kinds whose pseudonyms are GUIDs, sorted.
func (r *redactor) idKinds() []string {
	var ks []string
	for k, m := range r.pseudo {
		if len(m) > 0 && (k == KindUserID || k == KindTenantID || k == KindThreadID ||
			(strings.HasSuffix(k, "-id") && k != KindMeetingID)) {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

func (r *redactor) knownIDs(s string) string {
	kinds := r.idKinds()
	if len(kinds) == 0 {
		return s
	}
	return guidRE.ReplaceAllStringFunc(s, func(m string) string {
		key := pseudoKey("", m)
		for _, k := range kinds {
			if p, ok := r.pseudo[k][key]; ok {
				return guidLike(m, p)
			}
		}
		return m
	})
}

// numberRE finds a number written with separators (+1 425-555-0123) and
// digitRunRE one written without.
var (
	numberRE   = regexp.MustCompile(`\+?[0-9][0-9 ().-]*[0-9]`)
	digitRunRE = regexp.MustCompile(`\+?[0-9]+`)
)

// minNumberDigits is the fewest digits of a phone number or joinMeetingId
// looked for in text.
const minNumberDigits = 7

func (r *redactor) knownNumbers(s string) string {
	if len(r.pseudo[KindPhone]) == 0 && len(r.pseudo[KindMeetingID]) == 0 {
		return s
	}
	return replaceBounded(s, numberRE, func(run string) string {
		if out, ok := r.knownNumber(run); ok {
			return out
		}
		return replaceBounded(run, digitRunRE, func(d string) string {
			out, _ := r.knownNumber(d)
			return out
		})
	})
}

// knownNumber returns the pseudonym of a phone number or joinMeetingId
// that has one, written like run.
func (r *redactor) knownNumber(run string) (string, bool) {
	d := digitsOf(run)
	if len(d) < minNumberDigits {
		return run, false
	}
	for _, k := range []string{KindPhone, KindMeetingID} {
		if p, ok := r.pseudo[k][d]; ok {
			return writtenLike(k, run, p), true
		}
	}
	return run, false
}

// replaceBounded replaces each match of re in s that is not part of a
// longer word or number by with(match).
func replaceBounded(s string, re *regexp.Regexp, with func(string) string) string {
	var b strings.Builder
	prev := 0
	for _, loc := range re.FindAllStringIndex(s, -1) {
		start, end := loc[0], loc[1]
		if !wordBoundary(s, start, end) {
			continue
		}
		b.WriteString(s[prev:start])
		b.WriteString(with(s[start:end]))
		prev = end
	}
	if prev == 0 {
		return s
	}
	b.WriteString(s[prev:])
	return b.String()
}

// wordBoundary reports whether s[start:end] is neither preceded nor
// followed by a letter or a digit.
func wordBoundary(s string, start, end int) bool {
	if start > 0 {
		if c, _ := utf8.DecodeLastRuneInString(s[:start]); unicode.IsLetter(c) || unicode.IsDigit(c) {
			return false
		}
	}
	if end < len(s) {
		if c, _ := utf8.DecodeRuneInString(s[end:]); unicode.IsLetter(c) || unicode.IsDigit(c) {
			return false
		}
	}
	return true
}

// nameMatcher finds one display name in text.
type nameMatcher struct {
	re        *regexp.Regexp
	pseudonym string
}

// minNameLen is the shortest display name looked for in text, in
// characters.
const minNameLen = 2

// nameMatchers returns the matchers of the display names that have a
// pseudonym, longest first, so that "Alice Smith" goes before "Alice".
func (r *redactor) nameMatchers() []nameMatcher {
	if r.names != nil {
		return r.names
	}
	byName := r.pseudo[KindDisplayName]
	names := make([]string, 0, len(byName))
	for n := range byName {
		if utf8.RuneCountInString(strings.TrimSpace(n)) >= minNameLen {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	r.names = make([]nameMatcher, 0, len(names))
	for _, n := range names {
		words := strings.Fields(n)
		for i, w := range words {
			words[i] = regexp.QuoteMeta(w)
		}
		r.names = append(r.names, nameMatcher{regexp.MustCompile(`(?i)` + strings.Join(words, `\s+`)), byName[n]})
	}
	return r.names
}

func (r *redactor) knownNames(s string) string {
	for _, m := range r.nameMatchers() {
		s = replaceBounded(s, m.re, func(string) string { return m.pseudonym })
	}
	return s
}
