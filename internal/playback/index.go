package playback

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/match"
	"github.com/callconform/callconform/internal/guid"
)

// sendStep is a send step compiled once, when the Player is made: its
// path as a regular expression, its body decoded, its match fields read,
// and its shape (the key of the indexes). Matching a request never decodes
// a step's body again.
type sendStep struct {
	index   int    // in the fixture's steps
	method  string // upper case
	path    string // the template as written
	query   bool   // the template has a ?query: the request's is compared too
	re      *regexp.Regexp
	names   []string // the variable of each group of re
	reErr   string   // why the path could not be compiled; "" when it could
	shape   string   // method and path with each id or variable as *
	hasBody bool
	body    any   // decoded once; nil when the step has none
	bodyErr error // the step's body is not JSON
	match   []matchField
	sites   []bindSite // the templated strings of body, for the fields match leaves out
}

// bindSite is a templated string of a step's body: where the bot's
// request gives its variables their values.
type bindSite struct {
	path  string // gjson path
	tmpl  string
	names []string
}

// bindSites returns the templated strings of v (a decoded body) under
// path, keys in sorted order.
func bindSites(v any, path string, out []bindSite) []bindSite {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		for _, k := range match.SortedKeys(x) {
			out = bindSites(x[k], join(gjson.Escape(k)), out)
		}
	case []any:
		for i, e := range x {
			out = bindSites(e, join(strconv.Itoa(i)), out)
		}
	case string:
		if names := fixture.VarsIn(x); len(names) > 0 && path != "" {
			out = append(out, bindSite{path: path, tmpl: x, names: names})
		}
	}
	return out
}

// matchField is one body field that identifies the request (Step.Match),
// with the value the step holds there.
type matchField struct {
	path string
	want any
	ok   bool // the step's body has the field
}

// compileSend compiles send step i of f.
func compileSend(st *fixture.Step, i int) *sendStep {
	method, path := fixture.SplitSend(st.Send)
	c := &sendStep{index: i, method: strings.ToUpper(method), path: path, query: strings.Contains(path, "?")}
	shapePath, _, _ := strings.Cut(path, "?")
	c.shape = shapeOf(c.method, shapePath)
	ct, err := compileTemplate(path, `[^/?]+`, true)
	if err != nil {
		c.reErr = err.Error()
	} else {
		c.re, c.names = ct.re, ct.names
	}
	if len(st.Body) > 0 {
		c.hasBody = true
		c.body, c.bodyErr = decodeJSON(st.Body)
	}
	if st.Match != nil && c.bodyErr == nil {
		c.sites = bindSites(c.body, "", nil)
		c.match = make([]matchField, 0, len(st.Match))
		for _, p := range st.Match {
			f := matchField{path: p}
			if r := gjson.GetBytes(st.Body, p); r.Exists() {
				f.want, err = decodeJSON([]byte(r.Raw))
				f.ok = err == nil
			}
			c.match = append(c.match, f)
		}
	}
	return c
}

// shapeOf is the key of a request or a step in the indexes: the method and
// the path's segments, each one that is a variable or reads as an id
// written *, the others in lower case. A step and a request that matches it
// have the same shape, unless the bot's value of a variable does not read
// as an id; lookups then fall back to a scan.
func shapeOf(method, path string) string {
	var b strings.Builder
	b.Grow(len(method) + len(path))
	b.WriteString(strings.ToUpper(method))
	b.WriteByte(' ')
	for i, seg := range strings.Split(path, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		if strings.Contains(seg, "{{") || looksID(seg) {
			b.WriteByte('*')
			continue
		}
		b.WriteString(strings.ToLower(seg))
	}
	return b.String()
}

// looksID reports whether a path segment reads as an id: a GUID in any
// form, or 16 or more letters, digits, '-' and '_' with a digit among them.
func looksID(s string) bool {
	if len(s) < 16 {
		return false
	}
	if _, ok := guid.Parse(s); ok {
		return true
	}
	digit := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-', r == '_':
		default:
			return false
		}
	}
	return digit
}

// requestShapes returns the shapes req may be indexed under: its path as
// sent, and without a version prefix (/beta, /v1.0) when it has one.
func requestShapes(req *request) []string {
	p, _, _ := strings.Cut(req.path, "?")
	shapes := []string{shapeOf(req.method, p)}
	for _, pre := range versionPrefixes {
		if rest, ok := strings.CutPrefix(p, pre); ok && strings.HasPrefix(rest, "/") {
			shapes = append(shapes, shapeOf(req.method, rest))
		}
	}
	return shapes
}

// compiledTemplate is a template as a regular expression whose groups are
// its variables.
type compiledTemplate struct {
	re    *regexp.Regexp // nil when the template holds no variable
	names []string
}

// compileTemplate compiles tmpl: each variable stands for seg (a regular
// expression), the rest for itself; fold ignores case.
func compileTemplate(tmpl, seg string, fold bool) (compiledTemplate, error) {
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
	if len(names) == 0 {
		return compiledTemplate{}, nil
	}
	re.WriteString(regexp.QuoteMeta(tmpl[last:]) + "$")
	rx, err := match.Regexp(re.String())
	if err != nil {
		return compiledTemplate{}, err
	}
	return compiledTemplate{re: rx, names: names}, nil
}

// stepIndex finds a scenario's send steps by shape.
type stepIndex struct {
	sends   []*sendStep      // by step index; nil for other steps
	byShape map[string][]int // shape → send step indices, ascending
	order   []int            // every send step index, ascending
	tmpls   map[tmplKey]compiledTemplate
}

type tmplKey struct {
	tmpl, seg string
	fold      bool
}

// newStepIndex compiles every send step of f.
func newStepIndex(f *fixture.Fixture) *stepIndex {
	x := &stepIndex{sends: make([]*sendStep, len(f.Steps)), byShape: map[string][]int{}, tmpls: map[tmplKey]compiledTemplate{}}
	for i := range f.Steps {
		if f.Steps[i].Kind() != "send" {
			continue
		}
		c := compileSend(&f.Steps[i], i)
		x.sends[i] = c
		x.byShape[c.shape] = append(x.byShape[c.shape], i)
		x.order = append(x.order, i)
	}
	return x
}

// template returns tmpl compiled, from the index's cache.
func (x *stepIndex) template(tmpl, seg string, fold bool) (compiledTemplate, error) {
	k := tmplKey{tmpl, seg, fold}
	if ct, ok := x.tmpls[k]; ok {
		return ct, nil
	}
	ct, err := compileTemplate(tmpl, seg, fold)
	if err == nil {
		x.tmpls[k] = ct
	}
	return ct, err
}

// Bounds of the search for the step closest to a request that matched
// none: the steps of its shape, and the send steps next in line.
const (
	maxSameShape = 32
	maxNextSends = 16
)

// nearby returns the send steps from next on that a request of shapes may
// be closest to: next itself, the first steps of the same shape, and the
// next send steps in line, each once, ascending.
func (x *stepIndex) nearby(next int, shapes []string) []int {
	var out []int
	start, _ := slices.BinarySearch(x.order, next)
	for k := start; k < len(x.order) && k < start+maxNextSends; k++ {
		out = append(out, x.order[k])
	}
	for _, sh := range shapes {
		idx := x.byShape[sh]
		from, _ := slices.BinarySearch(idx, next)
		for k := from; k < len(idx) && k < from+maxSameShape; k++ {
			out = append(out, idx[k])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
