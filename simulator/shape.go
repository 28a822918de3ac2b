package simulator

import (
	"encoding/json"
	"strconv"

	"github.com/callconform/callconform/internal/guid"
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

// commsNotification is one item of a notification POST, shaped as the
// beta-2018 page shows it: changeType, resource, resourceData.
type commsNotification struct {
	ChangeType   string `json:"changeType"`
	Resource     string `json:"resource"`
	ResourceData any    `json:"resourceData"`
}

// encodeNotification returns the beta-2018 body {"value":[{changeType,resource,resourceData}]}.
func encodeNotification(changeType, resource string, data any) []byte {
	return mustMarshal(struct {
		Value [1]commsNotification `json:"value"`
	}{[1]commsNotification{{changeType, resource, data}}})
}

// typedNotification is one item of a notification POST as the real service
// sends it under v1.0: every member typed, resourceUrl and resource.
type typedNotification struct {
	OdataType    string `json:"@odata.type"`
	ChangeType   string `json:"changeType"`
	Resource     string `json:"resource,omitempty"`
	ResourceURL  string `json:"resourceUrl,omitempty"`
	ResourceData any    `json:"resourceData"`
}

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
// notification root is root, in the profile's shape.
func (s *Simulator) encodeOn(changeType, root string, id guid.GUID, rel string, data any) []byte {
	p := s.prof
	path := "/" + s.noteID(id) + rel
	if !p.typedEnvelope {
		return encodeNotification(changeType, root+path, data)
	}
	item := typedNotification{OdataType: typeCommsNotification, ChangeType: changeType, ResourceData: data}
	if p.resourceURLKey {
		item.ResourceURL = root + path
	}
	if p.resourceKey {
		item.Resource = cmpOr(p.legacyRoot, root) + path
	}
	return mustMarshal(struct {
		OdataType string               `json:"@odata.type"`
		Value     [1]typedNotification `json:"value"`
	}{typeCommsNotifications, [1]typedNotification{item}})
}

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
	if !s.prof.typedIdentities || kindOf(raw) != '{' {
		return raw
	}
	var set map[string]json.RawMessage
	if json.Unmarshal(raw, &set) != nil {
		return raw
	}
	if _, ok := set["@odata.type"]; !ok {
		set["@odata.type"] = json.RawMessage(strconv.Quote(typeIdentitySet))
	}
	for k, v := range set {
		if k != "@odata.type" && kindOf(v) == '{' {
			set[k] = withType(v, typeIdentity)
		}
	}
	return mustMarshal(set)
}

// withType returns the object v with "@odata.type": t unless it has one.
func withType(v json.RawMessage, t string) json.RawMessage {
	var o map[string]json.RawMessage
	if json.Unmarshal(v, &o) != nil {
		return v
	}
	if _, ok := o["@odata.type"]; ok {
		return v
	}
	o["@odata.type"] = json.RawMessage(strconv.Quote(t))
	return mustMarshal(o)
}

// botIdentity is the identity of the bot's own participant when a request
// names none: the application.
func (s *Simulator) botIdentity() json.RawMessage {
	b := mustMarshal(map[string]any{"application": map[string]string{"displayName": "Test Bot", "id": s.appID.String()}})
	return s.identity(b)
}
