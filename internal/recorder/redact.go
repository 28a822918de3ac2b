package recorder

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/secret"
)

// Redaction kinds with a meaning of their own; any other kind is a custom
// one, whose pseudonyms read "<kind>-1", "<kind>-2"...
const (
	KindHeader      = "header"       // the named header is not recorded
	KindUserID      = "user-id"      // → 00000000-0000-4000-8000-000000000001...
	KindTenantID    = "tenant-id"    // → 00000000-0000-4000-9000-000000000001...
	KindDisplayName = "display-name" // → User 1, User 2...
	KindPhone       = "phone"        // → +15550100001...
	KindSecret      = "secret"       // → redacted-secret-1...; without path or pattern: secret-named fields, refresh tokens, client secrets (what secret.Find finds that no other kind claims)
	KindJWT         = "jwt"          // → redacted-jwt-1...; without path or pattern: JWTs (secret.Find)
	KindBearer      = "bearer"       // → redacted-token-1...; without path or pattern: bearer tokens (secret.Find)
	KindEntropy     = "entropy"      // → redacted-secret-1...; high-entropy strings (secret.HighEntropy)
	// KindThreadID: a Teams thread id (19:...@thread.v2) → the same form
	// with a pseudonym for its id part: 19:meeting_<base64 of a fake
	// GUID>@thread.v2 for a meeting's, a fake GUID for an id written as one.
	KindThreadID = "thread-id"
	// KindMeetingID: a joinMeetingId → 5550000000001... (digits, as the
	// service writes it).
	KindMeetingID = "join-meeting-id"
	// KindKeep keeps a value as it was written: one at the rule's path, or
	// one that its pattern matches whole (both, when the rule has both).
	// Kept values are never pseudonyms, nor looked for elsewhere: the bot's
	// own display name, for one ({kind: keep, path: application.displayName}).
	// Keep rules are applied before any other, wherever they are listed.
	KindKeep = "keep"
)

// DefaultRules returns the rules a recording uses unless told otherwise:
// secret headers are dropped; what secret.Find finds (JWTs, bearer tokens,
// secret-named fields, refresh tokens, client secrets, high-entropy
// strings) is redacted, and so is every JSON member named like a secret
// (secret.FieldName) and every passcode; user and tenant ids (a join URL's
// Tid and Oid too), display names, phone numbers, Teams thread ids and
// joinMeetingIds get stable pseudonyms.
func DefaultRules() []fixture.RedactionRule {
	rs := []fixture.RedactionRule{
		{Kind: KindHeader, Header: "Authorization"},
		{Kind: KindHeader, Header: "Proxy-Authorization"},
		{Kind: KindHeader, Header: "Cookie"},
		{Kind: KindHeader, Header: "Set-Cookie"},
		{Kind: KindHeader, Pattern: `(?i)token|secret|key|password|signature|auth|cookie`},
		{Kind: KindJWT},
		{Kind: KindBearer},
	}
	for _, p := range []string{"client_secret", "clientSecret", "password", "access_token", "refresh_token", "id_token", "apiKey", "secret"} {
		rs = append(rs, fixture.RedactionRule{Kind: KindSecret, Path: p})
	}
	rs = append(rs,
		fixture.RedactionRule{Kind: KindSecret, Path: "passcode"},
		fixture.RedactionRule{Kind: KindSecret},
		fixture.RedactionRule{Kind: KindEntropy},
		fixture.RedactionRule{Kind: KindTenantID, Path: "tenantId"},
		// Tid and Oid: the tenant and the organizer in a Teams join URL's
		// context (and the claims of a token).
		fixture.RedactionRule{Kind: KindTenantID, Path: "Tid"},
		fixture.RedactionRule{Kind: KindUserID, Path: "Oid"},
		fixture.RedactionRule{Kind: KindUserID, Path: "userId"},
	)
	for _, p := range []string{"user.id", "guest.id", "acsUser.id", "spoolUser.id", "encrypted.id", "onPremises.id"} {
		rs = append(rs, fixture.RedactionRule{Kind: KindUserID, Path: p})
	}
	return append(rs,
		fixture.RedactionRule{Kind: KindDisplayName, Path: "displayName"},
		fixture.RedactionRule{Kind: KindPhone, Path: "phone.id"},
		fixture.RedactionRule{Kind: KindPhone, Pattern: `\+[1-9][0-9]{7,14}\b`},
		fixture.RedactionRule{Kind: KindThreadID, Path: "threadId"},
		fixture.RedactionRule{Kind: KindThreadID, Pattern: threadPattern},
		fixture.RedactionRule{Kind: KindMeetingID, Path: "joinMeetingId"},
	)
}

// redactionNote explains the rules in a recorded fixture.
const redactionNote = "scrubbed when recorded: Authorization and secret headers are never kept; " +
	"a rule with a path applies to the JSON field of that name (or dotted suffix), one with a pattern to every string, " +
	"a header rule drops the header, a keep rule keeps what it names as written (the bot's own name, for one). " +
	"A rule with neither redacts what the secret finder finds of its kind: " +
	"JWTs, bearer tokens, secret-named fields and JSON members (client_secret, password, sig, sasToken, api-key...), " +
	"refresh tokens, client secrets and high-entropy strings " +
	"(24+ characters, 3.9 to 4.5 bits a character, GUIDs and hex ids excepted) become redacted-* placeholders, and so do passcodes; " +
	"user and tenant ids, display names, phone numbers (with or without +), Teams thread ids (in their own shape) and joinMeetingIds " +
	"become stable pseudonyms (one value, one pseudonym, wherever it is written: in free text, in a URL and its encoded query, " +
	"in JSON in a string, in base64, which is encoded again), " +
	"and those sent in request bodies are vars, so that a vars file can set real ones. " +
	"replay lint scrubs the fixture again with these rules and refuses what they would still replace."

// LoadRules reads redaction rules from a YAML (or JSON) list of
// {kind, path, pattern, header, replacement} and checks them.
func LoadRules(path string) ([]fixture.RedactionRule, error) {
	b, err := readRulesFile(path)
	if err != nil {
		return nil, fmt.Errorf("redaction rules: %w", err)
	}
	rules, err := decodeRules(b)
	if err != nil {
		return nil, fmt.Errorf("redaction rules %s: %w", path, err)
	}
	if _, err := compileRules(rules); err != nil {
		return nil, fmt.Errorf("redaction rules %s: %w", path, err)
	}
	return rules, nil
}

// maxRulesFile bounds a rules file: rules are a few lines each.
const maxRulesFile = 1 << 20

// readRulesFile reads a rules file of at most maxRulesFile bytes.
func readRulesFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRulesFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRulesFile {
		return nil, fmt.Errorf("%s is larger than %d KiB: a rules file holds a few rules", path, maxRulesFile>>10)
	}
	return b, nil
}

// decodeRules reads a YAML (or JSON) list of rules: unknown fields and YAML
// aliases are refused, so that a typo is an error and a file cannot expand.
func decodeRules(b []byte) ([]fixture.RedactionRule, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	if line := aliasLine(&doc); line > 0 {
		return nil, fmt.Errorf("line %d: YAML aliases are not allowed", line)
	}
	var rules []fixture.RedactionRule
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&rules); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return rules, nil
}

// aliasLine is the line of the first alias or merge key in n, or 0.
func aliasLine(n *yaml.Node) int {
	if n.Kind == yaml.AliasNode || n.Tag == "!!merge" {
		return n.Line
	}
	for _, c := range n.Content {
		if l := aliasLine(c); l > 0 {
			return l
		}
	}
	return 0
}

// rule is a compiled redaction rule.
type rule struct {
	fixture.RedactionRule
	re     *regexp.Regexp
	path   []string // Path split at dots, lower case
	finder bool     // the rule redacts what secret.Find finds of its kind (ruleKind); neither path nor pattern
}

// finderKinds are the rule kinds that need no path or pattern: each takes
// the matches of secret.Find that ruleKind gives it.
var finderKinds = map[string]bool{KindJWT: true, KindBearer: true, KindSecret: true, KindEntropy: true}

// ruleKind returns the kind of the rule that redacts a match of secret.Find
// of kind k: a kind of its own for JWTs, bearer tokens and high-entropy
// strings, KindSecret for any other, so that a kind the finder learns is
// redacted without a new rule.
func ruleKind(k secret.Kind) string {
	switch k {
	case secret.JWT:
		return KindJWT
	case secret.Bearer:
		return KindBearer
	case secret.Entropy:
		return KindEntropy
	}
	return KindSecret
}

func compileRules(rs []fixture.RedactionRule) ([]rule, error) {
	out := make([]rule, 0, len(rs))
	var errs []error
	for i, r := range rs {
		c := rule{RedactionRule: r}
		if r.Kind == "" {
			errs = append(errs, fmt.Errorf("rule %d: no kind", i+1))
			continue
		}
		if r.Pattern != "" {
			re, err := regexp.Compile(r.Pattern)
			if err != nil {
				errs = append(errs, fmt.Errorf("rule %d (%s): bad pattern: %w", i+1, r.Kind, err))
				continue
			}
			if re.NumSubexp() > 1 {
				errs = append(errs, fmt.Errorf("rule %d (%s): a pattern takes at most one group: the part replaced", i+1, r.Kind))
				continue
			}
			c.re = re
		}
		if r.Path != "" {
			c.path = strings.Split(strings.ToLower(r.Path), ".")
		}
		if r.Kind == KindKeep && c.re != nil {
			c.re = regexp.MustCompile(`^(?:` + r.Pattern + `)$`) // compiled above: a keep pattern matches a whole value
		}
		switch {
		case r.Kind == KindHeader:
			if r.Header == "" && r.Pattern == "" {
				errs = append(errs, fmt.Errorf("rule %d (header): needs header (a name) or pattern (on names)", i+1))
				continue
			}
		case r.Header != "":
			errs = append(errs, fmt.Errorf("rule %d (%s): header goes with kind header only", i+1, r.Kind))
			continue
		case r.Path == "" && r.Pattern == "":
			if !finderKinds[r.Kind] {
				errs = append(errs, fmt.Errorf("rule %d (%s): needs a path or a pattern", i+1, r.Kind))
				continue
			}
			c.finder = true
		}
		out = append(out, c)
	}
	return out, errors.Join(errs...)
}

// redactor scrubs the values of one fixture. Its pseudonyms are stable: the
// same value gets the same pseudonym everywhere in the fixture. It is not
// safe for concurrent use.
type redactor struct {
	rules  []rule
	pseudo map[string]map[string]string // kind → key of a real value → pseudonym
	count  map[string]int
	vars   map[string]string // pseudonym → var name
	values map[string]string // var name → pseudonym
	kinds  map[string]int    // custom id kind → its number, for distinct pseudonyms
	names  []nameMatcher     // the display names to look for in text, longest first; nil after a new pseudonym
}

func newRedactor(rules []rule) *redactor {
	return &redactor{rules: rules, pseudo: map[string]map[string]string{}, count: map[string]int{},
		vars: map[string]string{}, values: map[string]string{}, kinds: map[string]int{}}
}

// kindIndex numbers the custom id kinds in the order they are first used.
func (r *redactor) kindIndex(kind string) int {
	if n, ok := r.kinds[kind]; ok {
		return n
	}
	r.kinds[kind] = len(r.kinds) + 1
	return r.kinds[kind]
}

// dropHeader reports whether a header rule keeps the header out of the
// fixture.
func (r *redactor) dropHeader(name string) bool {
	for _, ru := range r.rules {
		if ru.Kind != KindHeader {
			continue
		}
		if ru.Header != "" && strings.EqualFold(ru.Header, name) {
			return true
		}
		if ru.Header == "" && ru.re != nil && ru.re.MatchString(name) {
			return true
		}
	}
	return false
}

// value scrubs the string at a JSON path (member names, array indices left
// out). whole is the kind of the rule that replaced all of s, or of the
// rule at whose path s is already a pseudonym of its kind (a value the
// journal scrubbed), or "". What
// s holds is scrubbed too: JSON in the string, URLs and forms (each query
// value as the value of its name), base64 of text (re-encoded), and every
// value already given a pseudonym (an id, a name, a number), wherever it is
// written.
func (r *redactor) value(path []string, s string) (out, whole string) {
	return r.valueAt(path, s, 0)
}

// valueAt is value for a string found depth decodings deep.
func (r *redactor) valueAt(path []string, s string, depth int) (string, string) {
	if s == "" || isTemplate(s) || structural(path) || r.kept(path, s) {
		return s, ""
	}
	for _, ru := range r.rules {
		if ru.path == nil || ru.Kind == KindHeader || ru.Kind == KindKeep || !pathMatch(path, ru.path) {
			continue
		}
		if ru.re == nil {
			if ownPseudonym(ru, s) {
				// Scrubbed before (the journal's pseudonym): still the
				// identity of the rule's kind when it is one of that
				// kind's, so that a request's becomes a var.
				if kindPseudonym(ru, s) {
					r.seen(ru, s)
					return s, ru.Kind
				}
				return s, ""
			}
			return r.pseudonym(ru.RedactionRule, s), ru.Kind
		}
		s = r.replace(ru, s)
		break
	}
	if ru, ok := r.secretMember(path, s); ok {
		return r.pseudonym(ru.RedactionRule, s), ru.Kind
	}
	return r.deep(path, s, depth), ""
}

// structural reports whether the value at path names a type, never
// personal: @odata.type.
func structural(path []string) bool {
	return len(path) > 0 && strings.EqualFold(path[len(path)-1], "@odata.type")
}

// kept reports whether a keep rule keeps s at path.
func (r *redactor) kept(path []string, s string) bool {
	for _, ru := range r.rules {
		if ru.Kind != KindKeep {
			continue
		}
		if (ru.path == nil || pathMatch(path, ru.path)) && (ru.re == nil || ru.re.MatchString(s)) {
			return true
		}
	}
	return false
}

// secretMember returns the finder rule of KindSecret when s is the value of
// a JSON member named like a secret (secret.FieldName: sasToken, sig,
// clientSecret...) and not a placeholder: the whole value is the secret.
func (r *redactor) secretMember(path []string, s string) (rule, bool) {
	if len(path) == 0 || s == "" || isTemplate(s) || isPseudonym(s) || !secret.FieldName(path[len(path)-1]) {
		return rule{}, false
	}
	for _, ru := range r.rules {
		if ru.finder && ru.Kind == KindSecret {
			return ru, true
		}
	}
	return rule{}, false
}

// maxTextPasses bounds text's passes over a string: a pseudonym may join
// its neighbours into something the finder flags, which the next pass
// redacts.
const maxTextPasses = 4

// text scrubs a free string (a path, a resource, a header value, a value
// with its ids written as variables): JSON in it as JSON; otherwise the
// rules that have no path apply, in order (consecutive finder rules share
// one pass of secret.Find); then what the string holds is decoded and
// scrubbed (URLs, forms, base64 of text), and the values already given a
// pseudonym are replaced wherever they are. The finder goes first, so that
// a token is redacted whole before any part of it is decoded.
func (r *redactor) text(s string) string { return r.deep(nil, s, 0) }

// textAt is text for a string found depth decodings deep.
func (r *redactor) textAt(s string, depth int) string {
	if s == "" {
		return s
	}
	for i := 0; i < len(r.rules); i++ {
		ru := r.rules[i]
		switch {
		case ru.Kind == KindHeader || ru.Kind == KindKeep || ru.path != nil:
		case ru.re != nil:
			s = r.replace(ru, s)
		case ru.finder:
			j := i + 1
			for j < len(r.rules) && (r.rules[j].finder || r.rules[j].path != nil || r.rules[j].Kind == KindHeader || r.rules[j].Kind == KindKeep) {
				j++
			}
			s = r.find(r.rules[i:j], s)
			i = j - 1
		}
	}
	if depth < maxDecodeDepth {
		s = r.urls(s, depth)
		s = r.base64Runs(s, depth)
	}
	return r.known(s)
}

// find replaces what secret.Find finds in s by the pseudonyms of the first
// finder rule in rules that claims each match (ruleKind), until nothing
// more is found.
func (r *redactor) find(rules []rule, s string) string {
	for range maxTextPasses {
		var sb strings.Builder
		prev := 0
		for _, m := range secret.Find(s) {
			v := s[m.Start:m.End]
			ru, ok := claimant(rules, m.Kind)
			if !ok || isTemplate(v) || isPseudonym(v) {
				continue
			}
			sb.WriteString(s[prev:m.Start])
			sb.WriteString(r.pseudonym(ru.RedactionRule, v))
			prev = m.End
		}
		if prev == 0 {
			return s
		}
		sb.WriteString(s[prev:])
		s = sb.String()
	}
	return s
}

// claimant returns the first finder rule in rules that redacts matches of
// kind k.
func claimant(rules []rule, k secret.Kind) (rule, bool) {
	want := ruleKind(k)
	for _, ru := range rules {
		if ru.finder && ru.Kind == want {
			return ru, true
		}
	}
	return rule{}, false
}

// replace applies a pattern rule: each match (or its group) becomes a
// pseudonym.
func (r *redactor) replace(ru rule, s string) string {
	var sb strings.Builder
	prev := 0
	for _, loc := range ru.re.FindAllStringSubmatchIndex(s, -1) {
		start, end := loc[0], loc[1]
		if len(loc) >= 4 && loc[2] >= 0 {
			start, end = loc[2], loc[3]
		}
		v := s[start:end]
		if v == "" || isTemplate(v) || ownPseudonym(ru, v) {
			r.seen(ru, v)
			continue
		}
		sb.WriteString(s[prev:start])
		sb.WriteString(r.pseudonym(ru.RedactionRule, v))
		prev = end
	}
	if prev == 0 {
		return s
	}
	sb.WriteString(s[prev:])
	return sb.String()
}

// pseudonym returns the stable stand-in of v for the rule's kind, written
// in v's form (writtenLike).
func (r *redactor) pseudonym(ru fixture.RedactionRule, v string) string {
	if ru.Kind == KindThreadID && ru.Replacement == "" {
		if out, ok := r.chatThread(v); ok {
			return out
		}
	}
	key := pseudoKey(ru.Kind, v)
	byKind := r.pseudo[ru.Kind]
	if byKind == nil {
		byKind = map[string]string{}
		r.pseudo[ru.Kind] = byKind
	}
	p, ok := byKind[key]
	if !ok {
		p = r.newPseudonym(ru)
		byKind[key] = p
		if ru.Kind == KindDisplayName {
			r.names = nil // the names to look for have changed
		}
	}
	return writtenLike(ru.Kind, v, p)
}

// newPseudonym returns the next pseudonym of the rule's kind.
func (r *redactor) newPseudonym(ru fixture.RedactionRule) string {
	r.count[ru.Kind]++
	n := r.count[ru.Kind]
	switch {
	case ru.Replacement != "" && strings.Contains(ru.Replacement, "%d"):
		return fmt.Sprintf(ru.Replacement, n)
	case ru.Replacement != "":
		return ru.Replacement
	case ru.Kind == KindUserID:
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	case ru.Kind == KindTenantID:
		return fmt.Sprintf("00000000-0000-4000-9000-%012d", n)
	case ru.Kind == KindThreadID:
		return fmt.Sprintf("00000000-0000-4000-b000-%012d", n)
	case ru.Kind == KindMeetingID:
		return fmt.Sprintf("555%010d", n)
	case strings.HasSuffix(ru.Kind, "-id"):
		return fmt.Sprintf("00000000-0000-4000-a%03d-%012d", r.kindIndex(ru.Kind)%1000, n)
	case ru.Kind == KindDisplayName:
		return fmt.Sprintf("User %d", n)
	case ru.Kind == KindPhone:
		return fmt.Sprintf("+1555010%04d", n)
	case ru.Kind == KindJWT:
		return fmt.Sprintf("redacted-jwt-%d", n)
	case ru.Kind == KindBearer:
		return fmt.Sprintf("redacted-token-%d", n)
	case ru.Kind == KindSecret || ru.Kind == KindEntropy:
		return fmt.Sprintf("redacted-secret-%d", r.count[KindSecret]+r.count[KindEntropy])
	}
	return fmt.Sprintf("%s-%d", sanitizeName(ru.Kind), n)
}

// varFor returns the fixture var that stands for a pseudonym of kind, so
// that a vars file can set a real value; ok is false for kinds that are not
// identities.
func (r *redactor) varFor(kind, pseudonym string) (string, bool) {
	var base string
	switch {
	case kind == KindUserID:
		base = "userId"
	case kind == KindTenantID:
		base = "tenantId"
	case kind == KindPhone:
		base = "phone"
	case strings.HasSuffix(kind, "-id"):
		base = lowerCamel(strings.TrimSuffix(kind, "-id")) + "Id"
	default:
		return "", false
	}
	if name, ok := r.vars[pseudonym]; ok {
		return name, true
	}
	for n := 1; ; n++ {
		name := fmt.Sprintf("%s%d", base, n)
		if _, taken := r.values[name]; !taken {
			r.vars[pseudonym] = name
			r.values[name] = pseudonym
			return name, true
		}
	}
}

// pathMatch reports whether a value's path ends with the rule's path; names
// compare without case.
func pathMatch(path, suffix []string) bool {
	if len(suffix) > len(path) {
		return false
	}
	off := len(path) - len(suffix)
	for i, s := range suffix {
		if strings.ToLower(path[off+i]) != s {
			return false
		}
	}
	return true
}

func isTemplate(s string) bool {
	return strings.HasPrefix(s, "{{") && strings.HasSuffix(s, "}}") && strings.Count(s, "{{") == 1
}

// sanitizeName keeps letters, digits, '-' and '_'.
func sanitizeName(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "redacted"
	}
	return b.String()
}

// lowerCamel turns "acs-user" into "acsUser".
func lowerCamel(s string) string {
	parts := strings.FieldsFunc(s, func(c rune) bool { return c == '-' || c == '_' || c == ' ' })
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return sanitizeName(strings.Join(parts, ""))
}
