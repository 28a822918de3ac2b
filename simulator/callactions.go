package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/callconform/callconform/internal/guid"
)

// actionRules is the part of a profile that says which of the call actions
// the 2018 pages did not have (hold music, DTMF, large gallery view, screen
// sharing role, device quality) a version of the contract has. The
// profiles' values are actionsBeta2018 (none) and actionsV1; Breaks change
// them in applyBreaks.
type actionRules struct {
	// holdMusic: POST {root}/{id}/participants/{pid}/startHoldMusic and
	// stopHoldMusic exist.
	holdMusic bool
	// dtmf: POST {root}/{id}/sendDtmfTones (also namespace-qualified,
	// microsoft.graph.sendDtmfTones) exists.
	dtmf bool
	// largeGallery: POST {root}/{id}/addLargeGalleryView exists.
	largeGallery bool
	// screenSharingRole: POST {root}/{id}/changeScreenSharingRole exists.
	screenSharingRole bool
	// deviceQuality: POST {root}/logTeleconferenceDeviceQuality exists.
	deviceQuality bool
	// muteAll: POST {root}/{id}/participants/muteAll exists (beta-2018,
	// deprecated since).
	muteAll bool
	// configureMixer: POST {root}/{id}/participants/configureMixer exists
	// (beta-2018).
	configureMixer bool

	// Breaks.
	holdSecondAllowed      bool // a second participant can be put on hold while one is
	holdNoCompletion       bool // start/stopHoldMusic never notify their completion
	dtmfNoCompletion       bool // sendDtmfTones never notifies its completion
	galleryNoCompletion    bool // addLargeGalleryView never notifies its completion
	screenSharingAnyMedia  bool // changeScreenSharingRole is accepted on a call without app-hosted media
	screenSharingNoRoster  bool // changeScreenSharingRole changes no stream: no roster update follows
	muteAllNoRoster        bool // muteAll mutes no one: no roster update follows
	mixerNoCompletion      bool // configureMixer never notifies its completion
	deviceQualityUnchecked bool // logTeleconferenceDeviceQuality accepts a body without quality
}

// The action rules of each profile.
var (
	actionsBeta2018 = actionRules{muteAll: true, configureMixer: true}
	actionsV1       = actionRules{holdMusic: true, dtmf: true, largeGallery: true, screenSharingRole: true, deviceQuality: true}
)

// Break names of the call actions of this file.
const (
	// BreakHoldMusicSecondAllowed (v1.0): startHoldMusic puts a second
	// participant on hold while one is, where "only one participant can
	// be placed on hold at any given time".
	BreakHoldMusicSecondAllowed = "hold-music-second-allowed"
	// BreakHoldMusicNoCompletion (v1.0): startHoldMusic and stopHoldMusic
	// answer their running operation but never notify its completion.
	BreakHoldMusicNoCompletion = "hold-music-no-completion"
	// BreakDtmfNoCompletion (v1.0): sendDtmfTones answers its running
	// operation but never notifies its completion.
	BreakDtmfNoCompletion = "dtmf-no-completion"
	// BreakGalleryNoCompletion (v1.0): addLargeGalleryView answers its
	// running operation but never notifies its completion.
	BreakGalleryNoCompletion = "gallery-no-completion"
	// BreakScreenSharingAnyMedia (v1.0): changeScreenSharingRole is
	// accepted on a call whose media the service hosts, where it is "only
	// supported for group calls that use App-Hosted Media".
	BreakScreenSharingAnyMedia = "screen-sharing-any-media"
	// BreakDeviceQualityUnchecked (v1.0): logTeleconferenceDeviceQuality
	// answers 200 OK to a body without quality.
	BreakDeviceQualityUnchecked = "device-quality-unchecked"
	// BreakScreenSharingNoRoster (v1.0): changeScreenSharingRole answers
	// 202 Accepted but no roster update shows the screen sharing stream.
	BreakScreenSharingNoRoster = "screen-sharing-no-roster"
	// BreakMuteAllNoRoster (beta-2018): muteAll answers its completed
	// operation but no roster update shows the participants muted.
	BreakMuteAllNoRoster = "mute-all-no-roster"
	// BreakMixerNoCompletion (beta-2018): configureMixer answers its
	// running operation but never notifies its completion.
	BreakMixerNoCompletion = "mixer-no-completion"
)

// actionBreakNames lists the Break names of this file, for BreakNames.
func actionBreakNames() []string {
	return []string{BreakHoldMusicSecondAllowed, BreakHoldMusicNoCompletion, BreakDtmfNoCompletion,
		BreakGalleryNoCompletion, BreakScreenSharingAnyMedia, BreakDeviceQualityUnchecked, BreakScreenSharingNoRoster,
		BreakMuteAllNoRoster, BreakMixerNoCompletion}
}

// applyBreaks applies the breaks of the action rules.
func (a *actionRules) applyBreaks(breaks map[string]bool) {
	a.holdSecondAllowed = breaks[BreakHoldMusicSecondAllowed]
	a.holdNoCompletion = breaks[BreakHoldMusicNoCompletion]
	a.dtmfNoCompletion = breaks[BreakDtmfNoCompletion]
	a.galleryNoCompletion = breaks[BreakGalleryNoCompletion]
	a.screenSharingAnyMedia = breaks[BreakScreenSharingAnyMedia]
	a.deviceQualityUnchecked = breaks[BreakDeviceQualityUnchecked]
	a.screenSharingNoRoster = breaks[BreakScreenSharingNoRoster]
	a.muteAllNoRoster = breaks[BreakMuteAllNoRoster]
	a.mixerNoCompletion = breaks[BreakMixerNoCompletion]
}

// Operation types of the actions of this file.
const (
	typeStartHoldMusicOperation = "#microsoft.graph.startHoldMusicOperation"
	typeStopHoldMusicOperation  = "#microsoft.graph.stopHoldMusicOperation"
	typeSendDtmfTonesOperation  = "#microsoft.graph.sendDtmfTonesOperation"
	typeLargeGalleryOperation   = "#microsoft.graph.addLargeGalleryViewOperation"
)

// actionState is what a call's actions of this file keep; guarded by the
// call's mu. Its zero value is a call with none.
type actionState struct {
	held guid.GUID // the participant on hold, or the zero GUID
}

// actionRoutes adds the actions of the profile's action rules under root
// to m.
func (s *Simulator) actionRoutes(m *http.ServeMux, root string) {
	ar := s.prof.actions
	if ar.holdMusic {
		m.HandleFunc("POST "+root+"/{id}/participants/{pid}/startHoldMusic", s.api(permAny, s.handleStartHoldMusic))
		m.HandleFunc("POST "+root+"/{id}/participants/{pid}/stopHoldMusic", s.api(permAny, s.handleStopHoldMusic))
	}
	if ar.dtmf {
		m.HandleFunc("POST "+root+"/{id}/sendDtmfTones", s.api(permAny, s.handleSendDtmfTones))
		m.HandleFunc("POST "+root+"/{id}/microsoft.graph.sendDtmfTones", s.api(permAny, s.handleSendDtmfTones))
	}
	if ar.largeGallery {
		m.HandleFunc("POST "+root+"/{id}/addLargeGalleryView", s.api(permAny, s.handleAddLargeGalleryView))
	}
	if ar.screenSharingRole {
		m.HandleFunc("POST "+root+"/{id}/changeScreenSharingRole", s.api(permAny, s.handleChangeScreenSharingRole))
	}
	if ar.deviceQuality {
		m.HandleFunc("POST "+root+"/logTeleconferenceDeviceQuality", s.api(permAny, s.handleLogDeviceQuality))
	}
	if ar.muteAll {
		m.HandleFunc("POST "+root+"/{id}/participants/muteAll", s.api(permAny, s.handleMuteAll))
	}
	if ar.configureMixer {
		m.HandleFunc("POST "+root+"/{id}/participants/configureMixer", s.api(permAny, s.handleConfigureMixer))
	}
}

// runAction starts a running operation of type t on c, as the pages of
// this file's actions show it (202 or 200, a Location, the operation with
// status running), and returns it with its answer body and its completion
// (deleted, completed, resultInfo 200/0), nil when silent. c.mu must be
// held.
func (s *Simulator) runAction(c *call, t string, clientContext *string, silent bool, extra func(*actionNoteJSON)) (operationJSON, *delivery, guid.GUID) {
	op, body := s.startAction(c, t, clientContext, false)
	if silent {
		op.complete(s.clock.Now())
		return body, nil, op.id
	}
	return body, s.finishNote(c, op, statusCompleted, resultPromptDone, extra), op.id
}

// writeAction writes status, the Location of the operation opID and body.
func (s *Simulator) writeAction(w http.ResponseWriter, r *http.Request, c *call, status int, opID guid.GUID, body any) {
	w.Header().Set("Location", s.base(r)+s.root(r)+"/"+c.id.String()+"/operations/"+opID.String())
	writeJSON(w, status, body)
}

// holdRequest is the validated body of startHoldMusic and stopHoldMusic.
type holdRequest struct {
	customPrompt  json.RawMessage
	clientContext *string
}

// parseHold validates a startHoldMusic (or stopHoldMusic) body under p:
// customPrompt, if there, an object; clientContext.
func (p *profile) parseHold(o object) (*holdRequest, error) {
	cp, err := o.rawObject("customPrompt")
	if err != nil {
		return nil, err
	}
	req := &holdRequest{customPrompt: cp}
	if req.clientContext, err = o.clientContextUpTo(p.maxClientContext); err != nil {
		return nil, err
	}
	return req, nil
}

// lockHoldTarget reads the body of a hold action and locks c if it is
// established and has participant pid; else it writes the refusal (400,
// 409, 404) and returns false, c unlocked.
func (s *Simulator) lockHoldTarget(w http.ResponseWriter, r *http.Request, c *call, action string) (*holdRequest, *participant, bool) {
	req, ok := readAction(w, r, s.prof.parseHold)
	if !ok || !lockEstablished(w, r, c, action) {
		return nil, nil, false
	}
	pt := c.participant(r.PathValue("pid"))
	if pt == nil || pt.pending != nil {
		c.mu.Unlock()
		writeParticipantNotFound(w, r)
		return nil, nil, false
	}
	return req, pt, true
}

// heldParticipant returns the participant of c on hold, or nil (also when
// it left the call); c.mu must be held.
func (c *call) heldParticipant() *participant {
	if c.actions.held == (guid.GUID{}) {
		return nil
	}
	for _, pt := range c.participants {
		if pt.id == c.actions.held {
			return pt
		}
	}
	return nil
}

// handleStartHoldMusic is POST {root}/{id}/participants/{pid}/
// startHoldMusic (v1.0): 202 Accepted, the Location and body of a running
// startHoldMusicOperation; its completion follows as deleted, completed.
// "Only one participant can be placed on hold at any given time": 409
// while another one is.
func (s *Simulator) handleStartHoldMusic(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, pt, ok := s.lockHoldTarget(w, r, c, "startHoldMusic")
	if !ok {
		return
	}
	if held := c.heldParticipant(); held != nil && !s.prof.actions.holdSecondAllowed {
		c.mu.Unlock()
		writeError(w, http.StatusConflict, codeInvalidCallState,
			fmt.Sprintf("participant %s is on hold; only one participant can be placed on hold at any given time", held.id))
		return
	}
	c.actions.held = pt.id
	body, d, opID := s.runAction(c, typeStartHoldMusicOperation, req.clientContext, s.prof.actions.holdNoCompletion, nil)
	c.mu.Unlock()
	if d != nil {
		s.notifier.enqueue(&c.q, d)
	}
	s.writeAction(w, r, c, http.StatusAccepted, opID, body)
}

// handleStopHoldMusic is POST {root}/{id}/participants/{pid}/stopHoldMusic
// (v1.0) for the participant on hold: 202 Accepted, the Location and body
// of a running stopHoldMusicOperation; its completion follows as deleted,
// completed. 409 for a participant not on hold.
func (s *Simulator) handleStopHoldMusic(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, pt, ok := s.lockHoldTarget(w, r, c, "stopHoldMusic")
	if !ok {
		return
	}
	if held := c.heldParticipant(); held != pt {
		c.mu.Unlock()
		writeError(w, http.StatusConflict, codeInvalidCallState, fmt.Sprintf("participant %s is not on hold", pt.id))
		return
	}
	c.actions.held = guid.GUID{}
	body, d, opID := s.runAction(c, typeStopHoldMusicOperation, req.clientContext, s.prof.actions.holdNoCompletion, nil)
	c.mu.Unlock()
	if d != nil {
		s.notifier.enqueue(&c.q, d)
	}
	s.writeAction(w, r, c, http.StatusAccepted, opID, body)
}

// dtmfTones are the values of a sendDtmfTones tone.
var dtmfTones = map[string]bool{
	"tone0": true, "tone1": true, "tone2": true, "tone3": true, "tone4": true, "tone5": true, "tone6": true,
	"tone7": true, "tone8": true, "tone9": true, "star": true, "pound": true,
	"a": true, "b": true, "c": true, "d": true, "flash": true,
}

// dtmfRequest is the validated body of sendDtmfTones.
type dtmfRequest struct {
	tones         []string
	clientContext *string
}

// parseDtmf validates a sendDtmfTones body under p: tones (required) lists
// at least one tone (tone0 to tone9, star, pound, a to d, flash);
// delayBetweenTonesMs, if there, a number from 0; clientContext.
func (p *profile) parseDtmf(o object) (*dtmfRequest, error) {
	a, ok, err := o.array("tones")
	if err != nil {
		return nil, err
	}
	if !ok || len(a) == 0 {
		return nil, errors.New("tones must list at least one tone")
	}
	req := &dtmfRequest{tones: make([]string, len(a))}
	for i, v := range a {
		t, ok := jsonString(v)
		if !ok || !dtmfTones[t] {
			return nil, fmt.Errorf("tones[%d] must be a tone: tone0 to tone9, star, pound, a to d or flash", i)
		}
		req.tones[i] = t
	}
	if o.present("delayBetweenTonesMs") {
		var ms float64
		if json.Unmarshal(o["delayBetweenTonesMs"], &ms) != nil || ms < 0 {
			return nil, errors.New("delayBetweenTonesMs must be a number of milliseconds from 0")
		}
	}
	if req.clientContext, err = o.clientContextUpTo(p.maxClientContext); err != nil {
		return nil, err
	}
	return req, nil
}

// handleSendDtmfTones is POST {root}/{id}/sendDtmfTones (v1.0) on an
// established call: 200 OK, the Location and body of a running
// sendDtmfTonesOperation; its completion follows as deleted, completed,
// completionReason completedSuccessfully.
func (s *Simulator) handleSendDtmfTones(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := readAction(w, r, s.prof.parseDtmf)
	if !ok || !lockEstablished(w, r, c, "sendDtmfTones") {
		return
	}
	body, d, opID := s.runAction(c, typeSendDtmfTonesOperation, req.clientContext, s.prof.actions.dtmfNoCompletion,
		func(j *actionNoteJSON) { j.CompletionReason = "completedSuccessfully" })
	c.mu.Unlock()
	if d != nil {
		s.notifier.enqueue(&c.q, d)
	}
	s.writeAction(w, r, c, http.StatusOK, opID, body)
}

// handleAddLargeGalleryView is POST {root}/{id}/addLargeGalleryView (v1.0)
// on an established call: 202 Accepted, the Location and body of a running
// addLargeGalleryViewOperation; its completion follows as deleted,
// completed.
func (s *Simulator) handleAddLargeGalleryView(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := readAction(w, r, s.prof.parseClientContext)
	if !ok || !lockEstablished(w, r, c, "addLargeGalleryView") {
		return
	}
	body, d, opID := s.runAction(c, typeLargeGalleryOperation, req.clientContext, s.prof.actions.galleryNoCompletion, nil)
	c.mu.Unlock()
	if d != nil {
		s.notifier.enqueue(&c.q, d)
	}
	s.writeAction(w, r, c, http.StatusAccepted, opID, body)
}

// screenSharingDirections are the directions of the bot's
// videoBasedScreenSharing stream, by role.
var screenSharingDirections = map[string]string{"sharer": "sendOnly", "viewer": "receiveOnly"}

// parseScreenSharingRole validates a changeScreenSharingRole body: role
// (required) is viewer or sharer.
func parseScreenSharingRole(o object) (string, error) {
	role, ok, err := o.str("role")
	if err != nil || !ok || screenSharingDirections[role] == "" {
		return "", errors.New("role is required: viewer or sharer")
	}
	return role, nil
}

// handleChangeScreenSharingRole is POST {root}/{id}/changeScreenSharingRole
// (v1.0) on an established call with app-hosted media (400 otherwise):
// 202 Accepted without a body; then a roster update shows the bot with a
// videoBasedScreenSharing stream, sendOnly for a sharer, receiveOnly for
// a viewer.
func (s *Simulator) handleChangeScreenSharingRole(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	role, ok := readAction(w, r, parseScreenSharingRole)
	if !ok || !lockEstablished(w, r, c, "changeScreenSharingRole") {
		return
	}
	if t, _, _ := memberString(c.mediaConfig, "@odata.type"); t != typeAppHostedMediaConfig && !s.prof.actions.screenSharingAnyMedia {
		c.mu.Unlock()
		writeError(w, http.StatusBadRequest, codeBadRequest,
			"changeScreenSharingRole is supported only for calls that use app-hosted media (appHostedMediaConfig)")
		return
	}
	var d *delivery
	if bot := c.participant(c.bot.String()); bot != nil && !s.prof.actions.screenSharingNoRoster {
		bot.screenSharing = screenSharingDirections[role]
		c.etag++
		bot.etag, bot.note = c.etag, nil
		d = s.note(c, "updated", "/participants", s.roster(c))
	}
	c.mu.Unlock()
	if d != nil {
		s.notifier.enqueue(&c.q, d)
	}
	w.WriteHeader(http.StatusAccepted)
}

// parseDeviceQuality validates a logTeleconferenceDeviceQuality body:
// quality (required) is a teleconferenceDeviceQuality object.
func (s *Simulator) parseDeviceQuality(o object) (json.RawMessage, error) {
	q, err := o.rawObject("quality")
	if err != nil {
		return nil, err
	}
	if q == nil && !s.prof.actions.deviceQualityUnchecked {
		return nil, errors.New("quality is required: a teleconferenceDeviceQuality object")
	}
	return q, nil
}

// handleLogDeviceQuality is POST {root}/logTeleconferenceDeviceQuality
// (v1.0): 200 OK without a body for a body with quality; 400 otherwise.
func (s *Simulator) handleLogDeviceQuality(w http.ResponseWriter, r *http.Request, _ *principal) {
	if _, ok := readAction(w, r, s.parseDeviceQuality); !ok {
		return
	}
	w.WriteHeader(http.StatusOK)
}
