package interop

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// body wraps items (JSON objects) in a notification POST body.
func body(items ...string) []byte {
	return []byte(`{"@odata.type":"#microsoft.graph.commsNotifications","value":[` + strings.Join(items, ",") + `]}`)
}

func TestParseCall(t *testing.T) {
	ns, err := Parse(body(`{"@odata.type":"#microsoft.graph.commsNotification","changeType":"updated",
		"resource":"/app/calls/ca11","resourceUrl":"/communications/calls/ca11",
		"resourceData":{"@odata.type":"#microsoft.graph.call","id":"ca11","state":"established","direction":"outgoing",
		"callChainId":"c4a1","resultInfo":{"@odata.type":"#microsoft.graph.resultInfo","code":200,"subcode":5002,"message":"ok"},
		"requestedModalities":["audio","video"],"unknownMember":{"kept":[1,"two",null]}}}`))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(ns) != 1 {
		t.Fatalf("Parse returned %d notifications, want 1", len(ns))
	}
	n := ns[0]
	c := n.Call
	if c == nil || n.Operation != nil || n.Participants != nil || n.Sessions != nil || n.Objects() != 1 {
		t.Fatalf("Parse did not read exactly one call: %+v", n)
	}
	got := map[string]any{
		"changeType": n.ChangeType.String(), "resource": n.Resource, "resourceUrl": n.ResourceURL,
		"id": *c.GetId(), "state": c.GetState().String(), "direction": c.GetDirection().String(),
		"callChainId": *c.GetCallChainId(),
		"code":        *c.GetResultInfo().GetCode(), "subcode": *c.GetResultInfo().GetSubcode(),
		"modalities": len(c.GetRequestedModalities()), "extra": c.GetAdditionalData()["unknownMember"] != nil,
	}
	want := map[string]any{
		"changeType": "updated", "resource": "/app/calls/ca11", "resourceUrl": "/communications/calls/ca11",
		"id": "ca11", "state": "established", "direction": "outgoing", "callChainId": "c4a1",
		"code": int32(200), "subcode": int32(5002), "modalities": 2, "extra": true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the call as the SDK read it (-want +got):\n%s", diff)
	}
}

func TestParsePicksTheModel(t *testing.T) {
	for name, tc := range map[string]struct {
		item string
		want string // %T of the model(s), joined by spaces
	}{
		"operation subtype by @odata.type": {
			`{"changeType":"deleted","resourceUrl":"/communications/calls/c/operations/o",
			  "resourceData":{"@odata.type":"#microsoft.graph.playPromptOperation","id":"o","status":"Completed"}}`,
			"*models.PlayPromptOperation"},
		"invite operation": {
			`{"changeType":"deleted","resourceUrl":"/communications/calls/c/operations/o",
			  "resourceData":{"@odata.type":"#microsoft.graph.inviteParticipantsOperation","id":"o"}}`,
			"*models.InviteParticipantsOperation"},
		"operation by path, no @odata.type": {
			`{"changeType":"deleted","resource":"/app/calls/c/operations/o","resourceData":{"id":"o"}}`,
			"*models.CommsOperation"},
		"call by path, no @odata.type": {
			`{"changeType":"updated","resourceUrl":"/communications/calls/c","resourceData":{"state":"establishing"}}`,
			"*models.Call"},
		"roster by @odata.type": {
			`{"changeType":"updated","resourceUrl":"/communications/calls/c/participants","resourceData":[
			  {"@odata.type":"#microsoft.graph.participant","id":"p1","isMuted":false},
			  {"@odata.type":"#microsoft.graph.participant","id":"p2","isInLobby":true}]}`,
			"*models.Participant *models.Participant"},
		"roster by path, no @odata.type": {
			`{"changeType":"updated","resource":"/app/calls/c/participants","resourceData":[{"id":"p1"}]}`,
			"*models.Participant"},
		"content-sharing sessions": {
			`{"changeType":"created","resourceUrl":"/communications/calls/c/contentsharingsessions",
			  "resourceData":[{"@odata.type":"#microsoft.graph.contentSharingSession","id":"s"}]}`,
			"*models.ContentSharingSession"},
		"no resourceData":   {`{"changeType":"deleted","resourceUrl":"/communications/calls/c"}`, ""},
		"null resourceData": {`{"changeType":"deleted","resourceUrl":"/communications/calls/c","resourceData":null}`, ""},
	} {
		t.Run(name, func(t *testing.T) {
			ns, err := Parse(body(tc.item))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var types []string
			n := ns[0]
			if n.Call != nil {
				types = append(types, typeName(n.Call))
			}
			if n.Operation != nil {
				types = append(types, typeName(n.Operation))
			}
			for _, p := range n.Participants {
				types = append(types, typeName(p))
			}
			for _, s := range n.Sessions {
				types = append(types, typeName(s))
			}
			if got := strings.Join(types, " "); got != tc.want {
				t.Errorf("models %q, want %q", got, tc.want)
			}
			if n.Objects() != len(types) {
				t.Errorf("Objects() = %d, want %d", n.Objects(), len(types))
			}
		})
	}
}

// typeName is the Go type of a model, e.g. "*models.Call".
func typeName(v any) string { return fmt.Sprintf("%T", v) }

func TestParseReportsWhatTheSDKLoses(t *testing.T) {
	// A state the SDK's enum does not know: the parser keeps no state.
	ns, err := Parse(body(`{"changeType":"updated","resourceUrl":"/communications/calls/c",
		"resourceData":{"@odata.type":"#microsoft.graph.call","state":"Established","mediaState":{"audio":"active"}}}`))
	var loss *LossError
	if !errors.As(err, &loss) {
		t.Fatalf("Parse: %v; want a *LossError", err)
	}
	want := &LossError{Item: 0, Model: "#microsoft.graph.call", Path: "resourceData.state", Want: `"Established"`}
	if diff := cmp.Diff(want, loss); diff != "" {
		t.Errorf("loss (-want +got):\n%s", diff)
	}
	if len(Problems(err)) != 1 {
		t.Errorf("problems %v; want only the state", Problems(err))
	}
	if ns[0].Call == nil || ns[0].Call.GetState() != nil {
		t.Errorf("the call should be kept, without a state: %+v", ns[0])
	}
	if !strings.Contains(err.Error(), `value[0].resourceData.state: the SDK's model kept "Established" as nothing`) {
		t.Errorf("message %q does not say what was lost", err)
	}
}

func TestParseReportsTheSDKsErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		item string
		path string
	}{
		"code as a string": {
			`{"changeType":"deleted","resourceUrl":"/communications/calls/c",
			  "resourceData":{"@odata.type":"#microsoft.graph.call","resultInfo":{"code":"200"}}}`, "resourceData"},
		"changeType the SDK does not know": {
			`{"changeType":"Updated","resourceUrl":"/communications/calls/c",
			  "resourceData":{"@odata.type":"#microsoft.graph.call"}}`, "changeType"},
		"roster item with a bad member": {
			`{"changeType":"updated","resourceUrl":"/communications/calls/c/participants",
			  "resourceData":[{"id":"p0"},{"@odata.type":"#microsoft.graph.participant","isMuted":"no"}]}`, "resourceData[1]"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(body(tc.item))
			var me *ModelError
			if !errors.As(err, &me) {
				t.Fatalf("Parse: %v; want a *ModelError", err)
			}
			if me.Item != 0 || me.Path != tc.path || me.Err == nil {
				t.Errorf("ModelError %+v; want item 0, path %q and the SDK's error", me, tc.path)
			}
		})
	}
}

func TestParseRefusesWhatHasNoModel(t *testing.T) {
	for name, item := range map[string]string{
		"unknown type":                `{"changeType":"updated","resourceUrl":"/communications/calls/c","resourceData":{"@odata.type":"#microsoft.graph.chat"}}`,
		"participant alone":           `{"changeType":"updated","resourceUrl":"/communications/calls/c/participants","resourceData":{"@odata.type":"#microsoft.graph.participant"}}`,
		"call in an array":            `{"changeType":"updated","resourceUrl":"/communications/calls/c","resourceData":[{"@odata.type":"#microsoft.graph.call"}]}`,
		"no type and an unknown path": `{"changeType":"updated","resourceUrl":"/communications/onlineMeetings/m","resourceData":{"id":"m"}}`,
		"no type and no path":         `{"changeType":"updated","resourceData":{"id":"m"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(body(item)); !errors.Is(err, ErrUnknownType) {
				t.Errorf("Parse: %v; want ErrUnknownType", err)
			}
		})
	}
}

func TestParseRefusesMalformedBodies(t *testing.T) {
	for name, b := range map[string]string{
		"not JSON":                   `{"value":[`,
		"not an object":              `[1]`,
		"null":                       `null`,
		"no value":                   `{}`,
		"value not an array":         `{"value":{}}`,
		"value null":                 `{"value":null}`,
		"item not an object":         `{"value":[1]}`,
		"changeType not a string":    `{"value":[{"changeType":1}]}`,
		"no changeType":              `{"value":[{"resourceUrl":"/communications/calls/c"}]}`,
		"resourceUrl not a string":   `{"value":[{"changeType":"updated","resourceUrl":{}}]}`,
		"resourceData a string":      `{"value":[{"changeType":"updated","resourceUrl":"/communications/calls/c","resourceData":"x"}]}`,
		"resourceData array of ints": `{"value":[{"changeType":"updated","resourceUrl":"/communications/calls/c/participants","resourceData":[1]}]}`,
		"@odata.type not a string":   `{"value":[{"changeType":"updated","resourceUrl":"/communications/calls/c","resourceData":{"@odata.type":1}}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(b)); !errors.Is(err, ErrMalformed) {
				t.Errorf("Parse(%s): %v; want ErrMalformed", b, err)
			}
		})
	}
}

func TestParseReadsEveryItem(t *testing.T) {
	ns, err := Parse(body(
		`{"changeType":"updated","resourceUrl":"/communications/calls/a","resourceData":{"@odata.type":"#microsoft.graph.call","state":"Established"}}`,
		`{"changeType":"updated","resourceUrl":"/communications/calls/b","resourceData":{"@odata.type":"#microsoft.graph.call","state":"terminated"}}`,
		`{"changeType":"updated","resourceUrl":"/communications/calls/c","resourceData":{"@odata.type":"#microsoft.graph.call","state":"Hold"}}`,
	))
	if len(ns) != 3 || ns[1].Call == nil || ns[1].Call.GetState() == nil || *ns[1].Call.GetState() != models.TERMINATED_CALLSTATE {
		t.Fatalf("the good item between two bad ones was not read: %+v", ns)
	}
	var items []int
	for _, p := range Problems(err) {
		var loss *LossError
		if errors.As(p, &loss) {
			items = append(items, loss.Item)
		}
	}
	if diff := cmp.Diff([]int{0, 2}, items); diff != "" {
		t.Errorf("items with a loss (-want +got):\n%s", diff)
	}
}

func TestKindOfPath(t *testing.T) {
	for path, want := range map[string]string{
		"/communications/calls/c":                        typeCall,
		"communications/calls/c":                         typeCall,
		"/app/calls/C0FFEE":                              typeCall,
		"/applications/a/calls/c":                        typeCall,
		"/communications/calls/c/participants":           typeParticipant,
		"/communications/calls/c/operations/o":           typeCommsOperation,
		"/communications/calls/c/contentsharingsessions": typeSession,
		"/communications/calls/c/contentSharingSessions": typeSession,
		"/communications/calls":                          "",
		"/communications/calls/c/participants/p":         "",
		"/communications/calls/c/operations":             "",
		"/communications/onlineMeetings/m":               "",
		"":                                               "",
	} {
		if got := kindOfPath(path); got != want {
			t.Errorf("kindOfPath(%q) = %q, want %q", path, got, want)
		}
	}
}
