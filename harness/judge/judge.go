// Package judge decides whether the notifications a target sent satisfy an
// await block: which expectation each notification meets, in what
// (partial) order, and, when they do not, why, with the closest candidates.
//
// It is meant to be imported: harness uses it for await blocks, and its
// Verdict is part of a harness.Result.
package judge

import (
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness/match"
	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/excerpt"
	"github.com/callconform/callconform/internal/guid"
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
	// FailDuplicates makes a redelivery (an offered notification marked
	// timeline.Notification.Redelivery) fail the block. When false, a
	// redelivery is one notification with its original: it meets no
	// expectation, is not unexpected and is not forbidden.
	FailDuplicates bool
}

// Judge judges one block incrementally: Offer each notification in arrival
// order, ask Done whether the block is settled (Decided whether it has
// already failed), then take the Verdict. A Judge is not safe for
// concurrent use.
//
// The judge decides a failure as soon as no further notification can turn
// the verdict into a pass: a forbidden notification arrived; with
// unexpected: fail, one that no expectation takes; with FailDuplicates, a
// redelivery; an optional predecessor arrived after its successor matched;
// or a required expectation can no longer be met. A required expectation
// with count N takes at most N notifications, and a notification that
// matches it but came before what it must follow (and that no other
// expectation takes) counts toward those N: the target sent it, in the
// wrong place, and a later one would be one more than N. An optional
// expectation's early match is not counted: it is judged absent.
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
	offers      []offer // every first delivery offered, in arrival order
	extras      []int   // offsets into offers
	hits        []ForbiddenHit
	remain      int   // required expectations not yet met
	spent       []int // per expectation: matches refused for order that no expectation took
	redelivered []Redelivery
	decision    *decision // nil while the block can still pass
	scratch     []int
	refused     []int // scratch: expectations that refused the offered notification for order
}

// decision is what decided that the block fails.
type decision struct {
	index  int    // arrival index of the notification that decided it
	reason string // why no further notification can make the block pass
	// unmeetable is true when an expectation could no longer be met, false
	// when a notification the block refuses (forbidden, unexpected, a
	// duplicate) ended it: the others are then "not waited for".
	unmeetable bool
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

// offer is what the judge keeps of an offered notification.
type offer struct {
	Index int    // arrival index
	Item  []byte // the item, shared with the caller
}

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
	j.spent = make([]int, n)
	local := map[string]int{}
	for i, e := range b.Expect {
		local[e.Name] = i
	}
	for i, e := range b.Expect {
		j.need[i] = max(e.Count, 1)
		if !e.Optional {
			j.remain++
		}
		j.order(i, local)
		j.index(i)
	}
	for i := range b.Expect {
		for _, p := range j.preds[i] {
			j.succs[p] = append(j.succs[p], i)
		}
	}
	return j
}

// order sets the predecessors of expectation i: every one listed before it
// (Listed), those its After names (Partial: in this block, or checked
// against earlier blocks' matches), or none (Any).
func (j *Judge) order(i int, local map[string]int) {
	switch j.b.Order {
	case Listed:
		for p := range i {
			j.preds[i] = append(j.preds[i], p)
		}
	case Partial:
		var priorNames []string
		for _, a := range j.b.Expect[i].After {
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
}

// index files expectation i under its literal resource, with the patterns,
// or with those that name no resource, for candidates.
func (j *Judge) index(i int) {
	e := &j.b.Expect[i]
	switch key, ok := literalKey(e.Resource); {
	case ok:
		j.byRes[key] = append(j.byRes[key], i)
	case e.Resource == nil:
		j.anyRes = append(j.anyRes, i)
	default:
		j.pattern = append(j.pattern, i)
	}
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
// order. It reports whether the block took it; a redelivery is taken when
// its original was.
func (j *Judge) Offer(n timeline.Notification) bool {
	if n.Redelivery {
		return j.offerRedelivery(n)
	}
	off := len(j.offers)
	j.offers = append(j.offers, offer{Index: n.Index, Item: n.Item})
	item := gjson.ParseBytes(n.Item)
	j.refused = j.refused[:0]
	for _, i := range j.candidates(item) {
		e := &j.b.Expect[i]
		if j.full(i) || !e.matches(item) {
			continue
		}
		if pred, ok := j.orderOK(i, n.Index); !ok {
			j.early[i] = append(j.early[i], early{index: n.Index, pred: pred})
			j.refused = append(j.refused, i)
			continue
		}
		j.take(i, n.Index)
		return true
	}
	j.spend(n.Index)
	j.extras = append(j.extras, off)
	if j.b.FailUnexpected {
		j.decide(n.Index, "notification #%d is one no expectation takes, and the block says unexpected: fail", n.Index)
	}
	// Forbid applies to what the block's expectations did not take, so that
	// a block can expect one operation and forbid any other.
	for _, f := range j.b.Forbid {
		if f.matches(item) {
			j.hits = append(j.hits, ForbiddenHit{Pattern: f.Name, Index: n.Index, Item: redacted(n.Item)})
			j.decide(n.Index, "forbidden notification #%d arrived (pattern %q)", n.Index, f.Name)
			break
		}
	}
	return false
}

// full reports whether expectation i can take no more notifications: it
// has its count, or, when required, its count less the matches it refused
// for order (see Judge).
func (j *Judge) full(i int) bool {
	if j.b.Expect[i].Optional {
		return len(j.matched[i]) >= j.need[i]
	}
	return len(j.matched[i])+j.spent[i] >= j.need[i]
}

// take gives the notification at arrival index idx to expectation i.
func (j *Judge) take(i, idx int) {
	e := &j.b.Expect[i]
	j.matched[i] = append(j.matched[i], idx)
	if len(j.matched[i]) == j.need[i] && !e.Optional {
		j.remain--
	}
	if !e.Optional || len(j.matched[i]) != 1 {
		return
	}
	// It was taken as absent by successors that matched already.
	for _, s := range j.succs[i] {
		if len(j.matched[s]) > 0 {
			j.late = append(j.late, late{succ: s, pred: i, predIndex: idx, succIndex: j.matched[s][0]})
			j.decide(idx, "optional %q arrived (#%d) after %q, which must follow it, matched (#%d)", e.Name, idx, j.b.Expect[s].Name, j.matched[s][0])
		}
	}
}

// spend charges the notification at arrival index idx, which no
// expectation took, to the required expectations that refused it for
// order. Such an expectation can no longer be met: it takes at most its
// count, that notification included, and needs all of them in order.
func (j *Judge) spend(idx int) {
	for _, i := range j.refused {
		e := &j.b.Expect[i]
		if e.Optional {
			continue
		}
		j.spent[i]++
		j.decideUnmeetable(idx, "%q can no longer be met: #%d matches it but came before %q, and counts toward its count (%d)", e.Name, idx, j.lastEarly(i), j.need[i])
	}
}

// lastEarly names the predecessor missing when expectation i last refused
// a match for order.
func (j *Judge) lastEarly(i int) string { return j.early[i][len(j.early[i])-1].pred }

// offerRedelivery judges a redelivery as one notification with its
// original: it reports whether this block took the original.
func (j *Judge) offerRedelivery(n timeline.Notification) bool {
	j.redelivered = append(j.redelivered, Redelivery{Index: n.Index, Original: n.Original, Item: redacted(n.Item)})
	if j.b.FailDuplicates {
		j.decide(n.Index, "notification #%d is a redelivery of #%d, and the block fails on duplicates", n.Index, n.Original)
	}
	for _, m := range j.matched {
		if slices.Contains(m, n.Original) {
			return true
		}
	}
	return false
}

// decide records, unless the block was decided already, that the
// notification at arrival index idx failed it for good: one it refuses.
// The reason is formatted as by fmt.Sprintf.
func (j *Judge) decide(idx int, format string, args ...any) {
	if j.decision == nil {
		j.decision = &decision{index: idx, reason: fmt.Sprintf(format, args...)}
	}
}

// decideUnmeetable is decide for an expectation that can no longer be met.
func (j *Judge) decideUnmeetable(idx int, format string, args ...any) {
	if j.decision == nil {
		j.decision = &decision{index: idx, reason: fmt.Sprintf(format, args...), unmeetable: true}
	}
}

// candidates returns the expectations that may match item, in declaration
// order: those indexed under its literal resource, those whose resource
// pattern accepts it, and those with no resource condition.
func (j *Judge) candidates(item gjson.Result) []int {
	c := j.scratch[:0]
	res := item.Get("resource")
	url := item.Get("resourceUrl")
	if res.Type == gjson.String {
		c = append(c, j.byRes[guid.Normalize(res.Str)]...)
		c = append(c, j.patternsFor(res.Str)...)
	}
	if url.Type == gjson.String && (res.Type != gjson.String || url.Str != res.Str) {
		if res.Type != gjson.String || guid.Normalize(url.Str) != guid.Normalize(res.Str) {
			c = append(c, j.byRes[guid.Normalize(url.Str)]...)
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

// Done reports whether the block is settled: it is decided (see Decided),
// or every required expectation is met and the block has no forbid window
// to wait out.
func (j *Judge) Done() bool {
	return j.Decided() || (j.remain == 0 && len(j.b.Forbid) == 0)
}

// Decided reports whether the block has failed for good: no notification
// offered from now on can make its verdict a pass (see Judge for when).
func (j *Judge) Decided() bool { return j.decision != nil }

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
			out = append(out, Mismatch{Field: "changeType", Want: shown(fmt.Sprintf("%q", p.ChangeType)), Got: shownValue(got)})
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
			out = append(out, Mismatch{Field: "resource", Want: shown(p.Resource.String()), Got: shownValue(got), Reason: shown(r1)})
		}
	}
	for _, c := range p.Where {
		got := item.Get(c.Path)
		if r := c.M.Match(got); r != "" {
			out = append(out, Mismatch{Field: shown(c.Path), Want: shown(c.M.String()), Got: shownValue(got), Reason: shown(r)})
		}
	}
	return out
}

// shownValue is a received value as a verdict shows it (see shown).
func shownValue(got gjson.Result) string { return shown(match.Show(got)) }

// shown is text a verdict shows people that may hold what a target sent
// (a received value, a matcher's reason, a captured value in a wanted
// one): a token redacted, and control characters escaped so that they
// cannot move a cursor or hide what follows.
func shown(s string) string { return excerpt.Printable(timeline.RedactString(s)) }

// redacted is a notification item as a verdict may show it: what a target
// sends can hold a token.
func redacted(item []byte) string { return timeline.RedactString(string(item)) }
