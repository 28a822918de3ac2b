package simulator

import (
	"fmt"
	"net/http"
)

// handleSubscribeToTone is POST {root}/{id}/subscribeToTone on an
// established call: 200 OK, the Location of the subscribeToToneOperation
// and the operation, completed (v1.0: no notification follows) or, under
// the 2018 page, running and then completed by a deleted notification.
// From then on each tone the caller presses (test control: /_control/tone)
// is notified as updated on the call, with toneInfo {sequenceId, tone},
// sequenceId counting from 1. cancelMediaProcessing does not end it.
func (s *Simulator) handleSubscribeToTone(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := readAction(w, r, s.prof.parseClientContext)
	if !ok || !lockEstablished(w, r, c, "subscribeToTone") {
		return
	}
	running := s.prof.media.toneOpRunning
	op, body := s.startAction(c, typeSubscribeToneOperation, req.clientContext, !running)
	c.media.tones = true
	var d *delivery
	if running {
		d = s.finishNote(c, op, statusCompleted, resultPromptDone, nil)
	}
	c.mu.Unlock()
	if d != nil {
		s.notifier.enqueue(&c.q, d)
	}
	s.writeActionAnswer(w, r, c, op.id, body)
}

// tones are the values of toneInfo.tone.
var tones = map[string]bool{
	"tone0": true, "tone1": true, "tone2": true, "tone3": true, "tone4": true, "tone5": true,
	"tone6": true, "tone7": true, "tone8": true, "tone9": true, "star": true, "pound": true,
	"a": true, "b": true, "c": true, "d": true, "flash": true,
}

// toneInfoJSON is the toneInfo of a tone notification.
type toneInfoJSON struct {
	OdataType  string `json:"@odata.type,omitempty"`
	SequenceID int    `json:"sequenceId"`
	Tone       string `json:"tone"`
}

// toneNoteJSON is the resourceData of a tone notification: the call,
// established, with its toneInfo.
type toneNoteJSON struct {
	callJSON
	ToneInfo toneInfoJSON `json:"toneInfo"`
}

// pressTone notifies tone on c, which must be established (409) and
// subscribed to tones (409): updated on the call, state established,
// toneInfo with the next sequenceId.
func (s *Simulator) pressTone(w http.ResponseWriter, c *call, tone string) {
	c.mu.Lock()
	if c.state != stateEstablished || !c.media.tones {
		why := fmt.Sprintf("call %s is %s", c.id, c.state)
		if c.state == stateEstablished {
			why = fmt.Sprintf("call %s has not subscribed to tones (subscribeToTone)", c.id)
		}
		c.mu.Unlock()
		writeError(w, http.StatusConflict, codeInvalidCallState, why+"; no tone can be notified")
		return
	}
	if !s.prof.media.toneSeqFixed || c.media.toneSeq == 0 {
		c.media.toneSeq++
	}
	n := toneNoteJSON{callJSON: s.callNote(c), ToneInfo: toneInfoJSON{SequenceID: c.media.toneSeq, Tone: tone}}
	n.State = stateEstablished
	if s.prof.typedEnvelope {
		n.ToneInfo.OdataType = typeToneInfo
	}
	d := s.note(c, "updated", "", n)
	seq := c.media.toneSeq
	c.mu.Unlock()
	s.notifier.enqueue(&c.q, d)
	writeJSON(w, http.StatusOK, struct {
		CallID     string `json:"callId"`
		Tone       string `json:"tone"`
		SequenceID int    `json:"sequenceId"`
	}{c.id.String(), tone, seq})
}
