package simulator

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/internal/jsontext"
)

// OData types of the notification envelope and of nested objects.
const (
	typeCommsNotifications       = "#microsoft.graph.commsNotifications"
	typeCommsNotification        = "#microsoft.graph.commsNotification"
	typeResultInfo               = "#microsoft.graph.resultInfo"
	typeCallMediaState           = "#microsoft.graph.callMediaState"
	typeMediaStream              = "#microsoft.graph.mediaStream"
	typeIdentitySet              = "#microsoft.graph.identitySet"
	typeIdentity                 = "#microsoft.graph.identity"
	typeInvitationParticipant    = "#microsoft.graph.invitationParticipantInfo"
	typeServiceHostedMediaConfig = "#microsoft.graph.serviceHostedMediaConfig"
	typeAppHostedMediaConfig     = "#microsoft.graph.appHostedMediaConfig"
)

// A notification POST body, as each profile shapes it:
//
//	beta-2018: {"value":[{"changeType","resource","resourceData"}]}, as the
//	           2018 page shows it;
//	v1.0:      {"@odata.type":"#microsoft.graph.commsNotifications","value":[
//	           {"@odata.type":"#microsoft.graph.commsNotification","changeType",
//	           "resource","resourceUrl","resourceData"}]}, as the real service
//	           sends it (resource or resourceUrl alone, as switched).
//
// encodeOn writes it by hand around the encoded resourceData, byte for byte
// what json.Marshal writes of these members in this order (a test checks
// it): a roster, already encoded, is then not encoded, nor scanned, again.
const (
	typedBodyStart = `{"@odata.type":"` + typeCommsNotifications + `","value":[{"@odata.type":"` + typeCommsNotification + `",`
	bodyStart      = `{"value":[{`
	bodyEnd        = `}]}`
)

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("simulator: encode notification: " + err.Error()) // only fixed types are encoded
	}
	return b
}

// noteID formats an id for notification resources: undashed upper-case like
// the beta-2018 page, or dashed lower-case (v1.0, UniformIDs).
func (s *Simulator) noteID(i guid.GUID) string {
	if s.prof.compactNoteIDs {
		return i.Compact()
	}
	return i.String()
}

// resource returns the notification resource path of c.
func (s *Simulator) resource(c *call) string { return c.root + "/" + s.noteID(c.id) }

// encodeOn returns the body of a notification on the resource rel ("" for
// the call itself, "/participants", "/operations/{id}") of call id, whose
// notification root is root, in the profile's shape. data is the
// resourceData: a json.RawMessage that is already valid, compact JSON, or
// a value to encode (a roster, a call, an operation...), appended in place
// (appendValue).
func (s *Simulator) encodeOn(changeType, root string, id guid.GUID, rel string, data any) []byte {
	p := s.prof
	path := "/" + s.noteID(id) + rel // the resource below the root
	size := dataSizeHint
	switch d := data.(type) {
	case rosterJSON:
		size = d.size()
	case json.RawMessage:
		size = len(d)
	}
	out := make([]byte, 0, len(typedBodyStart)+2*(len(root)+len(path))+size+64)
	if p.typedEnvelope {
		out = append(out, typedBodyStart...)
	} else {
		out = append(out, bodyStart...)
	}
	out = appendMember(out, "changeType", changeType)
	if p.resourceKey {
		legacy := root
		if p.typedEnvelope {
			legacy = cmpOr(p.legacyRoot, root)
		}
		out = appendMember(out, "resource", legacy, path)
	}
	if p.typedEnvelope && p.resourceURLKey {
		out = appendMember(out, "resourceUrl", root, path)
	}
	out = append(out, `"resourceData":`...)
	if raw, ok := data.(json.RawMessage); ok {
		out = append(out, raw...) // as it is: not compacted nor escaped again
	} else {
		var err error
		if out, err = appendValue(out, data); err != nil {
			panic("simulator: encode notification: " + err.Error()) // only fixed types are encoded
		}
	}
	return append(out, bodyEnd...)
}

// dataSizeHint is room for the resourceData of most notifications (a
// call's state, an operation's completion), so that encodeOn seldom grows
// its buffer.
const dataSizeHint = 512

// appendMember appends "name":"value", to a JSON object being written,
// value being the parts given, one after the other.
func appendMember(out []byte, name string, value ...string) []byte {
	out = append(out, '"')
	out = append(out, name...)
	out = append(out, `":`...)
	if len(value) == 1 {
		out = jsontext.AppendString(out, value[0])
	} else {
		out = appendJSONStrings(out, value...)
	}
	return append(out, ',')
}

// appendJSONStrings appends the parts as one JSON string, as
// jsontext.AppendString writes their concatenation.
func appendJSONStrings(out []byte, parts ...string) []byte {
	for _, p := range parts {
		if !plainASCII(p) {
			return jsontext.AppendString(out, strings.Join(parts, ""))
		}
	}
	out = append(out, '"')
	for _, p := range parts {
		out = append(out, p...)
	}
	return append(out, '"')
}

// plainASCII reports whether s is written in a JSON string as it is, by
// json.Marshal as by jsontext.AppendString.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plainStringByte[s[i]] {
			return false
		}
	}
	return true
}

// plainStringByte tells the bytes json.Marshal writes in a string as they
// are: printable ASCII but the quote, the backslash and the HTML
// characters.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// note returns the delivery of a notification on rel of c to c's callback;
// c.mu must be held.
func (s *Simulator) note(c *call, changeType, rel string, data any) *delivery {
	return &delivery{url: c.callback, aud: c.owner.String(), body: s.encodeOn(changeType, c.root, c.id, rel, data)}
}

// callNote returns the resourceData skeleton of a notification on c; c.mu
// must be held.
func (s *Simulator) callNote(c *call) callJSON {
	j := callJSON{OdataType: typeCall}
	if s.prof.odataIDs {
		j.OdataID, j.OdataEtag = s.resource(c), c.nextEtag()
	}
	if s.prof.callChainIDs {
		j.CallChainID = c.chainID.String()
	}
	return j
}

// resultInfoJSON is a resultInfo as the beta-2018 pages write it.
type resultInfoJSON struct {
	Code    string `json:"code"`
	SubCode string `json:"subCode"`
	Message string `json:"message"`
}

// typedResultInfo is a resultInfo as the real service sends it: Int32
// code and subcode, as the resource page types them.
type typedResultInfo struct {
	OdataType string `json:"@odata.type"`
	Code      int    `json:"code"`
	Subcode   int    `json:"subcode"`
	Message   string `json:"message"`
}

// resultInfo returns why as the profile writes a resultInfo.
func (s *Simulator) resultInfo(why endReason) any {
	if !s.prof.numericResults {
		return &resultInfoJSON{Code: why.code, SubCode: why.subCode, Message: why.message}
	}
	code, _ := strconv.Atoi(why.code) // endReason values are constants, checked by a test
	sub, _ := strconv.Atoi(why.subCode)
	return &typedResultInfo{OdataType: typeResultInfo, Code: code, Subcode: sub, Message: why.message}
}

// mediaStateJSON is a call's mediaState (v1.0).
type mediaStateJSON struct {
	OdataType string `json:"@odata.type"`
	Audio     string `json:"audio"`
}

// mediaStateOf returns the mediaState of a call with active modalities:
// audio active when audio is one of them.
func mediaStateOf(active []string) *mediaStateJSON {
	audio := "inactive"
	for _, m := range active {
		if m == "audio" {
			audio = "active"
		}
	}
	return &mediaStateJSON{OdataType: typeCallMediaState, Audio: audio}
}

// identity returns an identity set as the profile writes it: as sent, or
// (v1.0) with the @odata.type the real service puts on the set and on each
// of its identities (user, application, applicationInstance, ...) when the
// sender left them out. Anything that is not an object is kept as it is.
func (s *Simulator) identity(raw json.RawMessage) json.RawMessage {
	if !s.prof.typedIdentities || kindOf(raw) != '{' || !json.Valid(raw) {
		return raw
	}
	ms, ok := plainMembers(raw)
	if !ok {
		ms = decodedMembers(raw)
	}
	for i, m := range ms {
		if m.name != "@odata.type" && kindOf(m.value) == '{' {
			ms[i].value = withType(m.value, typeIdentity)
		}
	}
	return typedMembers(typeIdentitySet, ms)
}

// withType returns the object v with "@odata.type": t unless it has one.
func withType(v json.RawMessage, t string) json.RawMessage {
	if _, ok := member(v, "@odata.type"); ok {
		return v
	}
	return prependType(v, t)
}

// prependType returns the JSON object v, which has no @odata.type, with
// "@odata.type": t as its first member.
func prependType(v json.RawMessage, t string) json.RawMessage {
	v = bytes.TrimSpace(v)
	out := make([]byte, 0, len(v)+len(t)+18)
	out = append(out, `{"@odata.type":`...)
	out = strconv.AppendQuote(out, t) // an OData type name: plain ASCII
	if rest := bytes.TrimSpace(v[1 : len(v)-1]); len(rest) > 0 {
		out = append(out, ',')
		out = append(out, rest...)
	}
	return append(out, '}')
}

// typedObject returns the JSON object of members, whose values are valid
// JSON, with "@odata.type" first (t unless members has one) and the others
// in name order, as json.Marshal orders a map's.
func typedObject(t string, members object) json.RawMessage {
	ms := make([]rawMember, 0, len(members))
	for k, v := range members {
		ms = append(ms, rawMember{k, v})
	}
	return typedMembers(t, ms)
}

// rawMember is a member of a JSON object: its name, decoded, and its value.
type rawMember struct {
	name  string
	value json.RawMessage
}

// typedMembers is typedObject of the members ms, whose names differ; it
// sorts ms.
func typedMembers(t string, ms []rawMember) json.RawMessage {
	slices.SortFunc(ms, func(a, b rawMember) int { return strings.Compare(a.name, b.name) })
	size := len(t) + 20
	var typ json.RawMessage
	typed := false
	for _, m := range ms {
		size += len(m.name) + len(m.value) + 4
		if m.name == "@odata.type" {
			typ, typed = m.value, true
		}
	}
	out := make([]byte, 0, size)
	out = append(out, `{"@odata.type":`...)
	if typed {
		out = append(out, bytes.TrimSpace(typ)...)
	} else {
		out = strconv.AppendQuote(out, t) // an OData type name: plain ASCII
	}
	for _, m := range ms {
		if m.name == "@odata.type" {
			continue
		}
		out = append(out, ',')
		out = jsontext.AppendString(out, m.name)
		out = append(out, ':')
		out = append(out, bytes.TrimSpace(m.value)...)
	}
	return append(out, '}')
}

// decodedMembers returns the members of obj, a valid JSON object, as a
// decoder reads them: names unescaped, and of members of the same name the
// last.
func decodedMembers(obj json.RawMessage) []rawMember {
	var set object
	_ = json.Unmarshal(obj, &set) // obj is valid
	ms := make([]rawMember, 0, len(set))
	for k, v := range set {
		ms = append(ms, rawMember{k, v})
	}
	return ms
}

// plainMembers returns the members of obj, a valid JSON object, when their
// names are plain (no escapes: what plainString accepts) and differ: the
// common case, read without a decoder. ok is false otherwise.
func plainMembers(obj json.RawMessage) (ms []rawMember, ok bool) {
	i := skipSpace(obj, 1) // obj[0] is '{'
	for i < len(obj) && obj[i] != '}' {
		keyEnd := stringEnd(obj, i)
		if keyEnd < 0 || !plainString(obj[i+1:keyEnd-1]) {
			return nil, false
		}
		name := string(obj[i+1 : keyEnd-1])
		start := skipSpace(obj, skipSpace(obj, keyEnd)+1) // past the colon
		end := valueEnd(obj, start)
		if end < 0 {
			return nil, false
		}
		for _, m := range ms {
			if m.name == name {
				return nil, false
			}
		}
		ms = append(ms, rawMember{name, obj[start:end]})
		if i = skipSpace(obj, end); i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
	return ms, true
}

// botIdentity is the identity of the bot's own participant when a request
// names none: the application, as the profile writes identities. It is
// made once, in New.
func (s *Simulator) botIdentity() json.RawMessage { return s.bot }

// newBotIdentity makes the value botIdentity returns.
func (s *Simulator) newBotIdentity() json.RawMessage {
	b := mustMarshal(map[string]any{"application": map[string]string{"displayName": "Test Bot", "id": s.appID.String()}})
	return s.identity(b)
}
