package interop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/microsoft/kiota-abstractions-go/serialization"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// ErrMalformed is wrapped by every error about a body that is not a
// notification POST body: not JSON, no "value" array, an item that is not
// an object, a resourceData that is neither an object nor an array of them.
var ErrMalformed = errors.New("malformed notification body")

// ErrUnknownType is wrapped when a resourceData's @odata.type (or, without
// one, its resource path) names no model of the SDK that Parse maps.
var ErrUnknownType = errors.New("no SDK model for this resourceData")

// Notification is one item of a notification POST body's "value" array,
// its members read with the SDK's models. Exactly one of Call, Operation,
// Participants and Sessions is set when the item has a resourceData; none
// when it has none.
type Notification struct {
	ChangeType  models.ChangeType // parsed by the SDK's enum: created, updated or deleted
	ResourceURL string            // "resourceUrl"; "" when absent
	Resource    string            // "resource"; "" when absent

	Call         models.Callable                    // resourceData is a call
	Operation    models.CommsOperationable          // an operation; its dynamic type is the subtype @odata.type names
	Participants []models.Participantable           // an array of participants (a roster)
	Sessions     []models.ContentSharingSessionable // an array of content-sharing sessions
}

// Objects returns how many objects the notification's resourceData held.
func (n Notification) Objects() int {
	switch {
	case n.Call != nil, n.Operation != nil:
		return 1
	}
	return len(n.Participants) + len(n.Sessions)
}

// ModelError is an error of the SDK's parser on one resourceData object.
type ModelError struct {
	Item  int    // index in "value"
	Path  string // where the object is in the item, e.g. "resourceData" or "resourceData[1]"
	Model string // the @odata.type of the model chosen
	Err   error  // the SDK's error
}

func (e *ModelError) Error() string {
	return fmt.Sprintf("parse value[%d].%s as %s: %v", e.Item, e.Path, e.Model, e.Err)
}

func (e *ModelError) Unwrap() error { return e.Err }

// Parse reads a notification POST body ({"value": [commsNotification...]})
// and parses each item's resourceData with the SDK's JSON parse node into
// the model its @odata.type names (models.Call, models.Participant, a
// models.CommsOperation subtype, models.ContentSharingSession), or, where
// an object has no @odata.type, the model of its resource path. The SDK
// has no model of the envelope, so Parse reads it; changeType is parsed by
// the SDK's models.ParseChangeType.
//
// The SDK's parser keeps members it has no field for in AdditionalData and
// silently drops an enum value it does not know (a state "Established"
// becomes no state). So Parse also serializes each parsed model back with
// the SDK's writer and requires every member of the JSON to come back with
// its value; a member that does not is a *LossError.
//
// Every item is read; the error joins the problems of all of them
// (errors.Is ErrMalformed or ErrUnknownType, errors.As *ModelError or
// *LossError). The notifications are returned as far as they could be
// read: a model that lost a member is kept. Parse reads the whole body;
// bound its size before (a callback reads at most what it accepts).
func Parse(body []byte) ([]Notification, error) {
	items, err := splitItems(body)
	if err != nil {
		return nil, err
	}
	out := make([]Notification, len(items))
	var errs []error
	for i, raw := range items {
		n, err := parseItem(i, raw)
		out[i] = n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// splitItems returns the items of body's "value" array, each a JSON object.
func splitItems(body []byte) ([]map[string]json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, fmt.Errorf("%w: the body is not a JSON object", ErrMalformed)
	}
	raw, ok := top["value"]
	if !ok {
		return nil, fmt.Errorf("%w: no \"value\"", ErrMalformed)
	}
	var values []json.RawMessage
	if err := json.Unmarshal(raw, &values); err != nil || values == nil {
		return nil, fmt.Errorf("%w: \"value\" is not an array", ErrMalformed)
	}
	items := make([]map[string]json.RawMessage, len(values))
	for i, v := range values {
		if err := json.Unmarshal(v, &items[i]); err != nil || items[i] == nil {
			return nil, fmt.Errorf("%w: value[%d] is not an object", ErrMalformed, i)
		}
	}
	return items, nil
}

// parseItem reads one commsNotification: its envelope members, then its
// resourceData.
func parseItem(i int, item map[string]json.RawMessage) (Notification, error) {
	var n Notification
	var errs []error
	if err := readEnvelope(i, item, &n); err != nil {
		errs = append(errs, err)
	}
	data, ok := item["resourceData"]
	if !ok || isNull(data) {
		return n, errors.Join(errs...)
	}
	path := n.ResourceURL
	if path == "" {
		path = n.Resource
	}
	if err := readResourceData(i, data, kindOfPath(path), &n); err != nil {
		errs = append(errs, err)
	}
	return n, errors.Join(errs...)
}

// readEnvelope reads changeType (with the SDK's enum), resourceUrl and
// resource.
func readEnvelope(i int, item map[string]json.RawMessage, n *Notification) error {
	var change string
	if err := json.Unmarshal(item["changeType"], &change); err != nil {
		return fmt.Errorf("%w: value[%d].changeType is not a string", ErrMalformed, i)
	}
	ct, err := models.ParseChangeType(change)
	if err != nil {
		return &ModelError{Item: i, Path: "changeType", Model: "microsoft.graph.changeType", Err: err}
	}
	n.ChangeType = *ct.(*models.ChangeType)
	for key, dst := range map[string]*string{"resourceUrl": &n.ResourceURL, "resource": &n.Resource} {
		raw, ok := item[key]
		if !ok || isNull(raw) {
			continue
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return fmt.Errorf("%w: value[%d].%s is not a string", ErrMalformed, i, key)
		}
	}
	return nil
}

// readResourceData parses data, an object or an array of objects, into the
// models of n. byPath is the model of an object without @odata.type.
func readResourceData(i int, data json.RawMessage, byPath string, n *Notification) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var elems []json.RawMessage
		if err := json.Unmarshal(data, &elems); err != nil {
			return fmt.Errorf("%w: value[%d].resourceData is not an array of objects", ErrMalformed, i)
		}
		var errs []error
		for j, e := range elems {
			if err := readObject(i, fmt.Sprintf("resourceData[%d]", j), e, byPath, true, n); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	return readObject(i, "resourceData", data, byPath, false, n)
}

// readObject parses one resourceData object into its model, checks that
// nothing was lost, and stores it in n.
func readObject(i int, path string, raw json.RawMessage, byPath string, inArray bool, n *Notification) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return fmt.Errorf("%w: value[%d].%s is not an object", ErrMalformed, i, path)
	}
	typ := byPath
	if t, ok := members["@odata.type"]; ok {
		if err := json.Unmarshal(t, &typ); err != nil {
			return fmt.Errorf("%w: value[%d].%s.@odata.type is not a string", ErrMalformed, i, path)
		}
	}
	m, ok := modelOf(typ)
	if !ok || m.array != inArray {
		where := "an object"
		if inArray {
			where = "an array"
		}
		return fmt.Errorf("value[%d].%s: %w: %q in %s", i, path, ErrUnknownType, typ, where)
	}
	node, err := jsonserialization.NewJsonParseNode(raw)
	if err != nil {
		return &ModelError{Item: i, Path: path, Model: typ, Err: err}
	}
	v, err := node.GetObjectValue(m.create)
	if err != nil {
		return &ModelError{Item: i, Path: path, Model: typ, Err: err}
	}
	// A loss leaves the model usable, short of the member it lost: keep it.
	m.store(v, n)
	return checkLossless(i, path, typ, raw, v)
}

// model is what Parse knows of one resourceData type.
type model struct {
	create serialization.ParsableFactory
	array  bool // it comes in an array (roster, sessions), not alone
	store  func(serialization.Parsable, *Notification)
}

const (
	typeCall           = "#microsoft.graph.call"
	typeParticipant    = "#microsoft.graph.participant"
	typeSession        = "#microsoft.graph.contentSharingSession"
	typeCommsOperation = "#microsoft.graph.commsOperation"
)

var (
	callModel = model{create: models.CreateCallFromDiscriminatorValue,
		store: func(v serialization.Parsable, n *Notification) { n.Call = v.(models.Callable) }}
	operationModel = model{create: models.CreateCommsOperationFromDiscriminatorValue,
		store: func(v serialization.Parsable, n *Notification) { n.Operation = v.(models.CommsOperationable) }}
	participantModel = model{create: models.CreateParticipantFromDiscriminatorValue, array: true,
		store: func(v serialization.Parsable, n *Notification) {
			n.Participants = append(n.Participants, v.(models.Participantable))
		}}
	sessionModel = model{create: models.CreateContentSharingSessionFromDiscriminatorValue, array: true,
		store: func(v serialization.Parsable, n *Notification) {
			n.Sessions = append(n.Sessions, v.(models.ContentSharingSessionable))
		}}
)

// operationTypes are the commsOperation subtypes of the SDK's
// CreateCommsOperationFromDiscriminatorValue.
var operationTypes = map[string]bool{
	typeCommsOperation: true,
	"#microsoft.graph.addLargeGalleryViewOperation":   true,
	"#microsoft.graph.cancelMediaProcessingOperation": true,
	"#microsoft.graph.inviteParticipantsOperation":    true,
	"#microsoft.graph.muteParticipantOperation":       true,
	"#microsoft.graph.playPromptOperation":            true,
	"#microsoft.graph.recordOperation":                true,
	"#microsoft.graph.sendDtmfTonesOperation":         true,
	"#microsoft.graph.startHoldMusicOperation":        true,
	"#microsoft.graph.stopHoldMusicOperation":         true,
	"#microsoft.graph.subscribeToToneOperation":       true,
	"#microsoft.graph.unmuteParticipantOperation":     true,
	"#microsoft.graph.updateRecordingStatusOperation": true,
}

// modelOf returns the model of an @odata.type.
func modelOf(typ string) (model, bool) {
	switch {
	case typ == typeCall:
		return callModel, true
	case typ == typeParticipant:
		return participantModel, true
	case typ == typeSession:
		return sessionModel, true
	case operationTypes[typ]:
		return operationModel, true
	}
	return model{}, false
}

// kindOfPath returns the @odata.type of the resourceData of a resource
// path, for objects that carry none: /communications/calls/{id} (or
// /app/calls/{id}) is a call, .../participants a participant,
// .../operations/{id} a commsOperation, .../contentsharingsessions a
// content-sharing session; "" for any other path.
func kindOfPath(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	i := len(segs) - 1
	for i >= 0 && segs[i] != "calls" {
		i--
	}
	if i < 0 {
		return ""
	}
	switch rest := segs[i+1:]; {
	case len(rest) == 1:
		return typeCall
	case len(rest) == 2 && rest[1] == "participants":
		return typeParticipant
	case len(rest) == 2 && strings.EqualFold(rest[1], "contentSharingSessions"):
		return typeSession
	case len(rest) == 3 && rest[1] == "operations":
		return typeCommsOperation
	}
	return ""
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}
