package playback

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/judge"
	"github.com/callconform/callconform/harness/match"
	"github.com/callconform/callconform/internal/excerpt"
	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/internal/secret"
)

// templateRE finds {{name}} references, as the fixture package does.
var templateRE = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// versionPrefixes may stand before a fixture's path in a bot's request: a
// bot configured with https://graph.microsoft.com/beta as its base.
var versionPrefixes = []string{"/beta", "/v1.0"}

// request is a bot's request, read once; the inbound *http.Request is never
// modified.
type request struct {
	method string
	path   string // path, with ?query when there is one
	body   []byte
}

func (r request) String() string { return r.method + " " + r.path }

// shown is the request as the log and the report show it: its path
// without the query (secret.RedactURL), clipped.
func (r request) shown() string {
	return excerpt.Clip(r.method+" "+secret.RedactURL(r.path), maxExcerpt)
}

// binder matches templated parts of a send step against a bot's request.
// A variable with a value must be sent with that value (ids compared
// without dashes and case); one without takes the bot's value. callbackUrl
// takes each request's own value, uuid matches anything and binds nothing.
type binder struct {
	bound func(name string) (string, bool)
	binds map[string]string
}

func newBinder(bound func(string) (string, bool)) *binder {
	return &binder{bound: bound, binds: map[string]string{}}
}

// value returns what name stands for in this request so far.
func (b *binder) value(name string) (string, bool) {
	if v, ok := b.binds[name]; ok {
		return v, true
	}
	if name == "callbackUrl" || name == "uuid" {
		return "", false
	}
	return b.bound(name)
}

// show renders a template with the values known so far.
func (b *binder) show(tmpl string) string {
	return templateRE.ReplaceAllStringFunc(tmpl, func(m string) string {
		if v, ok := b.value(templateRE.FindStringSubmatch(m)[1]); ok {
			return v
		}
		return m
	})
}

// matchString matches got against a template in which each variable stands
// for seg (a regular expression), and binds the variables. It returns the
// reason of a mismatch, or "".
func (b *binder) matchString(tmpl, got, seg string, fold bool) string {
	var re strings.Builder
	if fold {
		re.WriteString("(?i)")
	}
	re.WriteString("^")
	var names []string
	last := 0
	for _, loc := range templateRE.FindAllStringSubmatchIndex(tmpl, -1) {
		re.WriteString(regexp.QuoteMeta(tmpl[last:loc[0]]))
		re.WriteString("(" + seg + ")")
		names = append(names, tmpl[loc[2]:loc[3]])
		last = loc[1]
	}
	re.WriteString(regexp.QuoteMeta(tmpl[last:]) + "$")
	if len(names) == 0 {
		if (fold && strings.EqualFold(tmpl, got)) || tmpl == got {
			return ""
		}
		return "differs"
	}
	rx, err := match.Regexp(re.String())
	if err != nil {
		return fmt.Sprintf("template %q: %v", tmpl, err)
	}
	m := rx.FindStringSubmatch(got)
	if m == nil {
		return "differs"
	}
	for i, name := range names {
		v := m[i+1]
		if name == "uuid" {
			continue
		}
		if have, ok := b.value(name); ok {
			if have != v && guid.Normalize(have) != guid.Normalize(v) {
				return fmt.Sprintf("{{%s}} is %q in this scenario", name, have)
			}
			continue
		}
		b.binds[name] = v
	}
	return ""
}

// matchStep compares a bot's request with a send step and returns the
// differences (none: it matches) and the variables the request binds.
func matchStep(st *fixture.Step, req request, bound func(string) (string, bool)) ([]judge.Mismatch, map[string]string) {
	b := newBinder(bound)
	var diffs []judge.Mismatch
	method, path := fixture.SplitSend(st.Send)
	if !strings.EqualFold(method, req.method) {
		diffs = append(diffs, judge.Mismatch{Field: "method", Want: method, Got: req.method})
	}
	got := req.path
	if !strings.Contains(path, "?") {
		got, _, _ = strings.Cut(got, "?")
	}
	reason := b.matchString(path, got, `[^/?]+`, true)
	for _, pre := range versionPrefixes {
		if reason == "" {
			break
		}
		if rest, ok := strings.CutPrefix(got, pre); ok && strings.HasPrefix(rest, "/") {
			b.binds = map[string]string{}
			reason = b.matchString(path, rest, `[^/?]+`, true)
		}
	}
	if reason != "" {
		diffs = append(diffs, judge.Mismatch{Field: "path", Want: b.show(path), Got: req.path, Reason: reason})
	}
	if len(st.Body) > 0 {
		want, err := decodeJSON(st.Body)
		if err != nil {
			diffs = append(diffs, judge.Mismatch{Field: "body", Want: string(st.Body), Got: excerpt.Clip(string(req.body), 200), Reason: err.Error()})
			return diffs, nil
		}
		if !json.Valid(req.body) {
			diffs = append(diffs, judge.Mismatch{Field: "body", Want: "JSON " + excerpt.Clip(string(st.Body), 200), Got: orDefault(excerpt.Clip(string(req.body), 200), "<empty>"), Reason: "the body is not JSON"})
			return diffs, nil
		}
		gotBody, _ := decodeJSON(req.body)
		b.matchValue("body", want, gotBody, &diffs)
	}
	if len(diffs) > 0 {
		return diffs, nil
	}
	return nil, b.binds
}

// matchValue compares a bot's JSON value with the step's, field by field.
// Fields the step does not name are allowed.
func (b *binder) matchValue(field string, want, got any, diffs *[]judge.Mismatch) {
	add := func(w, g, reason string) {
		*diffs = append(*diffs, judge.Mismatch{Field: field, Want: w, Got: g, Reason: reason})
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			add("an object", showValue(got), "not an object")
			return
		}
		for _, k := range match.SortedKeys(w) {
			sub := field + "." + gjson.Escape(k)
			gv, ok := g[k]
			if !ok {
				*diffs = append(*diffs, judge.Mismatch{Field: sub, Want: b.showValue(w[k]), Got: "<absent>"})
				continue
			}
			b.matchValue(sub, w[k], gv, diffs)
		}
	case []any:
		g, ok := got.([]any)
		switch {
		case !ok:
			add(b.showValue(w), showValue(got), "not an array")
		case len(g) != len(w):
			add(b.showValue(w), showValue(got), fmt.Sprintf("want %d items, got %d", len(w), len(g)))
		default:
			for i := range w {
				b.matchValue(fmt.Sprintf("%s.%d", field, i), w[i], g[i], diffs)
			}
		}
	case string:
		g, ok := got.(string)
		if !ok {
			add(b.showValue(w), showValue(got), "not a string")
			return
		}
		if r := b.matchString(w, g, `.+?`, false); r != "" {
			add(b.showValue(w), showValue(got), r)
		}
	case json.Number:
		g, ok := got.(json.Number)
		if !ok || !sameNumber(w, g) {
			add(string(w), showValue(got), "")
		}
	default:
		if fmt.Sprint(want) != fmt.Sprint(got) || fmt.Sprintf("%T", want) != fmt.Sprintf("%T", got) {
			add(showValue(want), showValue(got), "")
		}
	}
}

func sameNumber(a, b json.Number) bool {
	x, ok1 := new(big.Float).SetString(string(a))
	y, ok2 := new(big.Float).SetString(string(b))
	return ok1 && ok2 && x.Cmp(y) == 0
}

// showValue renders a step's value with the variables known so far.
func (b *binder) showValue(v any) string {
	if s, ok := v.(string); ok {
		return showValue(b.show(s))
	}
	return showValue(v)
}

func showValue(v any) string {
	s, err := jsonMarshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return excerpt.Clip(string(s), 200)
}

// candidate is a send step a request was compared with.
type candidate struct {
	s     *scenario
	step  int
	next  bool // the scenario's next step: a match is taken
	diffs []judge.Mismatch
	binds map[string]string
}

func (c candidate) score() int {
	n := len(c.diffs)
	for _, d := range c.diffs {
		switch d.Field {
		case "method":
			n += 100
		case "path":
			n += 50
		}
	}
	return n
}

// closest orders candidates: fewest and lightest differences first, then
// next steps before later ones, then fixture order.
func closest(cs []candidate) {
	sort.SliceStable(cs, func(i, j int) bool {
		if a, b := cs[i].score(), cs[j].score(); a != b {
			return a < b
		}
		return cs[i].next && !cs[j].next
	})
}
