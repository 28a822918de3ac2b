package playback

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/match"
	"github.com/callconform/callconform/internal/guid"
)

// answer is what the mock answers a bot's request.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// errorAnswer is an answer in the Graph error shape.
func errorAnswer(status int, code, msg string) answer {
	b, _ := jsonMarshal(map[string]any{"error": map[string]any{
		"code": code, "message": msg,
		"innerError": map[string]any{"date": time.Now().UTC().Format(time.RFC3339), "request-id": guid.NewString()},
	}})
	return answer{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: b}
}

// answer synthesizes the answer of send step i from its expectations: the
// first accepted status, each expected header and body field with a value
// its matcher accepts, a fresh id for each capture (written where the
// capture reads it, so that the bot gets the id the mock will use), then
// takes the captures as the harness would. notes are places where the
// answer does not meet the step's own expectation (a limit of the
// synthesis).
//
// A step with a recorded answer (Step.Answer) is answered with it instead,
// its ids put in (recordedAnswer); prefix is the version prefix the bot's
// request had (/v1.0), kept in its relative Location.
func (s *scenario) answer(i int, base, prefix string) (answer, []string, error) {
	st := &s.f.Steps[i]
	exp := st.Expect
	if exp == nil {
		exp = &fixture.Response{}
	}
	if st.Answer != nil {
		if strings.HasSuffix(base, prefix) {
			prefix = "" // a --base-url that names the version already
		}
		return s.answerRecorded(st, exp, base+prefix)
	}
	ans := answer{status: http.StatusOK, header: http.Header{}}
	if len(exp.Status) > 0 {
		ans.status = exp.Status[0]
	}
	fills := newFills(st.Capture, func(string) string { return guid.NewString() })
	if err := s.answerHeaders(&ans, exp.Headers, fills, base); err != nil {
		return ans, nil, err
	}
	body, err := s.answerBody(exp.Body, fills)
	if err != nil {
		return ans, nil, err
	}
	if body, err = placeCaptures(&ans, body, fills, base); err != nil {
		return ans, nil, err
	}
	if body != nil {
		b, err := jsonMarshal(body)
		if err != nil {
			return ans, nil, err
		}
		ans.body = b
		ans.header.Set("Content-Type", "application/json")
	}
	for _, n := range fills.names {
		v, err := captureAnswer(st.Capture[n], ans)
		if err != nil {
			return ans, nil, fmt.Errorf("capture %q from the mock's own answer: %w", n, err)
		}
		s.vars[n] = v
	}
	return ans, s.checkAnswer(exp, ans), nil
}

// answerRecorded answers with st's recorded answer and takes its captures
// from it.
func (s *scenario) answerRecorded(st *fixture.Step, exp *fixture.Response, base string) (answer, []string, error) {
	ans, err := s.recordedAnswer(st, base)
	if err != nil {
		return ans, nil, err
	}
	for _, n := range match.SortedKeys(st.Capture) {
		v, err := captureAnswer(st.Capture[n], ans)
		if err != nil {
			return ans, nil, fmt.Errorf("capture %q from the recorded answer: %w", n, err)
		}
		s.vars[n] = v
	}
	return ans, s.checkAnswer(exp, ans), nil
}

// captureFills are the values minted for a step's or an expectation's
// captures, so that the mock writes them where each capture reads.
type captureFills struct {
	caps  map[string]fixture.Capture
	names []string          // sorted
	value map[string]string // capture name → its fill
}

// newFills mints a value for each capture with mint.
func newFills(caps map[string]fixture.Capture, mint func(name string) string) captureFills {
	f := captureFills{caps: caps, names: match.SortedKeys(caps), value: make(map[string]string, len(caps))}
	for _, n := range f.names {
		f.value[n] = mint(n)
	}
	return f
}

// forJSON returns the fill of the first capture that reads JSON path, or "".
func (f captureFills) forJSON(path string) string {
	for _, n := range f.names {
		if f.caps[n].JSON == path {
			return f.value[n]
		}
	}
	return ""
}

// forHeader returns the fill of the first capture that reads header h, or "".
func (f captureFills) forHeader(h string) string {
	for _, n := range f.names {
		if c := f.caps[n]; c.Header != "" && strings.EqualFold(c.Header, h) {
			return f.value[n]
		}
	}
	return ""
}

// captureValue returns what a capture's source holds for it to read fill:
// fill itself, or a string its regex matches with fill where it fits.
func captureValue(c fixture.Capture, fill string) (string, error) {
	if c.Regex == "" {
		return fill, nil
	}
	return sample(c.Regex, fill)
}

// answerHeaders sets each expected header to a value its matcher accepts,
// put on the mock's base URL when it is a URL or a path.
func (s *scenario) answerHeaders(ans *answer, headers map[string]json.RawMessage, fills captureFills, base string) error {
	for _, h := range match.SortedKeys(headers) {
		raw, err := fixture.ExpandJSON(headers[h], s.lookup)
		if err != nil {
			return fmt.Errorf("header %s: %w", h, err)
		}
		v, err := sampleValue(raw, orDefault(fills.forHeader(h), guid.NewString()))
		if err != nil {
			return fmt.Errorf("header %s: %w", h, err)
		}
		if _, ok := v.(absent); ok {
			continue
		}
		ans.header.Set(h, rebase(asText(v), base, raw))
	}
	return nil
}

// answerBody returns a body with a value for each expected field, or nil
// when the step expects none.
func (s *scenario) answerBody(fields map[string]json.RawMessage, fills captureFills) (any, error) {
	var body any
	for _, p := range orderedPaths(fields) {
		path, err := fixture.Expand(p, s.lookup)
		if err != nil {
			return nil, fmt.Errorf("body %s: %w", p, err)
		}
		raw, err := fixture.ExpandJSON(fields[p], s.lookup)
		if err != nil {
			return nil, fmt.Errorf("body %s: %w", p, err)
		}
		if body, err = fillField(body, path, raw, fills.forJSON(path)); err != nil {
			return nil, fmt.Errorf("body %s: %w", p, err)
		}
	}
	return body, nil
}

// placeCaptures puts the fill of each capture that has nothing to read
// where it reads: its header, or its path in body. It returns the body.
func placeCaptures(ans *answer, body any, fills captureFills, base string) (any, error) {
	for _, n := range fills.names {
		c := fills.caps[n]
		needHeader := c.Header != "" && ans.header.Get(c.Header) == ""
		needJSON := c.JSON != "" && !exists(body, c.JSON)
		if !needHeader && !needJSON {
			continue
		}
		v, err := captureValue(c, fills.value[n])
		if err != nil {
			return nil, fmt.Errorf("capture %q: %w", n, err)
		}
		if needHeader {
			ans.header.Set(c.Header, rebase(v, base, nil))
			continue
		}
		if body, err = setPath(body, c.JSON, v); err != nil {
			return nil, fmt.Errorf("capture %q: %w", n, err)
		}
	}
	return body, nil
}

// fillField sets path in doc to a value matcher raw accepts, unless the
// value there already satisfies it. A free string takes fill, or a fresh
// id when the field is an id.
func fillField(doc any, path string, raw json.RawMessage, fill string) (any, error) {
	m, err := match.Compile(raw)
	if err != nil {
		return nil, err
	}
	if doc != nil {
		if b, err := jsonMarshal(doc); err == nil && m.Match(gjson.GetBytes(b, path)) == "" {
			return doc, nil
		}
	}
	if fill == "" && (path == "id" || strings.HasSuffix(path, ".id")) {
		fill = guid.NewString()
	}
	v, err := sampleValue(raw, fill)
	if err != nil {
		return nil, err
	}
	if _, ok := v.(absent); ok {
		return doc, nil
	}
	return setPath(doc, path, v)
}

// orderedPaths orders matcher paths so that type and presence conditions
// come first and stronger conditions on the same value or inside it win,
// and an array's length (a path ending in #) comes last, once the elements
// other conditions need are there.
func orderedPaths(m map[string]json.RawMessage) []string {
	keys := match.SortedKeys(m)
	rank := func(k string) int {
		switch {
		case k == "#" || strings.HasSuffix(k, ".#"):
			return 2
		case weakMatcher(m[k]):
			return 0
		}
		return 1
	}
	sort.SliceStable(keys, func(i, j int) bool { return rank(keys[i]) < rank(keys[j]) })
	return keys
}

func exists(doc any, path string) bool {
	if doc == nil {
		return false
	}
	b, err := jsonMarshal(doc)
	return err == nil && gjson.GetBytes(b, path).Exists()
}

func asText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := jsonMarshal(v)
	return string(b)
}

// rebase puts a URL or a path on the mock's own base URL when matcher raw
// (nil: any) still accepts it: a Location sampled as http://<id>/app/calls/x
// becomes http://127.0.0.1:8490/app/calls/x.
func rebase(v, base string, raw json.RawMessage) string {
	var cands []string
	if u, err := url.Parse(v); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		cands = append(cands, base+u.RequestURI())
	} else if strings.HasPrefix(v, "/") {
		cands = append(cands, base+v)
	}
	var m match.Matcher
	if raw != nil {
		var err error
		if m, err = match.Compile(raw); err != nil {
			return v
		}
	}
	for _, c := range cands {
		if m == nil || m.Match(gjson.Parse(strconv.Quote(c))) == "" {
			return c
		}
	}
	return v
}

// captureAnswer takes a capture from an answer, as the harness takes it
// from the target's.
func captureAnswer(c fixture.Capture, ans answer) (string, error) {
	var v string
	switch {
	case c.Status:
		v = strconv.Itoa(ans.status)
	case c.Header != "":
		if v = ans.header.Get(c.Header); v == "" {
			return "", fmt.Errorf("no %s header", c.Header)
		}
	case c.JSON != "":
		r := gjson.GetBytes(ans.body, c.JSON)
		if !r.Exists() {
			return "", fmt.Errorf("no %s in the body", c.JSON)
		}
		v = r.String()
	}
	return applyRegex(c.Regex, v)
}

func applyRegex(expr, v string) (string, error) {
	if expr == "" {
		return v, nil
	}
	re, err := match.Regexp(expr)
	if err != nil {
		return "", err
	}
	m := re.FindStringSubmatch(v)
	switch {
	case m == nil:
		return "", fmt.Errorf("regex %q does not match %q", expr, v)
	case len(m) > 1:
		return m[1], nil
	}
	return m[0], nil
}

// checkAnswer judges the mock's own answer against the step's expectation
// and returns what it misses.
func (s *scenario) checkAnswer(exp *fixture.Response, ans answer) []string {
	var notes []string
	if len(exp.Status) > 0 && !exp.Status.Contains(ans.status) {
		notes = append(notes, fmt.Sprintf("status %d is not one the step expects", ans.status))
	}
	for _, h := range match.SortedKeys(exp.Headers) {
		raw, err := fixture.ExpandJSON(exp.Headers[h], s.lookup)
		if err != nil {
			continue
		}
		m, err := match.Compile(raw)
		if err != nil {
			continue
		}
		got := gjson.Result{}
		if vs := ans.header.Values(h); len(vs) > 0 {
			got = gjson.Parse(strconv.Quote(strings.Join(vs, ", ")))
		}
		if r := m.Match(got); r != "" {
			notes = append(notes, fmt.Sprintf("the synthesized answer misses its own expectation: header %s: %s", h, r))
		}
	}
	for _, p := range match.SortedKeys(exp.Body) {
		path, err1 := fixture.Expand(p, s.lookup)
		raw, err2 := fixture.ExpandJSON(exp.Body[p], s.lookup)
		if err1 != nil || err2 != nil {
			continue
		}
		m, err := match.Compile(raw)
		if err != nil {
			continue
		}
		if r := m.Match(gjson.GetBytes(ans.body, path)); r != "" {
			notes = append(notes, fmt.Sprintf("the synthesized answer misses its own expectation: body %s: %s", p, r))
		}
	}
	return notes
}
