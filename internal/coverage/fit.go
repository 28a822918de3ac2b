package coverage

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/match"
)

// placeholder stands for a {{var}} with no default value (a capture or a
// built-in such as uuid): it fits a path parameter and nothing else.
const placeholder = "\x00var\x00"

// Sample ids put into a path template's parameters to try a regular
// expression on it: the docs write one id both ways.
var sampleIDs = []string{"57dab8b1-894c-409a-b240-bd8beae78896", "57DAB8B1894C409AB240BD8BEAE78896"}

// namespace is the prefix an action segment may carry
// (/communications/calls/{id}/microsoft.graph.sendDtmfTones).
const namespace = "microsoft.graph."

// segments splits a path into its segments: without scheme and host,
// query, fragment, and leading or trailing slash.
func segments(p string) []string {
	if u, err := url.Parse(p); err == nil && u.Scheme != "" && u.Host != "" {
		p = u.EscapedPath()
	}
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// isParam reports whether a template segment is a parameter: {name}.
func isParam(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' && !strings.HasPrefix(seg, "{{")
}

// fitPath reports whether the concrete path p (its {{vars}} already
// replaced) fits the template, and how specific the fit is: the number of
// literal segments it matched, so that /calls/{id}/participants/invite
// wins over /calls/{id}/participants/{id} for ".../participants/invite".
// A parameter takes any segment, an id in any casing; a literal segment is
// compared without case, and may carry the microsoft.graph. prefix; a
// segment holding a {{var}} without default (the placeholder, which no
// template holds) fits only a parameter.
func fitPath(p, template string) (score int, ok bool) {
	got, want := segments(p), segments(template)
	if len(got) != len(want) {
		return 0, false
	}
	for i, w := range want {
		g := got[i]
		if g == "" {
			return 0, false
		}
		if isParam(w) {
			continue
		}
		if un, err := url.PathUnescape(g); err == nil {
			g = un
		}
		if len(g) > len(namespace) && strings.EqualFold(g[:len(namespace)], namespace) {
			g = g[len(namespace):]
		}
		if !strings.EqualFold(g, w) {
			return 0, false
		}
		score++
	}
	return score, true
}

// samples are the concrete paths of a template, one per sample id, with
// and without its leading slash (some pages leave it out).
func samples(template string) []string {
	var out []string
	for _, id := range sampleIDs {
		segs := segments(template)
		for i, s := range segs {
			if isParam(s) {
				segs[i] = id
			}
		}
		p := strings.Join(segs, "/")
		out = append(out, "/"+p, p)
	}
	return out
}

// expander expands a fixture's {{vars}}: a var with a default takes it,
// any other (a capture, a built-in) the placeholder, or in a regular
// expression a sample id.
type expander map[string]string

func (x expander) plain(s string) string {
	out, err := fixture.Expand(s, func(name string) (string, bool) {
		if v, ok := x[name]; ok {
			return v, true
		}
		return placeholder, true
	})
	if err != nil {
		return s
	}
	return out
}

func (x expander) regex(s string) string {
	out, err := fixture.Expand(s, func(name string) (string, bool) {
		if v, ok := x[name]; ok {
			return v, true
		}
		return sampleIDs[0], true
	})
	if err != nil {
		return s
	}
	return out
}

func (x expander) json(raw json.RawMessage) json.RawMessage {
	out, err := fixture.ExpandJSON(raw, func(name string) (string, bool) {
		if v, ok := x[name]; ok {
			return v, true
		}
		return sampleIDs[0], true
	})
	if err != nil {
		return raw
	}
	return out
}

// fitResource reports whether an expectation's resource matcher accepts
// a resource the template names: a plain string (or $sameId, $eq) fits as
// a path; a regular expression fits when it matches a sample of the
// template; $oneOf fits when one of its matchers does. Any other form
// ($exists, $type) names no resource and fits none.
func fitResource(raw json.RawMessage, template string, x expander) bool {
	v := gjson.ParseBytes(raw)
	switch {
	case v.Type == gjson.String && strings.HasPrefix(v.Str, "~"):
		re, err := match.Regexp(x.regex(v.Str)[1:])
		if err != nil {
			return false
		}
		for _, s := range samples(template) {
			if re.MatchString(s) {
				return true
			}
		}
		return false
	case v.Type == gjson.String:
		_, ok := fitPath(x.plain(v.Str), template)
		return ok
	case v.IsObject():
		if s := v.Get(`\$sameId`); s.Type == gjson.String {
			_, ok := fitPath(x.plain(s.Str), template)
			return ok
		}
		if s := v.Get(`\$eq`); s.Type == gjson.String {
			_, ok := fitPath(x.plain(s.Str), template)
			return ok
		}
		fits := false
		v.Get(`\$oneOf`).ForEach(func(_, m gjson.Result) bool {
			fits = fitResource(json.RawMessage(m.Raw), template, x)
			return !fits
		})
		return fits
	}
	return false
}

// stateKeys are the where paths that read a call's state: state, and the
// 2018 pages' callState.
var stateKeys = []string{"resourceData.state", "resourceData.callState"}

// fitKind reports whether an expectation (or forbid pattern) checks a
// notification kind: the same changeType, a resource of the kind, and a
// where that accepts one of its states and reads its field.
func fitKind(p fixture.Pattern, k Kind, x expander) bool {
	if !strings.EqualFold(p.ChangeType, k.ChangeType) || len(p.Resource) == 0 {
		return false
	}
	resource := false
	for _, r := range k.Resources {
		if fitResource(p.Resource, r, x) {
			resource = true
			break
		}
	}
	if !resource {
		return false
	}
	if len(k.States) > 0 && !acceptsState(p.Where, k.States, x) {
		return false
	}
	if k.Field != "" && !readsField(p.Where, k.Field) {
		return false
	}
	return true
}

// acceptsState reports whether where has a state matcher that accepts one
// of states.
func acceptsState(where map[string]json.RawMessage, states []string, x expander) bool {
	for _, key := range stateKeys {
		raw, ok := where[key]
		if !ok {
			continue
		}
		m, err := match.Compile(x.json(raw))
		if err != nil {
			continue
		}
		for _, s := range states {
			if m.Match(gjson.Parse(strconv.Quote(s))) == "" {
				return true
			}
		}
	}
	return false
}

// readsField reports whether a where path is field or below it.
func readsField(where map[string]json.RawMessage, field string) bool {
	for key := range where {
		if key == field || strings.HasPrefix(key, field+".") || strings.HasPrefix(key, field+"|") {
			return true
		}
	}
	return false
}
