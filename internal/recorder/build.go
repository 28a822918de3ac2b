package recorder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/guid"
)

// awaitWithin bounds each await block of a recorded fixture: generous, since
// a target may be slower than the service the recording came from.
const awaitWithin = 10 * time.Second

// idVar is a variable that stands for an id: a capture of an id the service
// minted, or a built-in (appId, tenantId).
type idVar struct {
	name string
	form string // the value as captured: a regular expression may use the variable only where the id is written the same way
	base string // callId, opId...
	idx  int    // the order in which the id was first met: its bit in builder.used
	call string // normalized id of the call it belongs to: forgotten some time after that call ends
	// pending: captured by an expectation of the await block being made,
	// so not known to the block's other expectations (a block's captures
	// are known after it).
	pending bool
}

// opDone is an operation's completion seen in the notifications: what
// follows it causally must be ordered after it.
type opDone struct {
	name    string
	call    string          // normalized id of the operation's call
	related map[string]bool // normalized ids of the other calls its request named (replacesCallId)
	done    map[string]bool // normalized resources already ordered after it
}

// opOrigin is what the request that minted an operation named.
type opOrigin struct {
	call    string          // the call the request was on
	related map[string]bool // the other calls it named
}

// nameUse counts the expectations given one name; call is the call whose
// variable the name holds ("" for a name without one), forgotten with it.
type nameUse struct {
	n    int
	call string
}

// builder turns a recording into a fixture, one exchange at a time, in
// sequence order. One builder makes one pass. Its memory holds the calls
// still open and the last closeWindow ended ones, never the whole session:
// steps go to emit as they are made, and what a call minted is forgotten
// some time after the call is deleted.
type builder struct {
	red       *redactor
	basePath  string  // the upstream's path, stripped from Location headers
	upBase    string  // the upstream's base URL: {{baseUrl}} in answers and exemplars
	keep      *bitset // ids worth a capture, by the order they are met; nil = every id minted
	used      bitset  // ids used after their capture, by the order they are met
	met       int     // ids met so far
	sent      genSet  // ids the bot sent before the service wrote them
	ids       map[string]*idVar
	declined  map[string]string // ids met and not kept → their call
	counts    map[string]int
	names     map[string]nameUse
	origin    map[string]opOrigin // op id → what the request that minted it named
	emit      func(st fixture.Step, comment string) error
	block     []fixture.Expectation
	lastOn    map[string]string    // normalized resource → name of its last expectation
	opsByCall map[string][]*opDone // normalized call id → completed operations whose effects it may show
	closed    []string             // calls deleted, oldest first
	cur       string               // the call of the exchange being added
	parts     int                  // parts begun after the first
	partSteps int                  // steps of the current part
	partBytes int                  // bytes of bodies recorded in the current part
	onPart    func(part int) error // called when part 2, 3... begins; nil = nothing to do
	inBlock   bool                 // adding a notification: ids minted now are pending
	pending   []*idVar             // ids minted in the await block being made
	trigger   bool
	requests  int
	notes     int
	skipped   int // notification bodies that were not JSON
	err       error
	// last is when the previous event ended (a request answered, a
	// notification arrived); delay is the pause the next item recorded.
	last  time.Time
	delay time.Duration
}

// closeWindow is how many ended calls a builder remembers: a notification
// on a call may still come shortly after its deletion.
const closeWindow = 64

// newBuilder returns a builder whose steps are dropped (set emit to keep
// them). appID and tenantID, when known, are written {{appId}} and
// {{tenantId}}.
func newBuilder(red *redactor, basePath, appID, tenantID string, keep *bitset) *builder {
	b := &builder{
		red: red, basePath: strings.TrimRight(basePath, "/"), keep: keep,
		ids: map[string]*idVar{}, declined: map[string]string{},
		counts: map[string]int{}, names: map[string]nameUse{}, origin: map[string]opOrigin{},
		lastOn: map[string]string{}, opsByCall: map[string][]*opDone{},
		emit: func(fixture.Step, string) error { return nil },
	}
	if appID != "" {
		b.ids[guid.Normalize(appID)] = &idVar{name: "appId", form: appID}
	}
	if tenantID != "" {
		b.ids[guid.Normalize(tenantID)] = &idVar{name: "tenantId", form: tenantID}
	}
	return b
}

// add adds the next exchange.
func (b *builder) add(x *exchange) error {
	if x.isNote {
		b.partBytes += len(x.body) + 100
		b.delay = 0
		if !b.last.IsZero() && x.at.After(b.last) {
			b.delay = x.at.Sub(b.last)
		}
		b.last = x.at
		b.addNote(x)
		return b.err
	}
	b.flush()
	if b.partSteps >= maxPartSteps || b.partBytes >= maxPartInput {
		b.newPart()
	}
	b.partBytes += len(x.body) + len(x.respBody) + len(x.path) + 200
	b.addRequest(x)
	if b.last = x.answeredAt; b.last.IsZero() {
		b.last = x.at
	}
	return b.err
}

// finish closes the last await block.
func (b *builder) finish() error {
	b.flush()
	return b.err
}

// step hands a finished step to emit.
func (b *builder) step(st fixture.Step, comment string) {
	b.partSteps++
	if b.err == nil {
		b.err = b.emit(st, comment)
	}
}

// A recording longer than a fixture may be (fixture.MaxFileSize,
// fixture.MaxSteps) is written in parts, each a fixture of its own: a new
// part begins at the first request after maxPartSteps steps, or after
// maxPartInput bytes of recorded bodies (a fixture is about 1.3 times
// that). Both are known the same in every pass, so that the passes agree.
// They are variables so that a test can make a short recording long.
var (
	maxPartSteps = 4000
	maxPartInput = 2 << 20
)

// newPart starts the next part: a scenario of its own, which knows none of
// the variables and expectation names of the one before.
func (b *builder) newPart() {
	b.parts++
	b.partSteps, b.partBytes = 0, 0
	maps.DeleteFunc(b.ids, func(_ string, v *idVar) bool { return v.base != "" })
	clear(b.declined)
	clear(b.lastOn)
	clear(b.names)
	clear(b.origin)
	clear(b.opsByCall)
	clear(b.counts)
	b.closed = b.closed[:0]
	if b.err == nil && b.onPart != nil {
		b.err = b.onPart(b.parts + 1)
	}
}

// recordedDelay is the pause to write for the next item, rounded to the
// millisecond (at least 1 ms, so that a recorded pace is never "none");
// only the first item of a POST has one.
func (b *builder) recordedDelay() fixture.Duration {
	d := b.delay
	b.delay = 0
	if d <= 0 {
		return 0
	}
	return fixture.Duration(max(d.Round(time.Millisecond), time.Millisecond))
}

// flush closes the await block of the notifications since the last request.
func (b *builder) flush() {
	if len(b.block) == 0 {
		return
	}
	b.step(fixture.Step{Await: &fixture.Await{Within: fixture.Duration(awaitWithin), Expect: b.block}},
		"notifications that arrived before the next request")
	b.block = nil
	for _, v := range b.pending {
		v.pending = false
	}
	b.pending = b.pending[:0]
}

// templ writes every known id in s as its {{variable}}.
func (b *builder) templ(s string) string {
	if v := b.ids[guid.Normalize(s)]; v != nil && !v.pending && looksID(s) {
		b.use(s, v)
		return "{{" + v.name + "}}"
	}
	s = guidRE.ReplaceAllStringFunc(s, func(m string) string {
		if v := b.ids[guid.Normalize(m)]; v != nil && !v.pending {
			b.use(m, v)
			return "{{" + v.name + "}}"
		}
		return m
	})
	if !strings.Contains(s, "/") {
		return s
	}
	segs := strings.Split(s, "/")
	for i, seg := range segs {
		if v := b.ids[guid.Normalize(seg)]; v != nil && !v.pending && looksID(seg) {
			b.use(seg, v)
			segs[i] = "{{" + v.name + "}}"
		}
	}
	return strings.Join(segs, "/")
}

func (b *builder) use(_ string, v *idVar) {
	if v.base != "" {
		b.used.set(v.idx)
	}
}

// regexSegment writes one path segment in a regular expression: a known id
// written as captured becomes its variable, any other id [^/]+.
func (b *builder) regexSegment(seg string) string {
	if isTemplate(seg) {
		return seg
	}
	if v := b.ids[guid.Normalize(seg)]; v != nil && looksID(seg) {
		if v.form == seg && !v.pending {
			b.use(seg, v)
			return "{{" + v.name + "}}"
		}
		return "[^/]+"
	}
	if looksID(seg) {
		return "[^/]+"
	}
	return regexp.QuoteMeta(seg)
}

// mint makes a variable for an id the service wrote first, unless the bot
// sent it before or this pass keeps no capture of it. base is callId, opId...
// The ids are numbered in the order they are first met, so that a second
// pass with keep (the first pass's used) knows which to capture.
func (b *builder) mint(id, base string) (*idVar, bool) {
	norm := guid.Normalize(id)
	if b.ids[norm] != nil || b.sent.has(norm) || !looksID(id) {
		return nil, false
	}
	if _, ok := b.declined[norm]; ok {
		return nil, false
	}
	idx := b.met
	b.met++
	owner := b.cur
	if base == "callId" {
		owner = norm
	}
	if b.keep != nil && !b.keep.has(idx) {
		b.declined[norm] = owner
		return nil, false
	}
	b.counts[base]++
	name := base
	if n := b.counts[base]; n > 1 {
		name = fmt.Sprintf("%s%d", base, n)
	}
	v := &idVar{name: name, form: id, base: base, idx: idx, call: owner, pending: b.inBlock}
	if v.pending {
		b.pending = append(b.pending, v)
	}
	b.ids[norm] = v
	return v, true
}

// captureRegex returns the expression that takes segment i of segs.
func captureRegex(segs []string, i int) string {
	var sb strings.Builder
	if i == 0 {
		sb.WriteString("^")
	} else {
		sb.WriteString("/" + regexp.QuoteMeta(segs[i-1]))
	}
	sb.WriteString("/([^/]+)")
	for _, s := range segs[i+1:] {
		if looksID(s) {
			sb.WriteString("/[^/]+")
		} else {
			sb.WriteString("/" + regexp.QuoteMeta(s))
		}
	}
	sb.WriteString("$")
	return sb.String()
}

// addRequest writes a send (or trigger) step: the request, templated and
// scrubbed, and what its answer showed.
func (b *builder) addRequest(x *exchange) {
	b.requests++
	b.cur = callOf(x.path)
	var body *jvalue
	if len(bytes.TrimSpace(x.body)) > 0 {
		body, _ = parseJSON(x.body)
	}
	b.markSent(x.path, body)
	st, related := b.requestStep(x, body)
	if x.status == 0 {
		why := x.failure
		if why == "" {
			why = "the recording ended before the answer"
		}
		st.Name = "no answer was recorded: " + why
		b.step(st, "")
		return
	}
	for _, v := range b.expectAnswer(&st, x) {
		if v.base == "opId" {
			b.origin[guid.Normalize(v.form)] = opOrigin{call: v.call, related: related}
		}
	}
	if st.Send != "" {
		st.Answer = b.answer(x)
	}
	b.step(st, "")
}

// requestStep returns the step that sends x's request (or triggers an
// incoming call) with its body and headers scrubbed, and the known calls
// its body names.
func (b *builder) requestStep(x *exchange, body *jvalue) (fixture.Step, map[string]bool) {
	var st fixture.Step
	path, _, _ := strings.Cut(x.path, "?")
	if x.method == "POST" && strings.TrimRight(path, "/") == "/_control/incoming-calls" {
		st.Trigger = "incoming-call"
		b.trigger = true
	} else {
		st.Send = x.method + " " + b.red.text(b.templ(x.path))
	}
	related := map[string]bool{}
	switch {
	case body != nil:
		b.relatedCalls(body, related)
		b.scrubBody(body, nil)
		st.Body = body.marshal()
		if st.Send != "" {
			st.Match = matchPaths(body)
		}
	case len(bytes.TrimSpace(x.body)) > 0:
		st.Name = "the request body was not JSON; it is not recorded"
	}
	for _, k := range slices.Sorted(maps.Keys(x.header)) {
		if b.red.dropHeader(k) {
			continue
		}
		if st.Headers == nil {
			st.Headers = map[string]string{}
		}
		st.Headers[k] = b.red.text(b.templ(strings.Join(x.header[k], ", ")))
	}
	return st, related
}

// expectAnswer writes what x's answer showed as st's expectation (status,
// Location, and an action's id, status and state) and returns the
// variables of the ids it minted.
func (b *builder) expectAnswer(st *fixture.Step, x *exchange) []*idVar {
	exp := &fixture.Response{Status: fixture.StatusSet{x.status}}
	st.Expect = exp
	minted := b.location(st, x.location)
	// A GET shows a state that may have moved on by the time a replay asks:
	// only the answers of actions are judged by their body.
	rb, _ := parseJSON(x.respBody)
	if rb == nil || rb.kind != 'o' || x.truncated || x.method == "GET" {
		return minted
	}
	status, isOp := rb.str("status")
	if id, ok := rb.str("id"); ok {
		base := "callId"
		if isOp {
			base = "opId"
		}
		if v, ok := b.mint(id, base); ok {
			addCapture(&st.Capture, v.name, fixture.Capture{JSON: "id"})
			minted = append(minted, v)
		}
	}
	if isOp {
		setMatcher(&exp.Body, "status", "~(?i)^"+regexp.QuoteMeta(strings.ToLower(status))+"$")
	}
	if state, ok := rb.str("state"); ok {
		setMatcher(&exp.Body, "state", b.red.text(state))
	}
	return minted
}

// markSent notes the ids of a request: the service did not mint them.
func (b *builder) markSent(path string, body *jvalue) {
	for _, id := range idsIn(path) {
		if b.ids[id] == nil {
			b.sent.add(id)
		}
	}
	var walk func(v *jvalue)
	walk = func(v *jvalue) {
		switch v.kind {
		case 'o', 'a':
			for _, e := range v.vals {
				walk(e)
			}
		case 's':
			for _, id := range idsIn(v.text) {
				if b.ids[id] == nil {
					b.sent.add(id)
				}
			}
		}
	}
	if body != nil {
		walk(body)
	}
}

// relatedCalls collects the known calls a request body names, such as the
// call an invite replaces.
func (b *builder) relatedCalls(v *jvalue, into map[string]bool) {
	switch v.kind {
	case 'o', 'a':
		for _, e := range v.vals {
			b.relatedCalls(e, into)
		}
	case 's':
		for _, id := range idsIn(v.text) {
			if iv := b.ids[id]; iv != nil && iv.base == "callId" {
				into[id] = true
			}
		}
	}
}

// location writes the expectation on a Location header (its shape as a
// regular expression) and captures the ids it mints.
func (b *builder) location(st *fixture.Step, loc string) []*idVar {
	if loc == "" {
		return nil
	}
	segs := splitPath(b.relative(loc))
	parts := make([]string, len(segs))
	var minted []*idVar
	for i, seg := range segs {
		base := ""
		if i > 0 {
			base = collectionVar(segs[i-1])
		}
		if base == "" && i == len(segs)-1 && looksID(seg) {
			base = "id"
		}
		if base != "" && b.ids[guid.Normalize(seg)] == nil {
			parts[i] = "[^/]+"
			if v, ok := b.mint(seg, base); ok {
				addCapture(&st.Capture, v.name, fixture.Capture{Header: "Location", Regex: captureRegex(segs, i)})
				minted = append(minted, v)
			}
			continue
		}
		parts[i] = b.regexSegment(seg)
	}
	setMatcher(&st.Expect.Headers, "Location", "~/"+strings.Join(parts, "/")+"$")
	return minted
}

// scrubBody rewrites a request body in place: callbacks become
// {{callbackUrl}}, known ids their variables, and the rest is redacted.
func (b *builder) scrubBody(v *jvalue, path []string) { b.scrubJSON(v, path, true) }

// scrubJSON rewrites a body in place: a request's (an identity's pseudonym
// becomes a var), or what the upstream sent (its absolute URLs become
// {{baseUrl}}/...). Callbacks become {{callbackUrl}}, known ids their
// variables, strings and numbers are redacted.
func (b *builder) scrubJSON(v *jvalue, path []string, request bool) {
	switch v.kind {
	case 'o':
		for i, k := range v.keys {
			e := v.vals[i]
			if e.kind == 's' && isCallbackKey(k) && isHTTPURL(e.text) {
				e.text = "{{callbackUrl}}"
				continue
			}
			b.scrubJSON(e, append(path[:len(path):len(path)], k), request)
		}
	case 'a':
		for _, e := range v.vals {
			b.scrubJSON(e, path, request)
		}
	case 's':
		s := v.text
		if rest, ok := underBase(s, b.upBase); ok && !request {
			s = "{{baseUrl}}" + rest
		}
		v.text = b.scrubString(path, s, request)
	case 'n':
		b.red.scrubNumber(v, path)
	}
}

// scrubString templates and redacts one string at a JSON path. In a
// request, an identity's pseudonym becomes a fixture variable.
func (b *builder) scrubString(path []string, s string, request bool) string {
	if t := b.templ(s); t != s {
		return b.red.text(t)
	}
	out, kind := b.red.value(path, s)
	if kind != "" && request {
		if name, ok := b.red.varFor(kind, out); ok {
			return "{{" + name + "}}"
		}
	}
	return out
}

func title(s string) string {
	s = lowerCamel(s)
	if s == "" || s == "redacted" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func addCapture(m *map[string]fixture.Capture, name string, c fixture.Capture) {
	if *m == nil {
		*m = map[string]fixture.Capture{}
	}
	(*m)[name] = c
}

func setMatcher(m *map[string]json.RawMessage, key, val string) {
	if *m == nil {
		*m = map[string]json.RawMessage{}
	}
	(*m)[key] = jsonQuote(val)
}
