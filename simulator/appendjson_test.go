package simulator

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// appendedTypes are the types appendValue encodes by hand, one value of
// each.
func appendedTypes() []any {
	return []any{callJSON{}, operationJSON{}, participantJSON{}, &participantJSON{}, participantInfoJSON{},
		mediaStreamJSON{}, &mediaStateJSON{}, &typedResultInfo{}, &resultInfoJSON{}}
}

// checkAppend fails t unless appendValue writes what json.Marshal writes of
// v, or fails as it does.
func checkAppend(t *testing.T, what string, v any) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, err := appendValue([]byte("prefix:"), v)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%s: appendValue error %v; json.Marshal error %v", what, err, wantErr)
	}
	if err != nil {
		return
	}
	if diff := cmp.Diff("prefix:"+string(want), string(got)); diff != "" {
		t.Fatalf("%s %T: appendValue (+) is not json.Marshal (-):\n%s", what, v, diff)
	}
}

// filler sets the fields of the values it fills: strings to str, raw JSON
// to raw, numbers to num, bools to true.
type filler struct {
	str string
	raw json.RawMessage
	num int
	// skip, when bit i is set, leaves the i-th field filled (counted over
	// every struct filled) at its zero value.
	skip  uint64
	field int
}

// fill sets every field of the struct v points to, and of the structs
// within, recursively. A field of a type it does not know fails t: a new
// field must be taught to the filler, so that the encoders are compared
// on it too.
func (f *filler) fill(t *testing.T, v reflect.Value) {
	t.Helper()
	for i := range v.NumField() {
		f.field++
		if f.skip&(1<<(f.field%64)) != 0 {
			continue
		}
		f.set(t, v.Type().Field(i).Name, v.Field(i))
	}
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

func (f *filler) set(t *testing.T, name string, fv reflect.Value) {
	t.Helper()
	switch {
	case fv.Type() == rawMessageType:
		fv.SetBytes(f.raw)
	case fv.Kind() == reflect.String:
		fv.SetString(f.str)
	case fv.Kind() == reflect.Bool:
		fv.SetBool(true)
	case fv.Kind() == reflect.Int:
		fv.SetInt(int64(f.num))
	case fv.Kind() == reflect.Pointer:
		p := reflect.New(fv.Type().Elem())
		f.set(t, name, p.Elem())
		fv.Set(p)
	case fv.Kind() == reflect.Struct:
		f.fill(t, fv)
	case fv.Kind() == reflect.Slice:
		s := reflect.MakeSlice(fv.Type(), 2, 2)
		f.set(t, name, s.Index(0))
		f.set(t, name, s.Index(1))
		fv.Set(s)
	case fv.Kind() == reflect.Interface && name == "ResultInfo":
		fv.Set(reflect.ValueOf(&typedResultInfo{OdataType: typeResultInfo, Code: f.num, Subcode: f.num, Message: f.str}))
	default:
		t.Fatalf("filler: field %s of type %s: teach it to the filler", name, fv.Type())
	}
}

// filled returns a copy of the value v points to (or of v) with its fields
// filled by f.
func filled(t *testing.T, f filler, v any) any {
	t.Helper()
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		p := reflect.New(rv.Type().Elem())
		f.fill(t, p.Elem())
		return p.Interface()
	}
	p := reflect.New(rv.Type())
	f.fill(t, p.Elem())
	return p.Elem().Interface()
}

// TestAppendJSON: appendValue writes, byte for byte, what json.Marshal
// writes of each hand-encoded type: its zero value, every field set, and
// every field set but one, for each, with strings and raw JSON that
// json.Marshal escapes or compacts and some it writes as they are.
func TestAppendJSON(t *testing.T) {
	for _, v := range appendedTypes() {
		checkAppend(t, "zero", v)
	}
	for _, f := range []filler{
		{str: "plain", raw: json.RawMessage(`{"a":[1,"b c"],"d":null}`), num: 7},
		{str: `q"u\o<t>e&é` + "\u2028\x01\xff", raw: json.RawMessage(" { \"a\" : \"<&>\u2028\" } "), num: -3},
		{str: "", raw: json.RawMessage(`"s\"\\"`), num: 0},
		{str: "a&b", raw: json.RawMessage(`{"x":"a&b"}`), num: 1},
		{str: "<", raw: json.RawMessage(`["<",">"]`), num: 2},
		{str: "\u2029", raw: json.RawMessage("\"\u2028\""), num: 3},
	} {
		for _, v := range appendedTypes() {
			checkAppend(t, fmt.Sprintf("all filled with %q %q", f.str, f.raw), filled(t, f, v))
			for i := range 64 {
				f.skip = 1 << i
				checkAppend(t, fmt.Sprintf("all filled with %q %q but field %d", f.str, f.raw, i), filled(t, f, v))
			}
			f.skip = 0
		}
	}
	item := mustAppend(filled(t, filler{str: "<x>", raw: json.RawMessage(`{"a":"b c"}`), num: 1}, participantJSON{}))
	for _, r := range []rosterJSON{nil, {}, {item}, {item, item}} {
		checkAppend(t, "roster", r)
	}
	var nilParticipant *participantJSON
	checkAppend(t, "nil participant", nilParticipant)
	checkAppend(t, "invalid raw JSON", callJSON{Source: json.RawMessage(`{"a" 1}`)})
	checkAppend(t, "unterminated raw string", callJSON{Source: json.RawMessage(`"abc`)})
	checkAppend(t, "raw string ending in a backslash", callJSON{Source: json.RawMessage(`"abc\`)})
	checkAppend(t, "empty raw JSON", callJSON{ResultInfo: json.RawMessage{}})
	checkAppend(t, "nil raw participant", operationJSON{Participants: []json.RawMessage{nil, json.RawMessage(`{}`)}})
}

// TestAppendJSONOfFlowValues: what the simulator builds in a call's life
// under each profile (the call as created, its notifications' data, its
// roster items and participants, an invite's operation and completion),
// from a request pretty-printed as some bots send it and from a compact
// one, is appended as json.Marshal writes it.
func TestAppendJSONOfFlowValues(t *testing.T) {
	for _, d := range dialects {
		for _, indent := range []string{"", "  "} {
			t.Run(fmt.Sprintf("%s indent %q", d.profile, indent), func(t *testing.T) {
				for i, v := range flowValues(t, d, indent) {
					checkAppend(t, fmt.Sprintf("value %d", i), v)
				}
			})
		}
	}
}

// flowValues returns the values a simulator of d's profile builds for a
// meeting joined with a body encoded with indent, and an invite into it.
func flowValues(t *testing.T, d dialect, indent string) []any {
	s, err := New(Config{Profile: d.profile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	var create, invite object
	body, _ := json.MarshalIndent(d.meetingBody("https://bot.example/cb?a=1&b=<2>"), "", indent)
	inv, _ := json.MarshalIndent(map[string]any{"participants": []any{heidi()}, "clientContext": "ctx <&>"}, "", indent)
	if json.Unmarshal(body, &create) != nil || json.Unmarshal(inv, &invite) != nil {
		t.Fatal("encode the requests")
	}
	req, err := s.prof.parseCall(create)
	if err != nil {
		t.Fatalf("parse the call: %v", err)
	}
	ireq, err := s.prof.parseInvite(invite)
	if err != nil {
		t.Fatalf("parse the invite: %v", err)
	}
	c := s.newOutgoingCall(httptest.NewRequest("POST", d.root, nil), &principal{appID: s.appID}, req)
	for i := range ireq.invitees {
		ireq.invitees[i].identity = s.identity(ireq.invitees[i].identity)
		c.addParticipant(guid.New(), ireq.invitees[i].identity, ireq.invitees[i].info)
	}
	op := s.newOperation(s.prof.inviteOpType, ireq.clientContext, s.invitationInfos(ireq.invitees))
	vs := []any{s.body(c), s.operationBody(op), s.completionNote(c, op, s.resource(c)+"/operations/"+s.noteID(op.id))}
	c.active = []string{"audio"}
	vs = append(vs, s.body(c))
	for _, e := range []ending{endReplaced, {hangUp: true, why: endReplaced.why}, {why: endNotEstablished}} {
		n := s.callNote(c)
		n.State = stateTerminated
		s.explainEnd(&n, e)
		vs = append(vs, n)
	}
	for _, p := range c.participants {
		vs = append(vs, s.rosterItem(c, p), s.participantBody(p))
	}
	return vs
}

// FuzzAppendJSON: for any strings, raw JSON and numbers, and any fields
// left out, appendValue writes what json.Marshal writes of each
// hand-encoded type.
func FuzzAppendJSON(f *testing.F) {
	f.Add("plain", []byte(`{"a":1}`), 7, uint64(0))
	f.Add(`<&>"\`, []byte(` [ "x y" , {"\u2028":"<"} ] `), -1, uint64(0x5555))
	f.Add("\xff\u2029\t", []byte(`"s"`), 0, ^uint64(0))
	f.Fuzz(func(t *testing.T, str string, raw []byte, num int, skip uint64) {
		if !json.Valid(raw) {
			raw = []byte(`null`)
		}
		fl := filler{str: str, raw: raw, num: num, skip: skip}
		for _, v := range appendedTypes() {
			checkAppend(t, "filled", filled(t, fl, v))
		}
	})
}
