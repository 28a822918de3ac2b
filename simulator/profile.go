package simulator

import (
	"fmt"
	"strings"
)

// Profile names: the versions of the contract a Simulator speaks.
const (
	// ProfileBeta2018 names the contract of the 2018 beta reference page: the
	// /app/calls and /applications/{id}/calls roots, invite answering 202
	// Accepted with a Location, answer answering 200 with a commsOperation, a
	// replaced call ending with updated/terminated (AppInitiated) and then
	// deleted.
	ProfileBeta2018 = "beta-2018"

	// ProfileV1 names today's v1.0 contract, as the real service speaks it:
	// the /communications/calls root; callbackUri, acceptedModalities and a
	// required mediaConfig; answer answering 202 without a body; invite
	// answering 200 with an inviteParticipantsOperation; keepAlive; and
	// notifications with @odata.type everywhere, resourceUrl and resource,
	// numeric resultInfo, and a call that ends with terminating and then one
	// deleted (state terminated, resultInfo).
	ProfileV1 = "v1.0"
)

// Profiles returns the names of the profiles New accepts.
func Profiles() []string { return []string{ProfileBeta2018, ProfileV1} }

// profile is one version of the contract: every way in which beta-2018 and
// v1.0 differ is a field here, and the two tables below are the only place
// that knows which profile does what. Handlers read the fields of the
// Simulator's profile (the table's, changed by Config switches and Breaks
// in newProfile); none of them compares profile names.
type profile struct {
	name string

	// Paths.
	root    string // calls root of the routes, of Location headers and of notification resources
	appRoot bool   // /applications/{appId}/calls is a second root of every route

	// Requests.
	callbackURI         bool   // the callback member is "callbackUri" (v1.0), not "callback"
	acceptField         string // the member of answer listing the accepted modalities
	acceptRequired      bool   // answer needs at least one accepted modality
	mediaConfigRequired bool   // create and answer need a mediaConfig
	typedMeetingInfo    bool   // meetingInfo needs a known @odata.type and its members; an organizer's meeting needs chatInfo
	maxTargets          int    // most targets of a created call; 0: no limit
	maxInvitees         int    // most participants of one invite; 0: no limit
	maxClientContext    int    // longest clientContext, in characters; 0: no limit
	replacesByPath      bool   // replacesCallId may also be a call path such as /app/calls/{id}
	keepAlive           bool   // POST {root}/{id}/keepAlive exists, and a call without one ends
	keepAliveEndedOK    bool   // keepAlive on a call that does not exist answers 200 (a Break)

	// Answers.
	answerStatus   int    // status of an accepted answer
	answerBody     bool   // answer's answer carries a commsOperation
	inviteStatus   int    // status of an accepted invite
	inviteBody     bool   // invite's answer carries the operation
	inviteLocation bool   // invite's answer has the operation's Location
	inviteOpType   string // @odata.type of an invite's operation
	replaceOpType  string // the same, for an invite with replacesCallId
	runningStatus  string // status of an operation not yet completed
	operationTimes bool   // operation bodies carry createdDateTime and lastActionDateTime
	opParticipants bool   // invite operations carry their participants
	sourceDefault  bool   // a call created without a source has the bot's application as source
	odataContext   bool   // create's answer carries @odata.context

	// Notifications.
	typedEnvelope      bool   // @odata.type on the body (commsNotifications) and each item (commsNotification)
	resourceKey        bool   // items carry "resource"
	resourceURLKey     bool   // items carry "resourceUrl", on root; "resource" is then on legacyRoot
	legacyRoot         string // calls root of "resource" when items carry resourceUrl too
	compactNoteIDs     bool   // ids in notification resources are undashed upper-case hex (unless Config.UniformIDs)
	odataIDs           bool   // resourceData carries @odata.id and @odata.etag
	callChainIDs       bool   // call notifications carry callChainId
	directionOn        string // the state whose notification of an outgoing call says direction outgoing
	mediaState         bool   // established (and a GET after it) carries mediaState, not activeModalities
	joinRoster         bool   // a meeting join is followed by a roster update
	participantDetails bool   // roster items carry id, isMuted, isInLobby and the real service's other members
	typedIdentities    bool   // identity sets and identities in notifications carry their @odata.type
	numericResults     bool   // resultInfo is {@odata.type, code, subcode} with numbers, not {code, subCode} strings
	terminatedUpdate   bool   // an updated with state terminated comes before deleted
	deletedState       bool   // deleted carries state terminated and resultInfo; otherwise it is bare
	terminationReason  bool   // a call the bot ended says terminationReason AppInitiated
	resultOnAppEnd     bool   // a call the bot ended carries a resultInfo too (not only one the service ended)
	replaceTerminating bool   // a call replaced by an invite is terminating first, as after DELETE
	reorderEstablished bool   // establishing and established may be swapped (Config.EstablishedFirst)
	createdIDs         bool   // an incoming call's created notification carries its id and myParticipantId

	// Reject, redirect, transfer.
	rejectAnswer          answerForm // how an accepted reject answers
	redirectAnswer        answerForm // how an accepted redirect answers
	transferAnswer        answerForm // how an accepted transfer answers
	transferTargetField   string     // the member naming a transfer's target
	transferAcceptedState string     // the state after transferring, once the target accepted
	transferResult        bool       // a completed blind transfer ends with resultInfo 0/7015, not terminationReason AppTransferred
	transfereeForGroup    bool       // a transfer from a group call needs a transferee
	redirecting           bool       // a redirected call is notified redirecting first
	redirectTargetInfo    bool       // redirect's targets are invitationParticipantInfo, not (also) identity sets
	redirectTimeoutRange  bool       // redirect's timeout is a number from 15 to 90, not any whole number (or numeric string)

	media   mediaRules  // participant and media actions (mediarules.go)
	actions actionRules // hold music, DTMF, gallery, screen sharing role, device quality (callactions.go)
}

// The profiles, by name.
var profiles = map[string]profile{
	ProfileBeta2018: {
		name: ProfileBeta2018,
		root: "/app/calls", appRoot: true,

		acceptField: "acceptModalities",
		maxInvitees: 5, maxClientContext: 256,
		replacesByPath: true,

		answerStatus: 200, answerBody: true,
		inviteStatus: 202, inviteLocation: true,
		inviteOpType: typeCommsOperation, replaceOpType: typeInviteOperation,
		runningStatus: "Running", operationTimes: true,

		resourceKey: true, compactNoteIDs: true, odataIDs: true,
		directionOn:      stateEstablishing,
		terminatedUpdate: true, terminationReason: true,

		// The 2018 pages: 200 OK and a commsOperation, "target",
		// "transfer-accepted", redirecting first, identity-set targets.
		rejectAnswer: answerForm{200, true}, redirectAnswer: answerForm{200, true}, transferAnswer: answerForm{200, true},
		transferTargetField: "target", transferAcceptedState: "transfer-accepted",
		redirecting: true,
		media:       mediaBeta2018,
		actions:     actionsBeta2018,
	},
	ProfileV1: {
		name: ProfileV1,
		root: "/communications/calls",

		callbackURI: true, acceptField: "acceptedModalities", acceptRequired: true,
		mediaConfigRequired: true, typedMeetingInfo: true,
		maxTargets: 5, maxInvitees: 5, maxClientContext: 256,
		keepAlive: true,

		answerStatus: 202,
		inviteStatus: 200, inviteBody: true, inviteLocation: true,
		inviteOpType: typeInviteOperation, replaceOpType: typeInviteOperation,
		runningStatus: "running", opParticipants: true, sourceDefault: true, odataContext: true,

		typedEnvelope: true, resourceKey: true, resourceURLKey: true, legacyRoot: "/app/calls",
		callChainIDs: true, directionOn: stateEstablished, mediaState: true, joinRoster: true,
		participantDetails: true, typedIdentities: true, numericResults: true,
		deletedState: true, resultOnAppEnd: true, replaceTerminating: true,
		reorderEstablished: true, createdIDs: true,

		rejectAnswer: answerForm{202, false}, redirectAnswer: answerForm{202, false}, transferAnswer: answerForm{202, false},
		transferTargetField: "transferTarget", transferAcceptedState: "transferAccepted",
		transferResult: true, transfereeForGroup: true,
		redirectTargetInfo: true, redirectTimeoutRange: true,
		media:   mediaV1,
		actions: actionsV1,
	},
}

// newProfile returns the rules cfg asks for: its profile's, changed by its
// switches and breaks. It refuses a switch the profile does not have.
func newProfile(cfg Config, breaks map[string]bool) (*profile, error) {
	p, ok := profiles[cfg.Profile]
	if !ok {
		return nil, fmt.Errorf("%w: unknown profile %q (known: %s)", ErrConfig, cfg.Profile, strings.Join(Profiles(), ", "))
	}
	if err := p.applySwitches(cfg); err != nil {
		return nil, err
	}
	p.applyBreaks(breaks)
	return &p, nil
}

// applySwitches applies the Config fields that choose between forms the
// profile allows.
func (p *profile) applySwitches(cfg Config) error {
	switch {
	case cfg.InviteAnswer == "200":
		p.inviteStatus, p.inviteBody = 200, true
	case cfg.InviteAnswer == "202" && p.inviteStatus != 202:
		return fmt.Errorf("%w: InviteAnswer 202 is not a %s answer (it answers 200 with the operation; Break %s sends 202)",
			ErrConfig, p.name, BreakInviteAnswer202)
	}
	if cfg.EstablishedFirst && !p.reorderEstablished {
		return fmt.Errorf("%w: EstablishedFirst: %s sends establishing before established", ErrConfig, p.name)
	}
	if cfg.ResourceURLOnly {
		if !p.resourceURLKey {
			return fmt.Errorf("%w: ResourceURLOnly: %s notifications have no resourceUrl", ErrConfig, p.name)
		}
		p.resourceKey = false
	}
	if cfg.NoInviteLocation {
		if p.inviteStatus == 202 {
			return fmt.Errorf("%w: NoInviteLocation: a %s invite answer without a Location is Break %s", ErrConfig, p.name, BreakInviteNoLocation)
		}
		p.inviteLocation = false
	}
	if cfg.UniformIDs {
		p.compactNoteIDs = false
	}
	return nil
}

// applyBreaks applies the breaks that change a rule of the profile; the
// other breaks are checked where they act. A break of a rule the profile
// does not have changes nothing.
func (p *profile) applyBreaks(breaks map[string]bool) {
	if breaks[BreakInviteNoLocation] {
		p.inviteLocation = false
	}
	if breaks[BreakInviteAnswer202] {
		p.inviteStatus, p.inviteBody = 202, false
	}
	if breaks[BreakInviteWrongStatus] {
		p.inviteStatus = 201
	}
	if breaks[BreakAnswerWithBody] {
		p.answerStatus, p.answerBody = 200, true
	}
	if breaks[BreakNoResourceURL] {
		p.resourceURLKey, p.resourceKey = false, true
	}
	if breaks[BreakUpdatedTerminated] {
		p.terminatedUpdate = true
	}
	if breaks[BreakMediaConfigOptional] {
		p.mediaConfigRequired = false
	}
	if breaks[BreakMoreThanFiveInvitees] {
		p.maxInvitees, p.maxTargets = 0, 0
	}
	if breaks[BreakLongClientContext] {
		p.maxClientContext = 0
	}
	if breaks[BreakKeepAliveEndedOK] {
		p.keepAliveEndedOK = true
	}
	if breaks[BreakTransferWithBody] {
		p.transferAnswer = answerForm{200, true}
	}
	if breaks[BreakRedirectTimeoutUnchecked] {
		p.redirectTimeoutRange = false
	}
	if breaks[BreakNoTerminatedUpdate] {
		p.terminatedUpdate = false
	}
	p.media.applyBreaks(breaks)
	p.actions.applyBreaks(breaks)
}

// callbackField is the name of the callback member of requests and calls.
func (p *profile) callbackField() string {
	if p.callbackURI {
		return "callbackUri"
	}
	return "callback"
}

// otherCallbackField is the other profile's name for it, named in the error
// of a request that uses it.
func (p *profile) otherCallbackField() string {
	if p.callbackURI {
		return "callback"
	}
	return "callbackUri"
}
