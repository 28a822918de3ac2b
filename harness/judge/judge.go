// Package judge decides whether the notifications a target sent satisfy an
// await block: which expectation each notification meets, in what
// (partial) order, and, when they do not, why, with the closest candidates.
package judge

import (
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness/match"
	"github.com/callconform/callconform/harness/timeline"
)

// Cond is one gjson condition on a notification item.
type Cond struct {
	Path string
	M    match.Matcher
}

// Pattern selects notification items.
type Pattern struct {
	Name       string
	ChangeType string        // "" = any
	Resource   match.Matcher // nil = any; compared with resource and resourceUrl
	Where      []Cond
}

// Expectation is one expected notification, or Count of them.
type Expectation struct {
	Pattern
	After    []string // names of expectations that must have been met first
	Optional bool
	Count    int // zero = 1
}

// Order is how a block's expectations are ordered.
type Order int

// Orders of a block.
const (
	Partial Order = iota // only the After edges
	Listed               // each expectation after every one listed before it
	Any                  // no order at all, After ignored
)

// Block is an await block ready to judge: templates already expanded.
type Block struct {
	Expect         []Expectation
	Forbid         []Pattern
	Order          Order
	FailUnexpected bool // an offered notification that no expectation takes fails the block
}

// Judge judges one block incrementally: Offer each notification in arrival
// order, ask Done whether the block is settled, then take the Verdict. A
// Judge is not safe for concurrent use.
type Judge struct {
	b       Block
	prior   map[string][]int // arrival indices matched by earlier blocks
	matched [][]int          // per expectation: arrival indices taken
	early   [][]early        // per expectation: matching arrivals refused for order
	need    []int
	preds   [][]int // per expectation: indices of local predecessors
	priorOK []func(idx int) (string, bool)

	byRes   map[string][]int // normalized literal resource → expectation indices
	anyRes  []int            // expectations with no resource condition
	pattern []int            // expectations with a non-literal resource matcher
	// patternHits caches, per resource string, which pattern expectations
	// its resource matcher accepts: a run has few distinct resources.
	patternHits map[string][]int
	succs       [][]int // per expectation: local successors (after edges)
	late        []late  // optional predecessors that arrived after a successor
	offers      []timeline.Notification
	extras      []int // offsets into offers
	hits        []ForbiddenHit
	remain      int // required expectations not yet met
	scratch     []int
}

// late is an optional predecessor that arrived after its successor matched:
// when present, it must come first.
type late struct {
	succ, pred int // expectation indices
	predIndex  int // arrival index of the predecessor
	succIndex  int // arrival index of the successor's first match
}

// maxPatternCache bounds the per-resource cache of pattern expectations.
const maxPatternCache = 4096

type early struct {
	index int    // arrival index
	pred  string // the predecessor that had not been met yet
}

// New returns a Judge for b. prior holds, for expectations met by earlier
// blocks of the same scenario, the arrival indices they took; an After that
// names one of them is judged against those.
func New(b Block, prior map[string][]int) *Judge {
	j := &Judge{b: b, prior: prior, byRes: map[string][]int{}, patternHits: map[string][]int{}}
	n := len(b.Expect)
	j.matched = make([][]int, n)
	j.early = make([][]early, n)
	j.need = make([]int, n)
	j.preds = make([][]int, n)
	j.priorOK = make([]func(int) (string, bool), n)
	j.succs = make([][]int, n)
	local := map[string]int{}
	for i, e := range b.Expect {
		local[e.Name] = i
	}
	for i, e := range b.Expect {
		j.need[i] = max(e.Count, 1)
		if !e.Optional {
			j.remain++
		}
		switch b.Order {
		case Listed:
			for p := 0; p < i; p++ {
				j.preds[i] = append(j.preds[i], p)
			}
		case Partial:
			var priorNames []string
			for _, a := range e.After {
				if p, ok := local[a]; ok {
					j.preds[i] = append(j.preds[i], p)
				} else {
					priorNames = append(priorNames, a)
				}
			}
			if len(priorNames) > 0 {
				j.priorOK[i] = j.priorCheck(priorNames)
			}
		}
		switch key, ok := literalKey(e.Resource); {
		case ok:
			j.byRes[key] = append(j.byRes[key], i)
		case e.Resource == nil:
			j.anyRes = append(j.anyRes, i)
		default:
			j.pattern = append(j.pattern, i)
		}
	}
	for i := range b.Expect {
		for _, p := range j.preds[i] {
			j.succs[p] = append(j.succs[p], i)
		}
	}
	return j
}

func (j *Judge) priorCheck(names []string) func(int) (string, bool) {
	return func(idx int) (string, bool) {
		for _, name := range names {
			for _, at := range j.prior[name] {
				if at > idx {
					return name, false
				}
			}
		}
		return "", true
	}
}

// literalKey returns the index key of a literal resource matcher.
func literalKey(m match.Matcher) (string, bool) {
	if k, ok := m.(interface{ Key() string }); ok {
		return k.Key(), true
	}
	return "", false
}

// Offer judges one notification. Notifications must be offered in arrival
// order. It reports whether the block took it.
func (j *Judge) Offer(n timeline.Notification) bool {
	off := len(j.offers)
	j.offers = append(j.offers, n)
	item := gjson.ParseBytes(n.Item)
	cands := j.candidates(item)
	for _, i := range cands {
		e := &j.b.Expect[i]
		if len(j.matched[i]) >= j.need[i] {
			continue
		}
		if !e.matches(item) {
			continue
		}
		if pred, ok := j.orderOK(i, n.Index); !ok {
			j.early[i] = append(j.early[i], early{index: n.Index, pred: pred})
			continue
		}
		j.matched[i] = append(j.matched[i], n.Index)
		if len(j.matched[i]) == j.need[i] && !e.Optional {
			j.remain--
		}
		if e.Optional && len(j.matched[i]) == 1 {
			// It was taken as absent by successors that matched already.
			for _, s := range j.succs[i] {
				if len(j.matched[s]) > 0 {
					j.late = append(j.late, late{succ: s, pred: i, predIndex: n.Index, succIndex: j.matched[s][0]})
				}
			}
		}
		return true
	}
	j.extras = append(j.extras, off)
	// Forbid applies to what the block's expectations did not take, so that
	// a block can expect one operation and forbid any other.
	for _, f := range j.b.Forbid {
		if f.matches(item) {
			j.hits = append(j.hits, ForbiddenHit{Pattern: f.Name, Index: n.Index, Item: redacted(n.Item)})
			break
		}
	}
	return false
}

// candidates returns the expectations that may match item, in declaration
// order: those indexed under its literal resource, those whose resource
// pattern accepts it, and those with no resource condition.
func (j *Judge) candidates(item gjson.Result) []int {
	c := j.scratch[:0]
	res := item.Get("resource")
	url := item.Get("resourceUrl")
	if res.Type == gjson.String {
		c = append(c, j.byRes[match.NormalizeID(res.Str)]...)
		c = append(c, j.patternsFor(res.Str)...)
	}
	if url.Type == gjson.String && (res.Type != gjson.String || url.Str != res.Str) {
		if res.Type != gjson.String || match.NormalizeID(url.Str) != match.NormalizeID(res.Str) {
			c = append(c, j.byRes[match.NormalizeID(url.Str)]...)
		}
		c = append(c, j.patternsFor(url.Str)...)
	}
	c = append(c, j.anyRes...)
	if len(c) > 1 {
		sort.Ints(c)
		c = slices.Compact(c)
	}
	j.scratch = c
	return c
}

// patternsFor returns the pattern expectations whose resource matcher
// accepts the resource r, from the cache when it can.
func (j *Judge) patternsFor(r string) []int {
	if len(j.pattern) == 0 {
		return nil
	}
	if hits, ok := j.patternHits[r]; ok {
		return hits
	}
	v := gjson.Result{Type: gjson.String, Str: r, Raw: strconv.Quote(r)}
	hits := []int{}
	for _, i := range j.pattern {
		if j.b.Expect[i].Resource.Match(v) == "" {
			hits = append(hits, i)
		}
	}
	if len(j.patternHits) < maxPatternCache {
		j.patternHits[r] = hits
	}
	return hits
}

// orderOK says whether expectation i may take the notification at arrival
// index idx; if not, which predecessor is still missing.
func (j *Judge) orderOK(i, idx int) (string, bool) {
	for _, p := range j.preds[i] {
		pe := &j.b.Expect[p]
		got := len(j.matched[p])
		if got >= j.need[p] {
			continue
		}
		if pe.Optional && got == 0 {
			continue // an absent optional predecessor orders nothing
		}
		return pe.Name, false
	}
	if check := j.priorOK[i]; check != nil {
		return check(idx)
	}
	return "", true
}

// Done reports whether the block is settled: a forbidden notification
// arrived, or every required expectation is met and the block has no forbid
// window to wait out.
func (j *Judge) Done() bool {
	if len(j.hits) > 0 || len(j.late) > 0 {
		return true
	}
	if j.b.FailUnexpected && len(j.extras) > 0 {
		return true
	}
	return j.remain == 0 && len(j.b.Forbid) == 0
}

// Matched returns, per expectation name, the arrival indices it took.
func (j *Judge) Matched() map[string][]int {
	m := make(map[string][]int, len(j.b.Expect))
	for i, e := range j.b.Expect {
		m[e.Name] = append([]int(nil), j.matched[i]...)
	}
	return m
}

// Item returns the item of the notification at arrival index idx that was
// offered to this judge.
func (j *Judge) Item(idx int) ([]byte, bool) {
	k := sort.Search(len(j.offers), func(k int) bool { return j.offers[k].Index >= idx })
	if k < len(j.offers) && j.offers[k].Index == idx {
		return j.offers[k].Item, true
	}
	return nil, false
}

// matches reports whether item meets every condition of p; it stops at the
// first that fails (the judge's hot path).
func (p *Pattern) matches(item gjson.Result) bool {
	if p.ChangeType != "" {
		if got := item.Get("changeType"); got.Type != gjson.String || got.Str != p.ChangeType {
			return false
		}
	}
	if p.Resource != nil && p.Resource.Match(item.Get("resource")) != "" {
		url := item.Get("resourceUrl")
		if !url.Exists() || p.Resource.Match(url) != "" {
			return false
		}
	}
	for _, c := range p.Where {
		if c.M.Match(item.Get(c.Path)) != "" {
			return false
		}
	}
	return true
}

// mismatch returns the failed conditions of p on item, as diff lines, for a
// verdict.
func (p *Pattern) mismatch(item gjson.Result) []Mismatch {
	var out []Mismatch
	if p.ChangeType != "" {
		got := item.Get("changeType")
		if got.Type != gjson.String || got.Str != p.ChangeType {
			out = append(out, Mismatch{Field: "changeType", Want: fmt.Sprintf("%q", p.ChangeType), Got: timeline.RedactString(match.Show(got))})
		}
	}
	if p.Resource != nil {
		res := item.Get("resource")
		url := item.Get("resourceUrl")
		r1 := p.Resource.Match(res)
		if r1 != "" && (!url.Exists() || p.Resource.Match(url) != "") {
			got := res
			if !res.Exists() {
				got = url
			}
			out = append(out, Mismatch{Field: "resource", Want: p.Resource.String(), Got: timeline.RedactString(match.Show(got)), Reason: timeline.RedactString(r1)})
		}
	}
	for _, c := range p.Where {
		got := item.Get(c.Path)
		if r := c.M.Match(got); r != "" {
			out = append(out, Mismatch{Field: c.Path, Want: c.M.String(), Got: timeline.RedactString(match.Show(got)), Reason: timeline.RedactString(r)})
		}
	}
	return out
}

// redacted is a notification item as a verdict may show it: what a target
// sends can hold a token.
func redacted(item []byte) string { return timeline.RedactString(string(item)) }
