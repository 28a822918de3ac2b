package recorder

import (
	"encoding/base64"
	"regexp"
	"strings"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/guid"
)

// Pseudonyms: how one kind of real value is keyed (so that one value
// written several ways gets one pseudonym) and how its pseudonym is written
// (in the form of the value it stands for).

// threadPattern finds a Teams thread id (19:<id>@thread.v2, a meeting's
// 19:meeting_<base64 of a GUID>@thread.v2, a chat's @unq.gbl.spaces); its
// group is the id part, the part a pseudonym replaces.
const threadPattern = `\b19:((?:meeting_)?[0-9A-Za-z+/=_.-]+?)@(?:thread\.[0-9A-Za-z]+|unq\.gbl\.spaces)\b`

// threadRE reads a whole thread id: its id part and its suffix.
var threadRE = regexp.MustCompile(`^19:((?:meeting_)?[0-9A-Za-z+/=_.-]+?)@(thread\.[0-9A-Za-z]+|unq\.gbl\.spaces)$`)

const meetingThread = "meeting_"

// pseudoKey is what identifies a value of kind: the digits of a phone
// number or a joinMeetingId (+14255550123 and 14255550123 are one number),
// a display name in lower case with its spaces collapsed,
// the GUID of a thread id (19:meeting_<base64>@thread.v2 and its GUID are
// one thread), an id in any of its forms, or the value as written.
func pseudoKey(kind, v string) string {
	switch kind {
	case KindPhone, KindMeetingID:
		if d := digitsOf(v); d != "" {
			return d
		}
	case KindDisplayName:
		return strings.ToLower(strings.Join(strings.Fields(v), " "))
	case KindSecret, KindEntropy, KindJWT, KindBearer:
		return v // a secret is looked for as it is (knownSecrets)
	case KindThreadID:
		part := strings.TrimPrefix(threadPart(v), meetingThread)
		if g, ok := base64GUIDOf(part); ok {
			return g
		}
		v = part
	}
	if looksID(v) {
		return guid.Normalize(v)
	}
	return v
}

// writtenLike writes pseudonym p of kind in the form of the value v it
// stands for: a phone number without '+' when v has none, a thread id as a
// thread id of the same shape.
func writtenLike(kind, v, p string) string {
	switch kind {
	case KindPhone:
		if !strings.HasPrefix(strings.TrimSpace(v), "+") {
			return strings.TrimPrefix(p, "+")
		}
	case KindThreadID:
		return threadLike(v, p)
	}
	return p
}

// threadLike writes the GUID p as the thread id v is: the whole id
// (19:...@thread.v2) or its id part, meeting_ kept, the id a GUID (dashed
// or not) when v's is one, else base64 of a GUID, as a meeting's is.
func threadLike(v, p string) string {
	g, ok := guid.Parse(p)
	if !ok {
		return p
	}
	prefix, part, suffix := "", v, ""
	if m := threadRE.FindStringSubmatch(v); m != nil {
		prefix, part, suffix = "19:", m[1], "@"+m[2]
	}
	meeting := ""
	if rest, ok := strings.CutPrefix(part, meetingThread); ok {
		meeting, part = meetingThread, rest
	}
	id := base64.StdEncoding.EncodeToString([]byte(g.String()))
	if isGUID(part) {
		id = guidLike(part, p)
	}
	return prefix + meeting + id + suffix
}

// threadPart returns the id part of a thread id, or v when it is not one.
func threadPart(v string) string {
	if m := threadRE.FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return v
}

// base64GUIDOf returns the normalized GUID that s is base64 of.
func base64GUIDOf(s string) (string, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if _, ok := guid.Parse(string(b)); ok {
				return guid.Normalize(string(b)), true
			}
		}
	}
	return "", false
}

// guidLike writes the GUID pseudonym p in the form of the GUID m: 32 hex
// digits or dashed, upper case when m is.
func guidLike(m, p string) string {
	g, ok := guid.Parse(p)
	if !ok {
		return p
	}
	out := strings.ToLower(g.String())
	if !strings.Contains(m, "-") {
		out = strings.ToLower(g.Compact())
	}
	if strings.ToUpper(m) == m && strings.ToLower(m) != m {
		out = strings.ToUpper(out)
	}
	return out
}

// digitsOf returns the digits of s.
func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Prefixes of the pseudonyms the redactor writes.
const (
	pseudoGUIDPrefix    = "00000000-0000-4000-"
	pseudoCompactPrefix = "0000000000004000"
	pseudoPhonePrefix   = "1555010"
	pseudoMeetingPrefix = "555000"
)

// pseudoGUIDBase64 starts a pseudonym GUID written in base64 (a meeting
// thread's id part).
var pseudoGUIDBase64 = base64.StdEncoding.EncodeToString([]byte(pseudoGUIDPrefix))[:24]

var userPseudonymRE = regexp.MustCompile(`^User [0-9]+$`)

// isPseudonym reports whether s is one of the redactor's own placeholders,
// in any of the forms it writes them.
func isPseudonym(s string) bool {
	if strings.HasPrefix(s, "redacted-") || strings.HasPrefix(strings.TrimPrefix(s, "+"), pseudoPhonePrefix) ||
		strings.HasPrefix(s, pseudoMeetingPrefix) || userPseudonymRE.MatchString(s) {
		return true
	}
	part := strings.TrimPrefix(threadPart(s), meetingThread)
	lower := strings.ToLower(part)
	return strings.HasPrefix(lower, pseudoGUIDPrefix) || strings.HasPrefix(lower, pseudoCompactPrefix) ||
		strings.HasPrefix(part, pseudoGUIDBase64)
}

// ownPseudonym reports whether s is a pseudonym the rule writes: one of the
// redactor's own (isPseudonym), its replacement, or <kind>-N.
func ownPseudonym(ru rule, s string) bool {
	return isPseudonym(s) || customPseudonym(ru, s)
}

// customPseudonym reports whether s is what newPseudonym writes for a rule
// of a custom kind: its replacement, or <kind>-N.
func customPseudonym(ru rule, s string) bool {
	switch rep := ru.Replacement; {
	case strings.Contains(rep, "%d"):
		before, after, _ := strings.Cut(rep, "%d")
		mid, ok := strings.CutPrefix(s, before)
		mid, ok2 := strings.CutSuffix(mid, after)
		return ok && ok2 && mid != "" && digitsOf(mid) == mid
	case rep != "":
		return s == rep
	}
	return pseudoDigits(s, sanitizeName(ru.Kind)+"-", 1)
}

// chatThread returns the pseudonym of a one-on-one chat's thread id,
// 19:<user GUID>_<user GUID>@unq.gbl.spaces (or its id part): the two
// users' own pseudonyms, so that the thread is well formed and names the
// same (fake) users as the rest of the fixture.
func (r *redactor) chatThread(v string) (string, bool) {
	prefix, part, suffix := "", v, ""
	if m := threadRE.FindStringSubmatch(v); m != nil {
		prefix, part, suffix = "19:", m[1], "@"+m[2]
	}
	a, b, ok := strings.Cut(part, "_")
	if !ok || !isGUID(a) || !isGUID(b) {
		return "", false
	}
	user := fixture.RedactionRule{Kind: KindUserID}
	return prefix + guidLike(a, r.pseudonym(user, a)) + "_" + guidLike(b, r.pseudonym(user, b)) + suffix, true
}

func isGUID(s string) bool {
	_, ok := guid.Parse(s)
	return ok
}

// kindPseudonym reports whether s is a pseudonym the rule writes for its
// own kind, in any of the forms writtenLike gives it: a journal's value
// scrubbed before is recognized as the identity it stands for, and a
// pseudonym of another kind (a tenant's at a user id's path) is not.
func kindPseudonym(ru rule, s string) bool {
	if ru.Replacement != "" {
		return customPseudonym(ru, s)
	}
	switch ru.Kind {
	case KindDisplayName:
		return userPseudonymRE.MatchString(s)
	case KindSecret, KindEntropy:
		return pseudoDigits(s, "redacted-secret-", 1)
	case KindJWT:
		return pseudoDigits(s, "redacted-jwt-", 1)
	case KindBearer:
		return pseudoDigits(s, "redacted-token-", 1)
	case KindUserID:
		return pseudoGUIDOfKind(s, "8000")
	case KindTenantID:
		return pseudoGUIDOfKind(s, "9000")
	case KindThreadID:
		part := strings.TrimPrefix(threadPart(s), meetingThread)
		if g, ok := base64GUIDOf(part); ok {
			part = g
		}
		if a, b, ok := strings.Cut(part, "_"); ok { // a chat's: two users'
			return pseudoGUIDOfKind(a, "8000") && pseudoGUIDOfKind(b, "8000")
		}
		return pseudoGUIDOfKind(part, "b000")
	case KindPhone:
		return pseudoDigits(strings.TrimPrefix(s, "+"), pseudoPhonePrefix, 4)
	case KindMeetingID:
		return pseudoDigits(s, "555", 10)
	}
	if strings.HasSuffix(ru.Kind, "-id") {
		g, ok := guid.Parse(s)
		return ok && strings.HasPrefix(g.String(), pseudoGUIDPrefix+"a")
	}
	return customPseudonym(ru, s)
}

// pseudoGUIDOfKind reports whether s is a pseudonym GUID (dashed or not,
// any case) whose fourth group is group: 8000 for a user's, 9000 for a
// tenant's, b000 for a thread's.
func pseudoGUIDOfKind(s, group string) bool {
	g, ok := guid.Parse(s)
	return ok && strings.HasPrefix(g.String(), pseudoGUIDPrefix+group+"-")
}

// pseudoDigits reports whether s is prefix and then at least n more digits,
// digits only: a pseudonym counter printed with %0nd.
func pseudoDigits(s, prefix string, n int) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	return ok && len(rest) >= n && digitsOf(rest) == rest
}

// pseudoNumber returns the counter of a pseudonym of the rule's kind (the
// 3 of User 3, of +15550100003, of 00000000-0000-4000-8000-000000000003),
// when s is one (kindPseudonym).
func pseudoNumber(ru rule, s string) (int, bool) {
	if !kindPseudonym(ru, s) {
		return 0, false
	}
	var digits string
	switch kind := ru.Kind; {
	case ru.Replacement != "":
		before, after, ok := strings.Cut(ru.Replacement, "%d")
		if !ok {
			return 0, false
		}
		digits = strings.TrimSuffix(strings.TrimPrefix(s, before), after)
	case kind == KindThreadID:
		part := strings.TrimPrefix(threadPart(s), meetingThread)
		if g, ok := base64GUIDOf(part); ok {
			part = g
		}
		g, ok := guid.Parse(part)
		if !ok { // a chat's: its users' pseudonyms, not a thread's
			return 0, false
		}
		digits = g.Hex()[20:]
	case kind == KindPhone:
		digits = strings.TrimPrefix(strings.TrimPrefix(s, "+"), pseudoPhonePrefix)
	case kind == KindMeetingID:
		digits = strings.TrimPrefix(s, "555")
	case kind == KindUserID || kind == KindTenantID || strings.HasSuffix(kind, "-id"):
		g, _ := guid.Parse(s) // kindPseudonym parsed it
		digits = g.Hex()[20:]
	default: // User 3, redacted-secret-3, <kind>-3
		digits = s[strings.LastIndexAny(s, " -")+1:]
	}
	n := 0
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' || n > 1<<40 {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, digits != ""
}

// seen notes a pseudonym of the rule's kind met where a value was to be
// scrubbed (a journal's, scrubbed before): the pseudonyms numbered after
// it are greater, so that a value the build scrubs first never gets one
// that already stands for another.
func (r *redactor) seen(ru rule, s string) {
	n, ok := pseudoNumber(ru, s)
	if !ok {
		return
	}
	kind := ru.Kind
	if kind == KindEntropy {
		kind = KindSecret // one counter: the sum of both (newPseudonym)
	}
	have := r.count[kind]
	if kind == KindSecret {
		have += r.count[KindEntropy]
	}
	if n > have {
		r.count[kind] += n - have
	}
}
