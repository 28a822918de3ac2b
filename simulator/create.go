package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/callconform/callconform/internal/guid"
)

// Meeting info types a call may join by.
const (
	typeOrganizerMeetingInfo     = "#microsoft.graph.organizerMeetingInfo"
	typeJoinMeetingIDMeetingInfo = "#microsoft.graph.joinMeetingIdMeetingInfo"
	typeTokenMeetingInfo         = "#microsoft.graph.tokenMeetingInfo"
)

// callRequest is the validated body of POST {root}.
type callRequest struct {
	callback    string
	subject     string
	tenantID    string
	source      json.RawMessage
	sourceID    json.RawMessage // source.identity
	targets     []json.RawMessage
	requested   []string
	mediaConfig json.RawMessage
	chatInfo    json.RawMessage
	meetingInfo json.RawMessage
	sharing     bool // callOptions.isContentSharingNotificationEnabled
}

// parseCall validates the body of a new call under p: a peer-to-peer or
// group call (targets) or a meeting join (meetingInfo), with the profile's
// callback member and its rules on mediaConfig, targets and meetingInfo.
func (p *profile) parseCall(o object) (*callRequest, error) {
	var req callRequest
	var err error
	if t, ok, err := o.str("@odata.type"); err != nil || (ok && t != typeCall) {
		return nil, fmt.Errorf("@odata.type must be %s", typeCall)
	}
	if req.callback, err = p.callback(o); err != nil {
		return nil, err
	}
	if req.subject, _, err = o.str("subject"); err != nil {
		return nil, err
	}
	if req.tenantID, _, err = o.str("tenantId"); err != nil {
		return nil, err
	}
	if o.present("source") {
		req.source = compact(o["source"])
		if _, req.sourceID, err = participantInfo("source", o["source"]); err != nil {
			return nil, err
		}
	}
	if req.targets, err = p.targets(o); err != nil {
		return nil, err
	}
	if req.requested, _, err = o.modalities("requestedModalities"); err != nil {
		return nil, err
	}
	if req.mediaConfig, err = p.mediaConfig(o, true); err != nil {
		return nil, err
	}
	if req.chatInfo, err = o.rawObject("chatInfo"); err != nil {
		return nil, err
	}
	if req.meetingInfo, err = o.rawObject("meetingInfo"); err != nil {
		return nil, err
	}
	if req.sharing, err = o.contentSharingOption(); err != nil {
		return nil, err
	}
	if len(req.targets) == 0 && req.meetingInfo == nil {
		return nil, errors.New("a call needs targets (peer-to-peer call) or meetingInfo (meeting join)")
	}
	if err := p.checkMeeting(req.meetingInfo, req.chatInfo); err != nil {
		return nil, err
	}
	return &req, nil
}

// targets reads the optional targets of a new call, at most maxTargets.
func (p *profile) targets(o object) ([]json.RawMessage, error) {
	a, err := o.participantInfos("targets")
	if err != nil {
		return nil, err
	}
	if p.maxTargets > 0 && len(a) > p.maxTargets {
		return nil, fmt.Errorf("targets lists %d participants; a call can have at most %d targets", len(a), p.maxTargets)
	}
	return a, nil
}

// mediaConfig reads the mediaConfig member: an object whose @odata.type,
// when present, is a service- or app-hosted media config. Under a profile
// that requires one it must be there, and must say its type.
func (p *profile) mediaConfig(o object, typed bool) (json.RawMessage, error) {
	mc, err := o.rawObject("mediaConfig")
	if err != nil {
		return nil, err
	}
	if mc == nil {
		if p.mediaConfigRequired {
			return nil, fmt.Errorf("mediaConfig is required: a %s or a %s", typeServiceHostedMediaConfig, typeAppHostedMediaConfig)
		}
		return nil, nil
	}
	if !typed && !p.mediaConfigRequired {
		return mc, nil
	}
	t, ok, err := memberString(mc, "@odata.type")
	if err != nil || (ok && t != typeServiceHostedMediaConfig && t != typeAppHostedMediaConfig) || (!ok && p.mediaConfigRequired) {
		return nil, fmt.Errorf("mediaConfig.@odata.type must be %s or %s", typeServiceHostedMediaConfig, typeAppHostedMediaConfig)
	}
	return mc, nil
}

// checkMeeting checks, under a profile with typed meeting infos, that
// meetingInfo is one of the kinds a bot joins by, with its members: an
// organizer's meeting (with the meeting's chatInfo.threadId), a meeting id
// (joinMeetingId, and a passcode if it has one), or a meeting token.
func (p *profile) checkMeeting(meetingInfo, chatInfo json.RawMessage) error {
	if !p.typedMeetingInfo || meetingInfo == nil {
		return nil
	}
	t, _, _ := memberString(meetingInfo, "@odata.type")
	switch t {
	case typeOrganizerMeetingInfo:
		if o, ok := member(meetingInfo, "organizer"); ok && !isNull(o) && kindOf(o) != '{' {
			return errors.New("meetingInfo.organizer must be an object")
		}
		if id, _, err := memberString(chatInfo, "threadId"); err != nil || id == "" {
			return errors.New("chatInfo.threadId is required to join a meeting by organizerMeetingInfo: the meeting's thread")
		}
	case typeJoinMeetingIDMeetingInfo:
		if id, _, err := memberString(meetingInfo, "joinMeetingId"); err != nil || id == "" {
			return errors.New("meetingInfo.joinMeetingId is required: the meeting's id, a string")
		}
		if _, _, err := memberString(meetingInfo, "passcode"); err != nil {
			return fmt.Errorf("meetingInfo.%v", err)
		}
	case typeTokenMeetingInfo:
		if tok, _, err := memberString(meetingInfo, "token"); err != nil || tok == "" {
			return errors.New("meetingInfo.token is required: the meeting's token, a string")
		}
	default:
		return fmt.Errorf("meetingInfo.@odata.type must be %s, %s or %s",
			typeOrganizerMeetingInfo, typeJoinMeetingIDMeetingInfo, typeTokenMeetingInfo)
	}
	return nil
}

// handleCreateCall is POST {root}: create an outgoing call or join a
// meeting. 201 Created + Location + the call (establishing), then
// notifications establishing and established (and, for a meeting join
// under v1.0, the roster).
func (s *Simulator) handleCreateCall(w http.ResponseWriter, r *http.Request, p *principal) {
	req, ok := decode(w, r, s.prof.parseCall)
	if !ok {
		return
	}
	c := s.newOutgoingCall(r, p, req)
	body := s.body(c)
	if s.prof.odataContext {
		// As the real service writes it, naming the /app root.
		body.OdataContext = s.base(r) + "/$metadata#app/calls/$entity"
	}
	s.armDeadline(c, stateEstablishing, s.establishTimeout, endNotEstablished)
	s.armKeepAlive(c)
	if !s.addCall(w, c) {
		c.stopTimers()
		return
	}
	s.establish(c, nil, nil)
	w.Header().Set("Location", s.base(r)+s.root(r)+"/"+c.id.String())
	writeJSON(w, http.StatusCreated, body)
}

// newOutgoingCall returns the call req creates, not yet stored: the bot
// (with the identity of req's source, or the application's) and its
// targets are its participants.
func (s *Simulator) newOutgoingCall(r *http.Request, p *principal, req *callRequest) *call {
	c := &call{
		id: guid.New(), owner: p.appID, root: s.noteRoot(r, p), direction: directionOutgoing,
		chainID: guid.New(), bot: guid.New(), created: s.clock.Now(),
		state: stateEstablishing, callback: req.callback, subject: req.subject, tenantID: req.tenantID,
		source: req.source, mediaConfig: req.mediaConfig, chatInfo: req.chatInfo, meetingInfo: req.meetingInfo,
		requested: nonNil(req.requested), ops: make(map[guid.GUID]*operation),
	}
	c.media.sharingEnabled = req.sharing && s.prof.media.contentSharing
	if len(req.targets) > 0 {
		c.targets, _ = json.Marshal(req.targets)
	}
	botIdentity := s.identity(req.sourceID)
	if botIdentity == nil {
		botIdentity = s.botIdentity()
		if s.prof.sourceDefault {
			c.source = s.botSource
		}
	}
	c.addParticipant(c.bot, botIdentity, nil)
	for _, t := range req.targets {
		info, identity, _ := participantInfo("target", t)
		c.addParticipant(guid.New(), s.identity(identity), info)
	}
	return c
}

// establish enqueues the establishing and established notifications of c
// (swapped with Config.EstablishedFirst), and for a meeting join under a
// profile that says so the roster after them. The call becomes
// established (and answer, when given, completed) as established is sent;
// if the service ended the call before (it stayed establishing too long),
// the notifications still queued are not sent. active nil means the call's
// requested modalities.
func (s *Simulator) establish(c *call, active []string, answer *operation) {
	c.mu.Lock()
	if active == nil {
		active = c.requested
	}
	active = nonNil(active)
	n1, n2 := s.establishNotes(c, active)
	var roster *delivery
	if s.prof.joinRoster && c.meetingInfo != nil {
		roster = s.note(c, "updated", "/participants", s.roster(c))
	}
	c.mu.Unlock()
	n2.before = s.becomeEstablished(c, active, answer)
	ds := []*delivery{n1, n2}
	if s.cfg.EstablishedFirst {
		n1.before = s.unlessEnded(c)
		ds = []*delivery{n2, n1}
	}
	if roster != nil {
		roster.before = s.unlessEnded(c)
		ds = append(ds, roster)
	}
	s.notifier.enqueue(&c.q, ds...)
}

// establishNotes returns c's establishing and established notifications,
// established with active modalities; c.mu must be held.
func (s *Simulator) establishNotes(c *call, active []string) (n1, n2 *delivery) {
	establishing, established := s.callNote(c), s.callNote(c)
	establishing.State, established.State = stateEstablishing, stateEstablished
	if c.direction == directionOutgoing {
		if s.prof.directionOn == stateEstablishing {
			establishing.Direction = directionOutgoing
		} else {
			established.Direction = directionOutgoing
		}
	}
	if s.prof.mediaState {
		established.MediaState = mediaStateOf(active)
	} else {
		established.ActiveModalities = active
	}
	return s.note(c, "updated", "", establishing), s.note(c, "updated", "", established)
}

// becomeEstablished is the before step of c's established notification:
// c becomes established with active modalities, and answer completes,
// unless the service ended c first.
func (s *Simulator) becomeEstablished(c *call, active []string, answer *operation) func() bool {
	return func() bool {
		now := s.clock.Now()
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.ended {
			return false
		}
		if c.state == stateEstablishing {
			c.state = stateEstablished
			c.active = active
			c.stopDeadline()
		}
		if answer != nil {
			answer.complete(now)
		}
		return true
	}
}

// unlessEnded is the before step of a notification that is obsolete once
// the service ended c.
func (s *Simulator) unlessEnded(c *call) func() bool {
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !c.ended
	}
}
