package playback

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"

	"github.com/tidwall/gjson"

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
// modified. Its body is checked and decoded at most once, however many
// steps it is compared with.
type request struct {
	method string
	path   string // path, with ?query when there is one
	body   []byte

	checked bool
	valid   bool // body is JSON
	decoded any  // body decoded, once valid and asked for
}

func (r *request) String() string { return r.method + " " + r.path }

// shown is the request as the log and the report show it: its path
// without the query (secret.RedactURL), clipped.
func (r *request) shown() string {
	return excerpt.Clip(r.method+" "+secret.RedactURL(r.path), maxExcerpt)
}

// json reports whether the body is JSON, checking it once.
func (r *request) json() bool {
	if !r.checked {
		r.checked, r.valid = true, gjson.ValidBytes(r.body)
	}
	return r.valid
}

// value returns the body decoded, decoding it once.
func (r *request) value() any {
	if r.decoded == nil && r.json() {
		r.decoded, _ = decodeJSON(r.body)
	}
	return r.decoded
}

// binder matches templated parts of a send step against a bot's request.
// A variable with a value must be sent with that value (ids compared
// without dashes and case); one without takes the bot's value. callbackUrl
// takes each request's own value, uuid matches anything and binds nothing.
type binder struct {
	bound func(name string) (string, bool)
	binds map[string]string
	x     *stepIndex // compiled templates; nil = compile each time
}

func newBinder(bound func(string) (string, bool), x *stepIndex) *binder {
	return &binder{bound: bound, binds: map[string]string{}, x: x}
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
	if !strings.Contains(tmpl, "{{") {
		return tmpl
	}
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
	if !strings.Contains(tmpl, "{{") {
		if (fold && strings.EqualFold(tmpl, got)) || tmpl == got {
			return ""
		}
		return "differs"
	}
	var ct compiledTemplate
	var err error
	if b.x != nil {
		ct, err = b.x.template(tmpl, seg, fold)
	} else {
		ct, err = compileTemplate(tmpl, seg, fold)
	}
	if err != nil {
		return fmt.Sprintf("template %q: %v", tmpl, err)
	}
	if ct.re == nil {
		if (fold && strings.EqualFold(tmpl, got)) || tmpl == got {
			return ""
		}
		return "differs"
	}
	return b.bindGroups(ct.re, ct.names, got)
}

// bindGroups matches got with re, whose groups are the variables names,
// and binds them. It returns the reason of a mismatch, or "".
func (b *binder) bindGroups(re *regexp.Regexp, names []string, got string) string {
	m := re.FindStringSubmatch(got)
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
				if secret.FieldName(name) {
					return fmt.Sprintf("{{%s}} has another value in this scenario", name)
				}
				return fmt.Sprintf("{{%s}} is %q in this scenario", name, have)
			}
			continue
		}
		b.binds[name] = v
	}
	return ""
}

// matchPath compares the request's path with the step's, trying it
// without a version prefix (/beta, /v1.0) when it has one.
func (c *sendStep) matchPath(b *binder, req *request) string {
	if c.reErr != "" {
		return fmt.Sprintf("template %q: %s", c.path, c.reErr)
	}
	got := req.path
	if !c.query {
		got, _, _ = strings.Cut(got, "?")
	}
	try := func(p string) string {
		if c.re == nil {
			if strings.EqualFold(c.path, p) {
				return ""
			}
			return "differs"
		}
		return b.bindGroups(c.re, c.names, p)
	}
	reason := try(got)
	for _, pre := range versionPrefixes {
		if reason == "" {
			break
		}
		if rest, ok := strings.CutPrefix(got, pre); ok && strings.HasPrefix(rest, "/") {
			clear(b.binds)
			reason = try(rest)
		}
	}
	return reason
}

// matchStep compares a bot's request with send step c and returns the
// differences (none: it matches) and the variables the request binds. The
// body is compared on the step's match fields when it names some and
// strict is false, else on every field of the step's body.
func (c *sendStep) matchStep(req *request, bound func(string) (string, bool), x *stepIndex, strict bool) ([]judge.Mismatch, map[string]string) {
	b := newBinder(bound, x)
	var diffs []judge.Mismatch
	if c.method != strings.ToUpper(req.method) {
		diffs = append(diffs, judge.Mismatch{Field: "method", Want: c.method, Got: req.method})
	}
	if reason := c.matchPath(b, req); reason != "" {
		diffs = append(diffs, judge.Mismatch{Field: "path", Want: b.show(c.path), Got: req.path, Reason: reason})
	}
	if c.hasBody {
		c.matchBody(b, req, strict, &diffs)
	}
	if len(diffs) > 0 {
		return diffs, nil
	}
	return nil, b.binds
}

// matchBody compares the request's body with the step's.
func (c *sendStep) matchBody(b *binder, req *request, strict bool, diffs *[]judge.Mismatch) {
	if c.bodyErr != nil {
		*diffs = append(*diffs, judge.Mismatch{Field: "body", Want: "JSON", Got: excerpt.Clip(string(req.body), maxShown), Reason: c.bodyErr.Error()})
		return
	}
	if !req.json() {
		*diffs = append(*diffs, judge.Mismatch{Field: "body", Want: "JSON", Got: orDefault(excerpt.Clip(string(req.body), maxShown), "<empty>"), Reason: "the body is not JSON"})
		return
	}
	if c.match == nil || strict {
		b.matchValue("body", c.body, req.value(), diffs)
		return
	}
	for _, f := range c.match {
		field := "body." + f.path
		got := gjson.GetBytes(req.body, f.path)
		switch {
		case !f.ok:
			*diffs = append(*diffs, judge.Mismatch{Field: field, Want: "<in the step's body>", Got: showResult(got), Reason: "the step's body has no such field"})
		case !got.Exists():
			*diffs = append(*diffs, judge.Mismatch{Field: field, Want: b.showValue(f.want), Got: "<absent>"})
		default:
			gv, err := decodeJSON([]byte(got.Raw))
			if err != nil {
				*diffs = append(*diffs, judge.Mismatch{Field: field, Want: b.showValue(f.want), Got: showResult(got), Reason: "not JSON"})
				continue
			}
			b.matchValue(field, f.want, gv, diffs)
		}
	}
	if len(*diffs) == 0 {
		c.bindRest(b, req)
	}
}

// bindRest gives the variables of the fields match leaves out the bot's
// values, without comparing them: {{callbackUrl}} is where notifications
// go. A variable that has a value keeps it.
func (c *sendStep) bindRest(b *binder, req *request) {
	for _, site := range c.sites {
		unbound := false
		for _, n := range site.names {
			if _, ok := b.value(n); !ok && n != "uuid" {
				unbound = true
			}
		}
		if !unbound {
			continue
		}
		if r := gjson.GetBytes(req.body, site.path); r.Type == gjson.String {
			b.matchString(site.tmpl, r.Str, `.+?`, false)
		}
	}
}

// showResult shows a value read from a bot's request, as showValue does.
func showResult(r gjson.Result) string {
	if !r.Exists() {
		return "<absent>"
	}
	return excerpt.Clip(r.Raw, maxShown)
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

// maxShown bounds a value a diff shows before it is redacted and clipped
// for the report (explainUnmatched): generous, so that the redaction sees
// a whole token.
const maxShown = 16 << 10

// showValue shows a value in a diff, clipped to maxShown; the diff is
// redacted before anyone sees it.
func showValue(v any) string {
	s, err := jsonMarshal(v)
	if err != nil {
		return excerpt.Clip(fmt.Sprint(v), maxShown)
	}
	return excerpt.Clip(string(s), maxShown)
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
