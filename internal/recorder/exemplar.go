package recorder

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness/fixture"
)

// answer returns the upstream's answer to x as replay serve gives it:
// status, Location relative to the upstream's base with its ids as
// variables, the other headers kept, and the whole body, redacted, ids
// templated, callbacks {{callbackUrl}} and the upstream's absolute URLs
// under {{baseUrl}}. A body cut short, or not JSON, is left out.
func (b *builder) answer(x *exchange) *fixture.ExemplarAnswer {
	a := &fixture.ExemplarAnswer{Status: x.status}
	set := func(k, v string) {
		if a.Headers == nil {
			a.Headers = map[string]string{}
		}
		a.Headers[k] = v
	}
	if x.location != "" {
		rel := b.relative(x.location)
		if !strings.HasPrefix(rel, "/") {
			rel = "/" + rel
		}
		set("Location", b.red.text(b.templ(rel)))
	}
	for _, k := range slices.Sorted(maps.Keys(x.respHeader)) {
		if !b.red.dropHeader(k) {
			set(k, b.red.text(b.templ(x.respHeader[k])))
		}
	}
	if x.truncated || len(x.respBody) == 0 {
		return a
	}
	if v, err := parseJSON(x.respBody); err == nil {
		b.scrubExemplar(v, nil)
		a.Body = v.marshal()
	}
	return a
}

// exemplar returns a notification item as recorded, for replay serve:
// every member kept (@odata.type, resource and resourceUrl, arrays as
// arrays), redacted, ids templated. It rewrites it in place.
func (b *builder) exemplar(it *jvalue) []byte {
	b.scrubExemplar(it, nil)
	return it.marshal()
}

// scrubExemplar rewrites a recorded answer or notification in place:
// callbacks become {{callbackUrl}}, the upstream's absolute URLs
// {{baseUrl}}/..., known ids their variables, and the rest is redacted.
func (b *builder) scrubExemplar(v *jvalue, path []string) { b.scrubJSON(v, path, false) }

// underBase returns what follows base in s when s is an absolute URL under
// base.
func underBase(s, base string) (string, bool) {
	if base == "" || !strings.HasPrefix(s, base) {
		return "", false
	}
	rest := s[len(base):]
	if rest != "" && strings.IndexByte("/?#", rest[0]) < 0 {
		return "", false
	}
	return rest, true
}

// relative returns the path of a URL the upstream wrote, without the
// upstream's base path: /communications/calls/{id} for
// https://graph.microsoft.com/v1.0/communications/calls/{id}. The path is
// read as written (a {{variable}} in it stays one).
func (b *builder) relative(loc string) string {
	p := loc
	if i := strings.Index(p, "://"); i >= 0 {
		rest := p[i+3:]
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			p = rest[j:]
		} else {
			p = "/"
		}
	}
	if b.basePath != "" && (p == b.basePath || strings.HasPrefix(p, b.basePath+"/")) {
		p = strings.TrimPrefix(p, b.basePath)
	}
	return p
}

// matchSkipped are the members of a request body whose content does not
// identify the request: media configuration, prompts, the callback (replay
// serve gives its own) and the bot's correlation id.
var matchSkipped = map[string]bool{
	"mediaconfig": true, "prompts": true, "callback": true, "callbackuri": true, "callbackurl": true,
	"clientcontext": true, "subject": true,
}

// matchKeys are the members under which a request body's values identify
// the request: who it targets, which calls, which modalities, which
// meeting.
var matchKeys = map[string]bool{
	"targets": true, "source": true, "participants": true, "identity": true, "replacescallid": true,
	"meetinginfo": true, "chatinfo": true, "requestedmodalities": true, "acceptedmodalities": true,
	"acceptmodalities": true, "modalities": true, "tenantid": true, "transfertarget": true,
	"transferee": true, "callroutes": true, "reason": true,
}

// matchPaths returns the gjson paths of the values of a (scrubbed) request
// body that identify the request, in body order: the leaves under
// matchKeys (display names and @odata.type aside: a bot may leave the
// types out, as the pages' own examples often do), any {{variable}} (an
// id), and arrays of scalars (modalities) whole. Optional content
// (prompts, media configuration, client context) is left out. nil when
// none.
func matchPaths(body *jvalue) []string {
	var out []string
	var walk func(v *jvalue, path []string, keyed bool)
	walk = func(v *jvalue, path []string, keyed bool) {
		switch v.kind {
		case 'o':
			for i, k := range v.keys {
				lk := strings.ToLower(k)
				if matchSkipped[lk] {
					continue
				}
				walk(v.vals[i], append(path[:len(path):len(path)], gjson.Escape(k)), keyed || matchKeys[lk])
			}
		case 'a':
			if len(v.vals) > 0 && v.scalarsOnly() {
				if keyed && len(path) > 0 {
					out = append(out, strings.Join(path, "."))
				}
				return
			}
			for i, e := range v.vals {
				walk(e, append(path[:len(path):len(path)], strconv.Itoa(i)), keyed)
			}
		default:
			if len(path) == 0 {
				return
			}
			last := strings.ToLower(path[len(path)-1])
			switch {
			case last == "displayname", last == `\@odata\.type`:
			case keyed, v.kind == 's' && isTemplate(v.text) && v.text != "{{callbackUrl}}":
				out = append(out, strings.Join(path, "."))
			}
		}
	}
	walk(body, nil, false)
	return out
}

// scalarsOnly reports whether an array holds no object nor array.
func (v *jvalue) scalarsOnly() bool {
	for _, e := range v.vals {
		if e.kind == 'o' || e.kind == 'a' {
			return false
		}
	}
	return true
}
