package playback

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/match"
	"github.com/callconform/callconform/internal/guid"
)

// Exemplars: the answers and notification items a recording kept whole
// (Step.Answer, Expectation.Exemplar), served as they were with their ids
// put in: each {{variable}} takes its value (an id the scenario has not
// met yet is minted, and kept from then on), and each id the recording
// left as it was is replaced by one fresh id per scenario, written the way
// the recording wrote it (dashed or not, upper or lower case), wherever
// and however often it appears.

// literalIDRE finds GUIDs written dashed or as 32 hex digits.
var literalIDRE = regexp.MustCompile(`\b(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{32})\b`)

// wellKnownIDs are ids the service writes as constants, kept as they are:
// the nil GUID (a meeting's label) and the Graph application's id.
var wellKnownIDs = map[string]bool{
	guid.Normalize("00000000-0000-0000-0000-000000000000"): true,
	guid.Normalize("00000003-0000-0000-c000-000000000000"): true,
}

// unmintable are the built-ins that are never minted: they have a value,
// or the scenario cannot go on without one.
var unmintable = map[string]bool{"callbackUrl": true, "baseUrl": true}

// mintLookup resolves a variable of an exemplar: its value, else a fresh
// id, fixed in the scenario from then on, as an id the service mints.
func (s *scenario) mintLookup(name string) (string, bool) {
	if v, ok := s.lookup(name); ok {
		return v, true
	}
	if unmintable[name] {
		return "", false
	}
	v := guid.NewString()
	s.vars[name] = v
	return v, true
}

// substituteIDs replaces each id text holds literally, in any form, by the
// fresh id of the scenario that stands for it, in the same form. An id
// the scenario already holds as a variable's value (the bot's own, a
// configured one) and the well-known ids are kept.
func (s *scenario) substituteIDs(text string) string {
	if !literalIDRE.MatchString(text) {
		return text
	}
	return literalIDRE.ReplaceAllStringFunc(text, func(id string) string {
		g, ok := guid.Parse(id)
		if !ok {
			return id
		}
		norm := guid.Normalize(id)
		fresh, seen := s.literalIDs[norm]
		if !seen {
			if wellKnownIDs[norm] || s.holds(norm) {
				s.literalIDs[norm] = g
				return id
			}
			fresh = guid.New()
			s.literalIDs[norm] = fresh
		}
		return inFormOf(id, fresh)
	})
}

// keepSentIDs notes the ids a bot's request holds: an exemplar that
// writes one of them keeps it (the bot chose it: a user it invites, its
// own application). m.mu is held.
func (s *scenario) keepSentIDs(req *request) {
	for _, text := range []string{req.path, string(req.body)} {
		for _, id := range literalIDRE.FindAllString(text, -1) {
			norm := guid.Normalize(id)
			if _, seen := s.literalIDs[norm]; seen {
				continue
			}
			if g, ok := guid.Parse(id); ok {
				s.literalIDs[norm] = g
			}
		}
	}
}

// holds reports whether an id (normalized) is the value of a variable of
// the scenario, set or defaulted.
func (s *scenario) holds(norm string) bool {
	for _, v := range s.vars {
		if guid.Normalize(v) == norm {
			return true
		}
	}
	for _, v := range s.f.Vars {
		if guid.Normalize(v) == norm {
			return true
		}
	}
	return false
}

// inFormOf writes g the way like is written: dashed or not, upper or
// lower case.
func inFormOf(like string, g guid.GUID) string {
	out := g.Hex()
	if strings.Contains(like, "-") {
		out = g.String()
	}
	if strings.ToUpper(like) == like && strings.ToLower(like) != like {
		out = strings.ToUpper(out)
	}
	return out
}

// expandExemplar returns a recorded JSON document with its ids put in,
// compact, its keys in the recorded order.
func (s *scenario) expandExemplar(raw json.RawMessage) ([]byte, error) {
	text := s.substituteIDs(string(raw))
	out, err := fixture.ExpandJSON(json.RawMessage(text), s.mintLookup)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Compact(&b, out); err != nil {
		return nil, fmt.Errorf("exemplar: %w", err)
	}
	return b.Bytes(), nil
}

// hopHeaders are recorded headers an answer never repeats: the server
// writes its own.
var hopHeaders = map[string]bool{"Content-Length": true, "Transfer-Encoding": true, "Connection": true, "Date": true, "Keep-Alive": true}

// recordedAnswer returns send step st's recorded answer with its ids put
// in; a relative Location (or Content-Location) is put on base, the mock's
// own URL as the bot reached it.
func (s *scenario) recordedAnswer(st *fixture.Step, base string) (answer, error) {
	a := st.Answer
	ans := answer{status: a.Status, header: http.Header{}}
	for _, h := range match.SortedKeys(a.Headers) {
		key := http.CanonicalHeaderKey(h)
		if hopHeaders[key] {
			continue
		}
		v, err := fixture.Expand(s.substituteIDs(a.Headers[h]), s.mintLookup)
		if err != nil {
			return ans, fmt.Errorf("answer header %s: %w", h, err)
		}
		if (key == "Location" || key == "Content-Location") && strings.HasPrefix(v, "/") {
			v = base + v
		}
		ans.header.Set(key, v)
	}
	if len(bytes.TrimSpace(a.Body)) > 0 {
		b, err := s.expandExemplar(a.Body)
		if err != nil {
			return ans, fmt.Errorf("answer body: %w", err)
		}
		ans.body = b
		if ans.header.Get("Content-Type") == "" {
			ans.header.Set("Content-Type", "application/json")
		}
	}
	return ans, nil
}

// exemplarItem returns the notification item e recorded, its ids put in,
// and takes e's captures from it as the harness would.
func (s *scenario) exemplarItem(e *fixture.Expectation) ([]byte, error) {
	item, err := s.expandExemplar(e.Exemplar)
	if err != nil {
		return nil, err
	}
	if !gjson.ParseBytes(item).IsObject() {
		return nil, errors.New("the exemplar is not an object")
	}
	for _, n := range match.SortedKeys(e.Capture) {
		v, err := captureItem(e.Capture[n], item)
		if err != nil {
			return nil, fmt.Errorf("capture %q from the exemplar: %w", n, err)
		}
		s.vars[n] = v
	}
	return item, nil
}

// captureItem takes a capture from a notification item: a JSON path, a
// resource expression, or the first of several that gives a value.
func captureItem(c fixture.Capture, item []byte) (string, error) {
	if len(c.First) > 0 {
		var why []string
		for _, alt := range c.First {
			v, err := captureItem(alt, item)
			if err == nil {
				return v, nil
			}
			why = append(why, err.Error())
		}
		return "", fmt.Errorf("first: no source gave a value: %s", strings.Join(why, "; "))
	}
	if c.Resource != "" {
		re, err := match.Regexp(c.Resource)
		if err != nil {
			return "", err
		}
		for _, field := range []string{"resourceUrl", "resource"} {
			if m := re.FindStringSubmatch(gjson.GetBytes(item, field).Str); m != nil {
				return m[len(m)-1], nil
			}
		}
		return "", fmt.Errorf("resource %q matches no resource path of the item", c.Resource)
	}
	r := gjson.GetBytes(item, c.JSON)
	if c.JSON == "" || !r.Exists() {
		return "", fmt.Errorf("no %q in the item", c.JSON)
	}
	v := r.Raw
	if r.Type == gjson.String {
		v = r.Str
	}
	return applyRegex(c.Regex, v)
}
