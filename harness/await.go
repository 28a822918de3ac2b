package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

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
// string compared as ids are) and its where-conditions.
func CompilePattern(fp *fixture.Pattern, lookup fixture.Lookup) (judge.Pattern, error) {
	p := judge.Pattern{Name: fp.Name, ChangeType: fp.ChangeType}
	if len(fp.Resource) > 0 {
		raw, err := fixture.ExpandJSON(fp.Resource, lookup)
		if err != nil {
			return p, err
		}
		if p.Resource, err = match.CompileResource(raw); err != nil {
			return p, err
		}
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

// await judges the notifications not yet taken by earlier blocks, then each
// new arrival, until the block is settled or its bound passes. The wait is
// event-driven: the receiver wakes it on each arrival.
func (s *scenario) await(ctx context.Context, a *fixture.Await) error {
	block, err := CompileBlock(a, s.lookup)
	if err != nil {
		return err
	}
	within := time.Duration(a.Within)
	if within == 0 {
		within = s.r.Within
	}
	if within == 0 {
		within = fixture.DefaultWithin
	}
	j := judge.New(block, s.prior)
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	next := 0
	offer := func() {
		for _, n := range s.run.Since(next) {
			next = n.Index + 1
			if s.isConsumed(n.Index) {
				continue
			}
			if j.Offer(n) {
				s.consume(n.Index)
			}
		}
	}
	offer()
	timedOut := false
	for !j.Done() {
		if err := s.run.WaitFor(ctx, next, s.refusals); err != nil {
			if errors.Is(err, receiver.ErrTooManyNotifications) {
				offer()
				return fmt.Errorf("callback: %w", err)
			}
			if errors.Is(err, receiver.ErrRefused) {
				return s.callbackTrouble()
			}
			if ctx.Err() != nil {
				timedOut = true
				break
			}
			return err
		}
		offer()
	}
	v := j.Verdict(timedOut)
	for name, idx := range v.Matched {
		s.prior[name] = idx
	}
	if !v.OK {
		return &verdictError{v}
	}
	for _, e := range a.Expect {
		for _, name := range match.SortedKeys(e.Capture) {
			idx := v.Matched[e.Name]
			if len(idx) == 0 {
				return fmt.Errorf("capture %q: expectation %q took no notification (it is optional and absent)", name, e.Name)
			}
			item, _ := j.Item(idx[0])
			c := e.Capture[name]
			val, err := captureJSON(item, c.JSON)
			if err == nil {
				val, err = applyRegex(c.Regex, val)
			}
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
			out = append(out, Unmatched{Index: n.Index, At: n.At, Item: item})
		}
	}
	return out
}
