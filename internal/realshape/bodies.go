package realshape

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/internal/realtraffic"
)

// The real bodies the target plays, by their path under
// internal/realtraffic/testdata (SOURCES.md says where each comes from).
const (
	p2pEstablishing     = "graph-docs-v1.0/create-p2p/01-establishing.json"
	p2pEstablished      = "graph-docs-v1.0/create-p2p/02-established.json"
	groupEstablishing   = "graph-calling-bots/group-call/01-establishing.json"
	groupEstablished    = "graph-calling-bots/group-call/02-established.json"
	groupRoster         = "graph-calling-bots/group-call/03-roster-bot-joined.json"
	meetingEstablishing = "graph-docs-v1.0/join-meeting/01-establishing.json"
	meetingEstablished  = "graph-docs-v1.0/join-meeting/02-established.json"
	meetingRoster       = "graph-docs-v1.0/join-meeting/03-roster.json"
	instanceRoster      = "graph-calling-bots/group-call/04-roster-user-joined.json"
	incoming            = "graph-docs-v1.0/answer/01-incoming.json"
	answerEstablishing  = "graph-docs-v1.0/answer/02-establishing.json"
	answerEstablished   = "graph-docs-v1.0/answer/03-established.json"
	hangUpTerminating   = "graph-docs-contrib-v1.0/delete/01-terminating.json"
	hangUpTerminated    = "graph-docs-contrib-v1.0/delete/02-deleted-terminated.json"
	inviteDone          = "graph-docs-v1.0/invite/01-operation-completed.json"
	inviteRoster        = "graph-docs-v1.0/invite/02-roster.json"
	pstnDone            = "graph-docs-v1.0/invite-pstn/01-operation-completed.json"
	pstnRoster          = "graph-docs-v1.0/invite-pstn/02-roster.json"
	replacingDone       = "graph-docs-v1.0/invite-replacing-p2p/01-operation-completed.json"
	replacingRoster     = "graph-docs-v1.0/invite-replacing-p2p/02-roster.json"
	// No source shows how a replaced call ends in v1.0 ("you can expect
	// to receive notifications on how your original peer-to-peer call has
	// been terminated and deleted"): a recorded call's end stands in.
	replacedEnds = "graph-calling-bots/p2p-outgoing/06-deleted-terminated.json"
)

// The documented answers the target gives, by name under
// answers/graph-docs-v1.0.
const (
	answerSource    = "graph-docs-v1.0"
	createAnswer    = "create-call"
	deleteAnswer    = "delete-call"
	keepAliveAnswer = "keep-alive"
	answerAnswer    = "answer"
	inviteAnswer    = "invite"
)

var (
	loadOnce sync.Once
	samples  map[string]realtraffic.Sample // by Sample.Path
	answers  map[string]realtraffic.Answer // by name, of answerSource
	loadErr  error
)

// load reads the real bodies once.
func load() error {
	loadOnce.Do(func() {
		samples = map[string]realtraffic.Sample{}
		for _, s := range realtraffic.Notifications() {
			samples[s.Path()] = s
		}
		all, err := realtraffic.Answers()
		if err != nil {
			loadErr = err
			return
		}
		answers = map[string]realtraffic.Answer{}
		for _, a := range all {
			if a.Source == answerSource {
				answers[a.Name] = a
			}
		}
	})
	return loadErr
}

// note is a notification being built from a real body: the whole body as
// its source has it, and its one item.
type note struct {
	top  map[string]any
	item map[string]any
}

// sample decodes the real notification body at path for the target to
// shape, and records its use.
func (h *Handler) sample(path string) (*note, error) {
	if err := load(); err != nil {
		return nil, err
	}
	s, ok := samples[path]
	if !ok {
		return nil, fmt.Errorf("realshape: no real body %s", path)
	}
	top, err := decodeObject(s.Body)
	if err != nil {
		return nil, fmt.Errorf("realshape: %s: %w", path, err)
	}
	items, _ := top["value"].([]any)
	if len(items) == 0 {
		return nil, fmt.Errorf("realshape: %s has no item", path)
	}
	item, ok := items[0].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("realshape: %s: its item is not an object", path)
	}
	h.used(path)
	return &note{top: top, item: item}, nil
}

// documented returns the documented answer name and records its use.
func (h *Handler) documented(name string) (realtraffic.Answer, error) {
	if err := load(); err != nil {
		return realtraffic.Answer{}, err
	}
	a, ok := answers[name]
	if !ok {
		return realtraffic.Answer{}, fmt.Errorf("realshape: no documented answer %s", name)
	}
	h.used("answers/" + a.Source + "/" + a.Name + ".json")
	return a, nil
}

// data returns the item's resourceData when it is an object (a call, an
// operation), else nil.
func (n *note) data() map[string]any {
	m, _ := n.item["resourceData"].(map[string]any)
	return m
}

// id writes an id as notifications do under the options.
func (h *Handler) id(g guid.GUID) string {
	if h.o.CompactIDs {
		return g.Compact()
	}
	return g.String()
}

// at puts the notification on call's path plus rest ("", "/participants",
// "/operations/{id}"): resourceUrl under /communications, and resource
// under /app unless the options drop it. A call's own id and @odata.id in
// resourceData, where the real body has them, name the call.
func (h *Handler) at(n *note, call guid.GUID, rest string) {
	p := "/calls/" + h.id(call) + rest
	n.item["resourceUrl"] = "/communications" + p
	if h.o.ResourceURLOnly {
		delete(n.item, "resource")
	} else {
		n.item["resource"] = "/app" + p
	}
	if rd := n.data(); rd != nil && rest == "" {
		replace(rd, "id", h.id(call))
		replace(rd, "@odata.id", "/communications"+p)
	}
}

// shapeResult writes resultInfo's code and subcode as the options say, or
// drops resultInfo under the NoResultInfo break.
func (h *Handler) shapeResult(rd map[string]any) {
	ri, ok := rd["resultInfo"].(map[string]any)
	if !ok {
		return
	}
	if h.o.Break == NoResultInfo {
		delete(rd, "resultInfo")
		return
	}
	for _, k := range []string{"code", "subcode", "subCode"} {
		switch v := ri[k].(type) {
		case string:
			if _, err := strconv.ParseInt(v, 10, 64); err == nil && h.o.NumericResultInfo {
				ri[k] = json.Number(v)
			}
		case json.Number:
			if !h.o.NumericResultInfo {
				ri[k] = v.String()
			}
		}
	}
}

// to encodes n as a POST to callback; an item that names its callbackUri
// (as a created call's do) names this one.
func (n *note) to(callback string) delivery {
	replace(n.item, "callbackUri", callback)
	return delivery{url: callback, body: encode(n.top)}
}

// replace sets m[k] to v when m has k: the real body decides which fields
// there are.
func replace(m map[string]any, k string, v any) {
	if _, ok := m[k]; ok {
		m[k] = v
	}
}

// echo sets m[k] to what the request says for each of keys it has.
func echo(m, req map[string]any, keys ...string) {
	for _, k := range keys {
		if v, ok := req[k]; ok {
			m[k] = v
		}
	}
}

// decodeObject decodes a JSON object, numbers kept as written.
func decodeObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the JSON object")
	}
	return m, nil
}

// encode writes v as JSON without HTML escaping, as the service does.
func encode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// v holds only what decodeObject and this package build.
		panic("realshape: encode: " + err.Error())
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// clone returns a deep copy of a decoded JSON value.
func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = clone(x)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, x := range v {
			l[i] = clone(x)
		}
		return l
	}
	return v
}

// identityKinds are the members of an identitySet that name someone, in
// the order looked for.
var identityKinds = []string{"user", "phone", "application", "applicationInstance", "guest", "device"}

// whoIs returns the kind and the identity object of the first member of
// the identitySet set that names someone (has an id).
func whoIs(set map[string]any) (string, map[string]any) {
	for _, k := range identityKinds {
		if who, ok := set[k].(map[string]any); ok {
			if _, ok := who["id"]; ok {
				return k, who
			}
		}
	}
	return "", nil
}

// sameOne makes the identitySet tmpl (from a real body) name whom the
// identitySet req (from the bot's request) names, keeping tmpl's shape:
// its kind, its @odata.type, even where the real body names a user as an
// application.
func sameOne(tmpl, req map[string]any) {
	_, want := whoIs(req)
	_, who := whoIs(tmpl)
	if want == nil || who == nil {
		return
	}
	who["id"] = want["id"]
	if name, ok := want["displayName"]; ok {
		who["displayName"] = name
	} else {
		delete(who, "displayName")
	}
}
