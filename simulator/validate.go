package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Limits of invite (both profiles) and of a new call's targets (v1.0): "up
// to 5" participants, a clientContext of "max 256 chars".
const (
	maxInvitees         = 5
	maxClientContextLen = 256
)

// modalities a call may request or accept.
var knownModalities = map[string]bool{"audio": true, "video": true, "videoBasedScreenSharing": true, "data": true}

func isNull(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	return len(v) == 0 || string(v) == "null"
}

func kindOf(v json.RawMessage) byte {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return 0
	}
	return v[0]
}

// present reports whether member k is there and not null.
func (o object) present(k string) bool {
	v, ok := o[k]
	return ok && !isNull(v)
}

// str reads an optional string member.
func (o object) str(k string) (string, bool, error) {
	if !o.present(k) {
		return "", false, nil
	}
	s, ok := jsonString(o[k])
	if !ok {
		return "", true, fmt.Errorf("%s must be a string", k)
	}
	return s, true, nil
}

// plainString reports whether b, between a string's quotes, is its value
// as is: no escape, quote or control character, valid UTF-8.
func plainString(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(b)
}

// jsonString decodes v, a JSON value, if it is a string. A string without
// escapes, in valid UTF-8, is v's own bytes: no decoder is needed.
func jsonString(v json.RawMessage) (string, bool) {
	v = bytes.Trim(v, " \t\r\n") // JSON's white space, no other
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	if inner := v[1 : len(v)-1]; plainString(inner) {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

// rawObject reads an optional object member, kept raw.
func (o object) rawObject(k string) (json.RawMessage, error) {
	if !o.present(k) {
		return nil, nil
	}
	if kindOf(o[k]) != '{' {
		return nil, fmt.Errorf("%s must be an object", k)
	}
	return compact(o[k]), nil
}

// array reads an optional array member.
func (o object) array(k string) ([]json.RawMessage, bool, error) {
	if !o.present(k) {
		return nil, false, nil
	}
	var a []json.RawMessage
	if kindOf(o[k]) != '[' || json.Unmarshal(o[k], &a) != nil {
		return nil, true, fmt.Errorf("%s must be an array", k)
	}
	return a, true, nil
}

// callback reads the required callback member of a request of the
// test-control API, and of beta-2018: callback.
func (o object) callback() (string, error) { return o.callbackAs("callback", "callbackUri") }

// callback reads the required callback member of a request under p.
func (p *profile) callback(o object) (string, error) {
	return o.callbackAs(p.callbackField(), p.otherCallbackField())
}

// namedBy is the profile that names a member so, for the errors of a
// request that uses the other profile's name.
var namedBy = map[string]string{
	"callback": ProfileBeta2018, "callbackUri": ProfileV1,
	"acceptModalities": ProfileBeta2018, "acceptedModalities": ProfileV1,
}

// renamed is the error of a request that lacks member name and has other,
// the other profile's name for it.
func renamed(name, other string) error {
	return fmt.Errorf("%s is required (%s names it %s; %s is the %s name)", name, namedBy[name], name, other, namedBy[other])
}

// callbackAs reads the required callback member called name: an absolute
// http(s) URL. other is its name in the other profile.
func (o object) callbackAs(name, other string) (string, error) {
	s, ok, err := o.str(name)
	if err != nil {
		return "", err
	}
	if !ok {
		if o.present(other) {
			return "", renamed(name, other)
		}
		return "", fmt.Errorf("%s is required: the absolute http(s) URL where notifications are posted", name)
	}
	if !isAbsoluteHTTPURL(s) {
		return "", fmt.Errorf("%s %q is not an absolute http(s) URL", name, s)
	}
	return s, nil
}

// modalities reads an optional list of modalities.
func (o object) modalities(k string) ([]string, bool, error) {
	a, ok, err := o.array(k)
	if err != nil || !ok {
		return nil, ok, err
	}
	out := make([]string, 0, len(a))
	for i, v := range a {
		var m string
		if kindOf(v) != '"' || json.Unmarshal(v, &m) != nil || !knownModalities[m] {
			return nil, true, fmt.Errorf("%s[%d] must be one of audio, video, videoBasedScreenSharing, data", k, i)
		}
		out = append(out, m)
	}
	return out, true, nil
}

// clientContextUpTo reads the optional clientContext: a string of at most
// max characters (0: any length).
func (o object) clientContextUpTo(max int) (*string, error) {
	s, ok, err := o.str("clientContext")
	if err != nil || !ok {
		return nil, err
	}
	if max > 0 && utf8.RuneCountInString(s) > max {
		return nil, fmt.Errorf("clientContext is longer than %d characters", max)
	}
	return &s, nil
}

// participantInfo checks that v is an object with an identity object and
// returns both, parsed and raw.
func participantInfo(name string, v json.RawMessage) (object, json.RawMessage, error) {
	var p object
	if kindOf(v) != '{' || json.Unmarshal(v, &p) != nil {
		return nil, nil, fmt.Errorf("%s must be an object", name)
	}
	if !p.present("identity") {
		return nil, nil, fmt.Errorf("%s.identity is required", name)
	}
	identity, err := p.rawObject("identity")
	if err != nil {
		return nil, nil, fmt.Errorf("%s.%v", name, err)
	}
	return p, identity, nil
}

// participantInfos checks an optional array of participantInfo.
func (o object) participantInfos(k string) ([]json.RawMessage, error) {
	a, _, err := o.array(k)
	if err != nil {
		return nil, err
	}
	for i, v := range a {
		if _, _, err := participantInfo(fmt.Sprintf("%s[%d]", k, i), v); err != nil {
			return nil, err
		}
		a[i] = compact(v)
	}
	return a, nil
}

// compact returns v without insignificant white space: v itself when it
// has none, as bots mostly send it.
func compact(v json.RawMessage) json.RawMessage {
	if !hasSpace(v) {
		return v
	}
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return v
	}
	return b.Bytes()
}

// hasSpace reports whether the JSON value v has white space outside its
// strings.
func hasSpace(v []byte) bool {
	in, esc := false, false
	for _, c := range v {
		switch {
		case esc:
			esc = false
		case in && c == '\\':
			esc = true
		case c == '"':
			in = !in
		case !in && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return true
		}
	}
	return false
}
