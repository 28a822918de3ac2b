package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/judge"
	"github.com/callconform/callconform/harness/match"
	"github.com/callconform/callconform/harness/receiver"
	"github.com/callconform/callconform/harness/timeline"
)

// verdictError carries a failed block's verdict to the result.
type verdictError struct{ v judge.Verdict }

func (e *verdictError) Error() string { return "notifications not as expected:\n" + e.v.String() }

// CompileBlock expands the templates of an await block with lookup and
// compiles it for the judge. The runner and replay serve share it, so that a
// block means the same to both.
func CompileBlock(a *fixture.Await, lookup fixture.Lookup) (judge.Block, error) {
	var b judge.Block
	switch a.Order {
	case "listed":
		b.Order = judge.Listed
	case "any":
		b.Order = judge.Any
	}
	b.FailUnexpected = a.Unexpected == "fail"
	b.FailDuplicates = a.Duplicates == "fail"
	for _, e := range a.Expect {
		p, err := CompilePattern(&e.Pattern, lookup)
		if err != nil {
			return b, fmt.Errorf("expectation %q: %w", e.Name, err)
		}
		b.Expect = append(b.Expect, judge.Expectation{Pattern: p, After: e.After, Optional: e.Optional, Count: e.Count})
	}
	for i := range a.Forbid {
		p, err := CompilePattern(&a.Forbid[i], lookup)
		if err != nil {
			return b, fmt.Errorf("forbid: %w", err)
		}
		b.Forbid = append(b.Forbid, p)
	}
	return b, nil
}

// CompilePattern expands and compiles one pattern: its resource (a plain
// string compared as ids are; a received path without its leading slash
// is judged with it) and its where-conditions.
func CompilePattern(fp *fixture.Pattern, lookup fixture.Lookup) (judge.Pattern, error) {
	p := judge.Pattern{Name: fp.Name, ChangeType: fp.ChangeType}
	if len(fp.Resource) > 0 {
		raw, err := fixture.ExpandJSON(fp.Resource, lookup)
		if err != nil {
			return p, err
		}
		m, err := match.CompileResource(raw)
		if err != nil {
			return p, err
		}
		p.Resource = resourcePath{m}
	}
	for _, path := range match.SortedKeys(fp.Where) {
		ep, err := fixture.Expand(path, lookup)
		if err != nil {
			return p, err
		}
		raw, err := fixture.ExpandJSON(fp.Where[path], lookup)
		if err != nil {
			return p, err
		}
		m, err := match.Compile(raw)
		if err != nil {
			return p, fmt.Errorf("where %s: %w", path, err)
		}
		p.Where = append(p.Where, judge.Cond{Path: ep, M: m})
	}
	return p, nil
}

// resourcePath matches a notification's resource path as its matcher m
// does, and a path written without its leading slash
// ("communications/calls/...", as some pages write it) as m matches it
// with the slash: a resource path is rooted whichever way it is written.
type resourcePath struct{ m match.Matcher }

// Match returns m's reason for got, unless got lacks its leading slash and
// m accepts it with one.
func (r resourcePath) Match(got gjson.Result) string {
	reason := r.m.Match(got)
	if reason == "" || got.Type != gjson.String || strings.HasPrefix(got.Str, "/") {
		return reason
	}
	rooted := "/" + got.Str
	if r.m.Match(gjson.Result{Type: gjson.String, Str: rooted, Raw: strconv.Quote(rooted)}) == "" {
		return ""
	}
	return reason
}

// String renders the matcher as the fixture wrote it.
func (r resourcePath) String() string { return r.m.String() }

// await judges the notifications not yet taken by earlier blocks, then each
// new arrival, until the block is settled (met, or decided failed) or its
// bound passes. The wait is event-driven: the receiver wakes it on each
// arrival, so a decided block returns as soon as the deciding notification
// is judged.
func (s *scenario) await(ctx context.Context, a *fixture.Await) error {
	block, err := CompileBlock(a, s.lookup)
	if err != nil {
		return err
	}
	j := judge.New(block, s.prior)
	ctx, cancel := context.WithTimeout(ctx, s.within(a))
	defer cancel()
	timedOut, err := s.judgeArrivals(ctx, j)
	if err != nil {
		return err
	}
	v := j.Verdict(timedOut)
	for name, idx := range v.Matched {
		s.prior[name] = idx
	}
	if !v.OK {
		return &verdictError{v}
	}
	return s.captureFrom(j, a, v)
}

// within is the bound of block a: the runner's forbid window for a block
// that only forbids, else its own, else the runner's, else the default.
func (s *scenario) within(a *fixture.Await) time.Duration {
	if s.r.ForbidWindow > 0 && len(a.Expect) == 0 && len(a.Forbid) > 0 {
		return s.r.ForbidWindow
	}
	if a.Within != 0 {
		return time.Duration(a.Within)
	}
	if s.r.Within != 0 {
		return s.r.Within
	}
	return fixture.DefaultWithin
}

// judgeArrivals offers j what it has not seen, then waits for each new
// arrival, until j is done or ctx ends (timedOut). A refused POST or an
// overflowed run ends the wait with an error.
func (s *scenario) judgeArrivals(ctx context.Context, j *judge.Judge) (timedOut bool, err error) {
	next := 0
	offer := func() {
		for _, n := range s.run.Since(next) {
			next = n.Index + 1
			s.offer(j, n)
		}
	}
	offer()
	for !j.Done() {
		if err := s.run.WaitFor(ctx, next, s.refusals); err != nil {
			if errors.Is(err, receiver.ErrTooManyNotifications) {
				offer()
				return false, fmt.Errorf("callback: %w", err)
			}
			if errors.Is(err, receiver.ErrRefused) {
				return false, s.callbackTrouble()
			}
			if ctx.Err() != nil {
				return true, nil
			}
			return false, err
		}
		offer()
	}
	return false, nil
}

// offer gives n to j unless an earlier block took it. A redelivery goes to
// j too (to be shown, or to fail a block that fails on duplicates), and is
// taken with its original: by an earlier block, or by j.
func (s *scenario) offer(j *judge.Judge, n timeline.Notification) {
	if s.isConsumed(n.Index) {
		return
	}
	if n.Redelivery && s.isConsumed(n.Original) {
		s.consume(n.Index)
	}
	if j.Offer(n) {
		s.consume(n.Index)
	}
}

// captureFrom takes the captures of block a from the notifications its
// expectations matched (verdict v of judge j).
func (s *scenario) captureFrom(j *judge.Judge, a *fixture.Await, v judge.Verdict) error {
	for _, e := range a.Expect {
		for _, name := range match.SortedKeys(e.Capture) {
			idx := v.Matched[e.Name]
			if len(idx) == 0 {
				return fmt.Errorf("capture %q: expectation %q took no notification (it is optional and absent)", name, e.Name)
			}
			item, _ := j.Item(idx[0])
			val, err := takeCapture(e.Capture[name], captureInput{item: item})
			if err != nil {
				return fmt.Errorf("capture %q from notification #%d: %w", name, idx[0], err)
			}
			s.captures[name] = val
		}
	}
	return nil
}

func (s *scenario) isConsumed(i int) bool { return i < len(s.consumed) && s.consumed[i] }

func (s *scenario) consume(i int) {
	for len(s.consumed) <= i {
		s.consumed = append(s.consumed, false)
	}
	s.consumed[i] = true
}

// unmatched returns the notifications no block took.
func (s *scenario) unmatched() []Unmatched {
	var out []Unmatched
	for _, n := range s.run.Since(0) {
		if !s.isConsumed(n.Index) {
			item := timeline.RedactBytes(n.Item)
			if !json.Valid(item) {
				item, _ = json.Marshal(string(item))
			}
			u := Unmatched{Index: n.Index, At: n.At, Item: item}
			if n.Redelivery {
				u.RedeliveryOf = &n.Original
			}
			out = append(out, u)
		}
	}
	return out
}
