package simulator

import (
	"encoding/json"
	"strconv"
	"sync"

	"github.com/callconform/callconform/internal/jsontext"
)

// The bodies the simulator writes most (calls, operations and roster items,
// as response bodies and as notification resourceData) are appended by
// hand rather than by json.Marshal: the reflection, and the validation of
// every json.RawMessage member (request members kept as sent, identities,
// an invite's participants), cost a v1.0 flow, whose bodies carry twice the
// members of a beta-2018 one, twice as much. Each appendJSON writes, byte
// for byte, what json.Marshal writes of the same value (TestAppendJSON and
// FuzzAppendJSON compare them, for every field), and returns the error
// json.Marshal would return.

// appendValue appends v as json.Marshal encodes it, and returns the error
// json.Marshal would return: the simulator's own types by hand, any other
// with json.Marshal.
func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case callJSON:
		return appendCall(b, v)
	case operationJSON:
		return appendOperation(b, v)
	case participantJSON:
		return appendParticipant(b, v)
	case *participantJSON:
		if x != nil {
			return x.appendJSON(b)
		}
	case *typedResultInfo:
		return x.appendJSON(b)
	case *resultInfoJSON:
		return x.appendJSON(b)
	case rosterJSON:
		return x.appendJSON(b)
	case json.RawMessage:
		if plainJSON(x) {
			return append(b, x...), nil
		}
	}
	m, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, m...), nil
}

// appendCall, appendOperation and appendParticipant append v, a value of
// their type, copying it in a frame of their own, not in appendValue's,
// which would otherwise hold a copy of each: the stacks of the goroutines
// that encode (a request's, a delivery worker's) then seldom need to grow.
// (A generic function would do, but its call of appendJSON through the
// type's dictionary would move the copy to the heap.)
//
//go:noinline
func appendCall(b []byte, v any) ([]byte, error) {
	j := v.(callJSON)
	return j.appendJSON(b)
}

//go:noinline
func appendOperation(b []byte, v any) ([]byte, error) {
	j := v.(operationJSON)
	return j.appendJSON(b)
}

//go:noinline
func appendParticipant(b []byte, v any) ([]byte, error) {
	j := v.(participantJSON)
	return j.appendJSON(b)
}

// mustAppend returns the encoding of v, a value of the simulator's own
// types, as json.Marshal writes it, in a slice of its size (it is kept).
func mustAppend(v any) []byte {
	buf := bodyBuffers.Get().(*[]byte)
	defer putBodyBuffer(buf)
	b, err := appendValue((*buf)[:0], v)
	if err != nil {
		panic("simulator: encode notification: " + err.Error()) // only fixed types are encoded
	}
	*buf = b
	return append([]byte(nil), b...)
}

// bodyBuffers holds the scratch buffers of writeJSON and mustAppend: what
// they encode is copied out (a ResponseWriter does not keep what it is
// given to write).
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// putBodyBuffer returns b to bodyBuffers unless it grew too large to keep.
func putBodyBuffer(b *[]byte) {
	if cap(*b) <= 64<<10 {
		bodyBuffers.Put(b)
	}
}

// objectWriter appends the members of a JSON object, as encoding/json
// writes the fields of a struct: names are Go constants (plain ASCII,
// written as they are), string values are escaped as encoding/json escapes
// them, raw values compacted and HTML-escaped as it does.
type objectWriter struct {
	b     []byte
	comma bool
	err   error // a member json.Marshal refuses: the first one
}

func newObject(b []byte) objectWriter { return objectWriter{b: append(b, '{')} }

// end closes the object and returns the buffer, or the first error.
func (w *objectWriter) end() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return append(w.b, '}'), nil
}

// name writes the name of the next member.
func (w *objectWriter) name(n string) {
	if w.comma {
		w.b = append(w.b, ',')
	}
	w.comma = true
	w.b = append(w.b, '"')
	w.b = append(w.b, n...)
	w.b = append(w.b, `":`...)
}

// str writes a string member.
func (w *objectWriter) str(n, v string) {
	w.name(n)
	w.b = jsontext.AppendString(w.b, v)
}

// strOmitEmpty writes a string member unless it is empty (omitempty).
func (w *objectWriter) strOmitEmpty(n, v string) {
	if v != "" {
		w.str(n, v)
	}
}

// boolean writes a bool member.
func (w *objectWriter) boolean(n string, v bool) {
	w.name(n)
	w.b = strconv.AppendBool(w.b, v)
}

// boolPtr writes a *bool member unless it is nil (omitempty).
func (w *objectWriter) boolPtr(n string, v *bool) {
	if v != nil {
		w.boolean(n, *v)
	}
}

// integer writes an int member.
func (w *objectWriter) integer(n string, v int) {
	w.name(n)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
}

// strings writes a []string member unless it is nil (omitzero).
func (w *objectWriter) strings(n string, v []string) {
	if v == nil {
		return
	}
	w.name(n)
	w.b = append(w.b, '[')
	for i, s := range v {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = jsontext.AppendString(w.b, s)
	}
	w.b = append(w.b, ']')
}

// raw writes a json.RawMessage member unless it is empty (omitempty).
func (w *objectWriter) raw(n string, v json.RawMessage) {
	if len(v) > 0 {
		w.name(n)
		w.appendRaw(v)
	}
}

// raws writes a []json.RawMessage member unless it is empty (omitempty).
func (w *objectWriter) raws(n string, v []json.RawMessage) {
	if len(v) == 0 {
		return
	}
	w.name(n)
	w.b = append(w.b, '[')
	for i, r := range v {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.appendRaw(r)
	}
	w.b = append(w.b, ']')
}

// value writes a member of any type unless it is nil (omitempty).
func (w *objectWriter) value(n string, v any) {
	if v != nil {
		w.name(n)
		w.took(appendValue(w.b, v))
	}
}

// took takes the buffer back from an appendJSON that wrote a value.
func (w *objectWriter) took(b []byte, err error) {
	if err != nil {
		w.fail(err)
		return
	}
	w.b = b
}

// appendRaw appends a json.RawMessage, as appendValue does (the common
// case here, without making v an interface, which would allocate).
func (w *objectWriter) appendRaw(v json.RawMessage) {
	if plainJSON(v) {
		w.b = append(w.b, v...)
		return
	}
	w.took(appendValue(w.b, v))
}

func (w *objectWriter) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// plainJSON reports whether the JSON value v, valid JSON, is what
// json.Marshal writes of it as a json.RawMessage: no space outside strings,
// and none of the bytes it escapes (<, >, &, and the lead byte of U+2028
// and U+2029, taken broadly). Invalid JSON may pass: the raw members the
// simulator holds were decoded from a request, or built from such.
func plainJSON(v []byte) bool {
	in, esc := false, false
	for _, c := range v {
		if plainStringByte[c] && !esc && c != ' ' {
			continue // neither special in JSON nor escaped by json.Marshal
		}
		switch {
		case c < 0x20, c == '<', c == '>', c == '&', c == 0xe2:
			return false
		case esc:
			esc = false
		case c == '\\':
			esc = in
		case c == '"':
			in = !in
		case c == ' ' && !in:
			return false
		}
	}
	return len(v) > 0 && !in && !esc
}

func (j *callJSON) appendJSON(b []byte) ([]byte, error) {
	w := newObject(b)
	w.strOmitEmpty("@odata.context", j.OdataContext)
	w.str("@odata.type", j.OdataType)
	w.strOmitEmpty("@odata.id", j.OdataID)
	w.strOmitEmpty("@odata.etag", j.OdataEtag)
	w.strOmitEmpty("id", j.ID)
	w.strOmitEmpty("state", j.State)
	w.strOmitEmpty("direction", j.Direction)
	w.strOmitEmpty("terminationReason", j.TerminationReason)
	w.strOmitEmpty("subject", j.Subject)
	w.strOmitEmpty("callback", j.Callback)
	w.strOmitEmpty("callbackUri", j.CallbackURI)
	w.raw("source", j.Source)
	w.raw("targets", j.Targets)
	w.strings("requestedModalities", j.RequestedModalities)
	w.strings("activeModalities", j.ActiveModalities)
	if j.MediaState != nil {
		w.name("mediaState")
		w.took(j.MediaState.appendJSON(w.b))
	}
	w.raw("mediaConfig", j.MediaConfig)
	w.raw("chatInfo", j.ChatInfo)
	w.raw("meetingInfo", j.MeetingInfo)
	w.strOmitEmpty("myParticipantId", j.MyParticipantID)
	w.strOmitEmpty("callChainId", j.CallChainID)
	w.strOmitEmpty("tenantId", j.TenantID)
	w.value("resultInfo", j.ResultInfo)
	return w.end()
}

func (j *operationJSON) appendJSON(b []byte) ([]byte, error) {
	w := newObject(b)
	w.str("@odata.type", j.OdataType)
	w.strOmitEmpty("@odata.id", j.OdataID)
	w.strOmitEmpty("@odata.etag", j.OdataEtag)
	w.strOmitEmpty("id", j.ID)
	w.str("status", j.Status)
	w.strOmitEmpty("createdDateTime", j.CreatedDateTime)
	w.strOmitEmpty("lastActionDateTime", j.LastActionDateTime)
	if j.ClientContext != nil {
		w.str("clientContext", *j.ClientContext)
	}
	w.raw("resultInfo", j.ResultInfo)
	w.raws("participants", j.Participants)
	return w.end()
}

func (j *participantJSON) appendJSON(b []byte) ([]byte, error) {
	w := newObject(b)
	w.str("@odata.type", j.OdataType)
	w.strOmitEmpty("@odata.id", j.OdataID)
	w.strOmitEmpty("@odata.etag", j.OdataEtag)
	w.strOmitEmpty("id", j.ID)
	w.name("info")
	w.took(j.Info.appendJSON(w.b))
	w.name("mediaStreams")
	if j.MediaStreams == nil {
		w.b = append(w.b, "null"...)
	} else {
		w.b = append(w.b, '[')
		for i, m := range j.MediaStreams {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.took(m.appendJSON(w.b))
		}
		w.b = append(w.b, ']')
	}
	w.boolPtr("isMuted", j.IsMuted)
	w.boolPtr("isInLobby", j.IsInLobby)
	w.strings("publishedStates", j.PublishedStates)
	w.strOmitEmpty("meetingRole", j.MeetingRole)
	w.boolPtr("isIdentityAnonymized", j.IsIdentityAnonymized)
	return w.end()
}

func (j *participantInfoJSON) appendJSON(b []byte) ([]byte, error) {
	w := newObject(b)
	w.str("@odata.type", j.OdataType)
	w.raw("identity", j.Identity)
	w.strOmitEmpty("endpointType", j.EndpointType)
	w.strOmitEmpty("region", j.Region)
	w.strOmitEmpty("languageId", j.LanguageID)
	w.strOmitEmpty("participantId", j.ParticipantID)
	return w.end()
}

func (j *mediaStreamJSON) appendJSON(b []byte) ([]byte, error) {
	w := newObject(b)
	w.strOmitEmpty("@odata.type", j.OdataType)
	w.str("mediaType", j.MediaType)
	w.str("label", j.Label)
	w.str("sourceId", j.SourceID)
	w.str("direction", j.Direction)
	w.boolean("serverMuted", j.ServerMuted)
	return w.end()
}

func (j *mediaStateJSON) appendJSON(b []byte) ([]byte, error) {
	if j == nil {
		return append(b, "null"...), nil
	}
	w := newObject(b)
	w.str("@odata.type", j.OdataType)
	w.str("audio", j.Audio)
	return w.end()
}

func (j *typedResultInfo) appendJSON(b []byte) ([]byte, error) {
	if j == nil {
		return append(b, "null"...), nil
	}
	w := newObject(b)
	w.str("@odata.type", j.OdataType)
	w.integer("code", j.Code)
	w.integer("subcode", j.Subcode)
	w.str("message", j.Message)
	return w.end()
}

func (j *resultInfoJSON) appendJSON(b []byte) ([]byte, error) {
	if j == nil {
		return append(b, "null"...), nil
	}
	w := newObject(b)
	w.str("code", j.Code)
	w.str("subCode", j.SubCode)
	w.str("message", j.Message)
	return w.end()
}
