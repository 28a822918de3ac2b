package recorder

import (
	"maps"
	"strings"
)

// bitset is a set of small non-negative integers.
type bitset struct{ w []uint64 }

func (s *bitset) set(i int) {
	for len(s.w) <= i/64 {
		s.w = append(s.w, 0)
	}
	s.w[i/64] |= 1 << (i % 64)
}

func (s *bitset) has(i int) bool {
	return s != nil && i/64 < len(s.w) && s.w[i/64]&(1<<(i%64)) != 0
}

// genSetSize bounds each of a genSet's two generations.
const genSetSize = 4096

// genSet is a set that forgets its oldest members: it holds the last
// genSetSize to 2×genSetSize added, so that its memory is bounded.
type genSet struct{ cur, old map[string]struct{} }

func (g *genSet) add(k string) {
	if g.cur == nil {
		g.cur = map[string]struct{}{}
	}
	g.cur[k] = struct{}{}
	if len(g.cur) >= genSetSize {
		g.old, g.cur = g.cur, map[string]struct{}{}
	}
}

func (g *genSet) has(k string) bool {
	if _, ok := g.cur[k]; ok {
		return true
	}
	_, ok := g.old[k]
	return ok
}

// isCall reports whether a resource is a call itself (.../calls/{id}).
func isCall(resource string) bool {
	segs := splitPath(resource)
	return len(segs) >= 2 && strings.EqualFold(segs[len(segs)-2], "calls")
}

// completed records an operation's completion, named name, on call: the
// notifications on its call's roster and on the calls its request named
// are ordered after it.
func (b *builder) completed(op, name, call string) {
	o := b.origin[op]
	delete(b.origin, op)
	related := map[string]bool{}
	for id := range o.related {
		if id != call {
			related[id] = true
		}
	}
	d := &opDone{name: name, call: call, related: related, done: map[string]bool{}}
	if call != "" {
		b.opsByCall[call] = append(b.opsByCall[call], d)
	}
	for id := range related {
		b.opsByCall[id] = append(b.opsByCall[id], d)
	}
}

// closeCall notes that a call was deleted. Once 2×closeWindow calls have
// ended, what the oldest closeWindow of them minted and named is forgotten
// at once (one pass over the builder's maps, whose size is bounded by the
// calls open and recently ended).
func (b *builder) closeCall(call string) {
	if call == "" {
		return
	}
	b.closed = append(b.closed, call)
	if len(b.closed) < 2*closeWindow {
		return
	}
	gone := map[string]bool{}
	for _, c := range b.closed[:closeWindow] {
		gone[c] = true
	}
	b.closed = append(b.closed[:0], b.closed[closeWindow:]...)
	maps.DeleteFunc(b.ids, func(_ string, v *idVar) bool { return v.base != "" && gone[v.call] })
	maps.DeleteFunc(b.declined, func(_ string, c string) bool { return gone[c] })
	maps.DeleteFunc(b.lastOn, func(res string, _ string) bool { return gone[callOf(res)] })
	maps.DeleteFunc(b.names, func(_ string, u nameUse) bool { return u.call != "" && gone[u.call] })
	maps.DeleteFunc(b.origin, func(_ string, o opOrigin) bool { return gone[o.call] })
	maps.DeleteFunc(b.opsByCall, func(c string, _ []*opDone) bool { return gone[c] })
}
