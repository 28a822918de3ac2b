package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/callconform/callconform/internal/guid"
)

// Operation types of the call actions (v1.0; the 2018 pages answer each
// with a commsOperation), and the failed status.
const (
	typeMuteOperation            = "#microsoft.graph.muteParticipantOperation"
	typeUnmuteOperation          = "#microsoft.graph.unmuteParticipantOperation"
	typePlayPromptOperation      = "#microsoft.graph.playPromptOperation"
	typeRecordOperation          = "#microsoft.graph.recordOperation"
	typeCancelMediaOperation     = "#microsoft.graph.cancelMediaProcessingOperation"
	typeSubscribeToneOperation   = "#microsoft.graph.subscribeToToneOperation"
	typeRecordingStatusOperation = "#microsoft.graph.updateRecordingStatusOperation"
	typeToneInfo                 = "#microsoft.graph.toneInfo"
)

// Limits of the media actions: playPrompt plays at most 20 prompts,
// recordResponse at most 1; its timeouts and duration are 1 to 120
// seconds, 5 by default.
const (
	maxPrompts       = 20
	maxRecordPrompts = 1
	minRecordSeconds = 1
	maxRecordSeconds = 120
	defRecordSeconds = 5
)

// The resultInfo of media operations, as the pages show them.
var (
	resultPromptDone = endReason{"200", "0", "Action completed successfully."}
	resultRecordDone = endReason{"200", "8515", "Action completed, max record duration reached."}
	resultCancelled  = endReason{"400", "8508", "Action failed, the operation was cancelled."}
)

// mediaState is what a call's participant and media actions keep; guarded
// by the call's mu. Its zero value is a call with none.
type mediaState struct {
	queue     []*mediaOp      // playPrompt and record operations; the first one runs, the others wait
	tones     bool            // subscribeToTone was called: tones are notified
	toneSeq   int             // sequenceId of the last tone notified
	recording string          // the status updateRecordingStatus set last
	armed     []string        // outcomes of the next invitees (participant-decline, participant-answer wait)
	sharing   *sharingSession // the content sharing session under way, if any
	// recordings are the access tokens of the completed records, by
	// operation id.
	recordings map[guid.GUID]string

	// sharingEnabled: the call was created with callOptions
	// .isContentSharingNotificationEnabled (v1.0).
	sharingEnabled bool
}

// mediaOp is a playPrompt or record operation in a call's media queue.
type mediaOp struct {
	op        *operation
	record    bool
	prompts   []json.RawMessage
	maxRecord time.Duration // how long a record runs, on the simulator's Clock
	location  string        // recordingLocation of a record
	timer     Timer         // ends a running record
}

// stop cancels the timer of the running record, if any; the call's mu
// must be held.
func (m *mediaState) stop() {
	if len(m.queue) > 0 && m.queue[0].timer != nil {
		m.queue[0].timer.Stop()
		m.queue[0].timer = nil
	}
}

// actionNoteJSON is an action's operation as its completion notification
// shows it.
type actionNoteJSON struct {
	operationJSON
	Prompts              []json.RawMessage `json:"prompts,omitempty"`
	CompletionReason     string            `json:"completionReason,omitempty"`
	RecordingLocation    string            `json:"recordingLocation,omitempty"`
	RecordingAccessToken string            `json:"recordingAccessToken,omitempty"`
}

// recordBodyJSON is a record operation as the answer shows it: the
// recording's location is null until it completes.
type recordBodyJSON struct {
	operationJSON
	RecordingLocation json.RawMessage `json:"recordingLocation"`
}

// opType returns the operation type of an action under the profile: t, or
// commsOperation where the profile types them so.
func (s *Simulator) opType(t string) string {
	if s.prof.media.typedOps {
		return t
	}
	return typeCommsOperation
}

// startAction creates an operation of type t on c, completed at once when
// done, and returns it with its answer body; c.mu must be held.
func (s *Simulator) startAction(c *call, t string, clientContext *string, done bool) (*operation, operationJSON) {
	op := s.newOperation(s.opType(t), clientContext, nil)
	if done {
		op.complete(op.created)
	}
	c.ops[op.id] = op
	body := s.operationBody(op)
	body.ResultInfo = nil // the action pages show none (record's null: handleRecord)
	return op, body
}

// writeActionAnswer writes 200 OK, the Location of the operation and body.
func (s *Simulator) writeActionAnswer(w http.ResponseWriter, r *http.Request, c *call, opID guid.GUID, body any) {
	w.Header().Set("Location", s.base(r)+s.root(r)+"/"+c.id.String()+"/operations/"+opID.String())
	writeJSON(w, http.StatusOK, body)
}

// finishNote returns the deleted notification that ends op with status
// and why; op takes that status as it is sent. extra adds members. c.mu
// must be held.
func (s *Simulator) finishNote(c *call, op *operation, status string, why endReason, extra func(*actionNoteJSON)) *delivery {
	rel := "/operations/" + s.noteID(op.id)
	j := actionNoteJSON{operationJSON: s.completionNote(c, op, s.resource(c)+rel)}
	j.Status = status
	j.ResultInfo = mustMarshal(s.resultInfo(why))
	if extra != nil {
		extra(&j)
	}
	d := s.note(c, "deleted", rel, j)
	d.before = func() bool {
		t := s.clock.Now()
		c.mu.Lock()
		op.status, op.lastAction = status, t
		c.mu.Unlock()
		return true
	}
	return d
}

// readAction reads the body of a call action: a JSON object, or nothing
// (an action whose members are all optional); parse validates it. It
// writes the refusal.
func readAction[T any](w http.ResponseWriter, r *http.Request, parse func(object) (T, error)) (T, bool) {
	var zero T
	body, ok := readBody(w, r)
	if !ok {
		return zero, false
	}
	o := object{}
	if len(bytes.TrimSpace(body)) > 0 {
		if !isJSONContentType(r.Header.Get("Content-Type")) {
			writeError(w, http.StatusUnsupportedMediaType, codeUnsupportedMedia,
				"the request body must be application/json, not "+quoteOrNone(r.Header.Get("Content-Type")))
			return zero, false
		}
		var err error
		if o, err = parseObject(body); err != nil {
			writeError(w, http.StatusBadRequest, codeBadRequest, err.Error())
			return zero, false
		}
	}
	v, err := parse(o)
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, err.Error())
		return zero, false
	}
	return v, true
}

// lockEstablished locks c if it is established and returns true; else it
// writes 409 InvalidCallState naming action and returns false, c unlocked.
func lockEstablished(w http.ResponseWriter, r *http.Request, c *call, action string) bool {
	c.mu.Lock()
	if c.state == stateEstablished {
		return true
	}
	state := c.state
	c.mu.Unlock()
	writeError(w, http.StatusConflict, codeInvalidCallState,
		fmt.Sprintf("call %s is %s; %s needs an established call", r.PathValue("id"), state, action))
	return false
}

// serviceHosted reports whether c's media is hosted by the service, which
// playPrompt and recordResponse need; c.mu must be held.
func (c *call) serviceHosted() bool {
	t, _, _ := memberString(c.mediaConfig, "@odata.type")
	return t == typeServiceHostedMediaConfig
}

// promptRequest is the validated body of playPrompt.
type promptRequest struct {
	prompts       []json.RawMessage
	clientContext *string
}

// parsePrompt validates a playPrompt body under p: prompts lists 1 to 20
// mediaPrompts, each with a mediaInfo whose uri is a string; clientContext.
func (p *profile) parsePrompt(o object) (*promptRequest, error) {
	prompts, err := parsePrompts(o, 1, maxPrompts)
	if err != nil {
		return nil, err
	}
	req := &promptRequest{prompts: prompts}
	if req.clientContext, err = o.clientContextUpTo(p.maxClientContext); err != nil {
		return nil, err
	}
	return req, nil
}

// parsePrompts reads the prompts member: between least and most
// mediaPrompts, each an object with a mediaInfo object whose uri is a
// non-empty string.
func parsePrompts(o object, least, most int) ([]json.RawMessage, error) {
	a, _, err := o.array("prompts")
	if err != nil {
		return nil, err
	}
	if len(a) < least {
		return nil, errors.New("prompts must list at least one mediaPrompt")
	}
	if len(a) > most {
		return nil, fmt.Errorf("prompts lists %d prompts; at most %d are allowed", len(a), most)
	}
	for i, v := range a {
		if kindOf(v) != '{' {
			return nil, fmt.Errorf("prompts[%d] must be a mediaPrompt object", i)
		}
		info, ok := member(v, "mediaInfo")
		if !ok || kindOf(info) != '{' {
			return nil, fmt.Errorf("prompts[%d].mediaInfo must be an object", i)
		}
		if uri, _, err := memberString(info, "uri"); err != nil || uri == "" {
			return nil, fmt.Errorf("prompts[%d].mediaInfo.uri must be a non-empty string", i)
		}
		a[i] = compact(v)
	}
	return a, nil
}

// handlePlayPrompt is POST {root}/{id}/playPrompt on an established call
// with service-hosted media (400 otherwise): 200 OK, the Location of a
// running playPromptOperation and the operation. The call's media
// operations run one at a time, in order: a prompt plays as soon as the
// ones before it are done, and its completion follows as deleted,
// completed, resultInfo 200/0.
func (s *Simulator) handlePlayPrompt(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := readAction(w, r, s.prof.parsePrompt)
	if !ok || !lockEstablished(w, r, c, "playPrompt") {
		return
	}
	if !c.serviceHosted() {
		c.mu.Unlock()
		writeError(w, http.StatusBadRequest, codeBadRequest,
			"playPrompt is supported only for calls that use service-hosted media (serviceHostedMediaConfig)")
		return
	}
	op, body := s.startAction(c, typePlayPromptOperation, req.clientContext, false)
	c.media.queue = append(c.media.queue, &mediaOp{op: op, prompts: req.prompts})
	ds := s.advanceMedia(c)
	c.mu.Unlock()
	s.notifier.enqueue(&c.q, ds...)
	s.writeActionAnswer(w, r, c, op.id, body)
}

// advanceMedia runs c's media queue: prompts at its head complete at once,
// a record at its head starts its timer. It returns the completions to
// notify; c.mu must be held.
func (s *Simulator) advanceMedia(c *call) []*delivery {
	var ds []*delivery
	for len(c.media.queue) > 0 {
		head := c.media.queue[0]
		if head.record {
			if head.timer == nil {
				head.timer = s.clock.AfterFunc(head.maxRecord, func() { s.recordDone(c, head) })
			}
			break
		}
		c.media.queue = c.media.queue[1:]
		if s.prof.media.promptNoCompletion {
			head.op.complete(s.clock.Now())
			continue
		}
		ds = append(ds, s.finishNote(c, head.op, statusCompleted, resultPromptDone, func(j *actionNoteJSON) {
			j.Prompts = head.prompts
			if s.prof.media.completionReasons {
				j.CompletionReason = "completedSuccessfully"
			}
		}))
	}
	return ds
}

// cancelRequest is the validated body of cancelMediaProcessing.
type cancelRequest struct{ clientContext *string }

func (p *profile) parseCancel(o object) (*cancelRequest, error) {
	cc, err := o.clientContextUpTo(p.maxClientContext)
	return &cancelRequest{cc}, err
}

// handleCancelMedia is POST {root}/{id}/cancelMediaProcessing: 200 OK, the
// Location of a completed cancelMediaProcessingOperation and the
// operation; then each playPrompt and record operation still running or
// waiting completes as deleted, failed, resultInfo 400/8508
// (completionReason operationCanceled for a record, mediaOperationCanceled
// for a prompt). A subscribeToTone is not cancelled.
func (s *Simulator) handleCancelMedia(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := readAction(w, r, s.prof.parseCancel)
	if !ok || !lockEstablished(w, r, c, "cancelMediaProcessing") {
		return
	}
	op, body := s.startAction(c, typeCancelMediaOperation, req.clientContext, true)
	c.media.stop()
	queue := c.media.queue
	c.media.queue = nil
	ds := make([]*delivery, 0, len(queue))
	for _, m := range queue {
		ds = append(ds, s.cancelNote(c, m))
	}
	c.mu.Unlock()
	s.notifier.enqueue(&c.q, ds...)
	s.writeActionAnswer(w, r, c, op.id, body)
}

// cancelNote returns the completion of media operation m, cancelled;
// c.mu must be held.
func (s *Simulator) cancelNote(c *call, m *mediaOp) *delivery {
	status, why, reason := statusFailed, resultCancelled, "mediaOperationCanceled"
	if m.record {
		reason = "operationCanceled"
	}
	if s.prof.media.cancelNotFailing {
		status, why, reason = statusCompleted, resultPromptDone, "completedSuccessfully"
	}
	return s.finishNote(c, m.op, status, why, func(j *actionNoteJSON) {
		if !m.record {
			j.Prompts = m.prompts
		}
		if s.prof.media.completionReasons {
			j.CompletionReason = reason
		}
	})
}

// abandonOperations returns the completions, failed 400/8508, of what c's
// end leaves unfinished: its media operations running or waiting, and
// invites whose invitees have not answered, so that every operation
// answered running is notified. c.mu must be held.
func (s *Simulator) abandonOperations(c *call) []*delivery {
	var ds []*delivery
	c.media.stop()
	for _, m := range c.media.queue {
		ds = append(ds, s.cancelNote(c, m))
	}
	c.media.queue = nil
	seen := map[*inviteState]bool{}
	for _, pt := range c.participants {
		if st := pt.pending; st != nil && !seen[st] {
			seen[st] = true
			d := s.finishNote(c, st.op, statusFailed, resultCancelled, nil)
			if replaced := st.replaced; replaced != nil {
				d.after = func() { release(replaced) }
			}
			ds = append(ds, d)
		}
	}
	return ds
}
