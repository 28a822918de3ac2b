package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/callconform/callconform/internal/guid"
)

// recordRequest is the validated body of recordResponse.
type recordRequest struct {
	prompts       []json.RawMessage
	maxRecord     int
	clientContext *string
}

// parseRecord validates a recordResponse body under p: at most one
// prompt; bargeInAllowed and playBeep booleans; the timeouts and the
// duration whole seconds from 1 to 120; stopTones an array of strings.
func (p *profile) parseRecord(o object) (*recordRequest, error) {
	prompts, err := parsePrompts(o, 0, maxRecordPrompts)
	if err != nil {
		return nil, err
	}
	req := &recordRequest{prompts: prompts}
	for _, k := range []string{"bargeInAllowed", "playBeep"} {
		if o.present(k) && string(bytes.TrimSpace(o[k])) != "true" && string(bytes.TrimSpace(o[k])) != "false" {
			return nil, fmt.Errorf("%s must be a boolean", k)
		}
	}
	for _, k := range []string{"initialSilenceTimeoutInSeconds", "maxSilenceTimeoutInSeconds", "maxRecordDurationInSeconds"} {
		n, err := o.secondsIn(k)
		if err != nil {
			return nil, err
		}
		if k == "maxRecordDurationInSeconds" {
			req.maxRecord = n
		}
	}
	stopTones, _, err := o.array("stopTones")
	if err != nil {
		return nil, err
	}
	for i, t := range stopTones {
		if _, ok := jsonString(t); !ok {
			return nil, fmt.Errorf("stopTones[%d] must be a string", i)
		}
	}
	if req.clientContext, err = o.clientContextUpTo(p.maxClientContext); err != nil {
		return nil, err
	}
	return req, nil
}

// secondsIn reads an optional whole number of seconds from 1 to 120; 5
// when absent.
func (o object) secondsIn(k string) (int, error) {
	if !o.present(k) {
		return defRecordSeconds, nil
	}
	var n float64
	if kindOf(o[k]) == '"' || json.Unmarshal(o[k], &n) != nil ||
		n < minRecordSeconds || n > maxRecordSeconds || n != float64(int(n)) {
		return 0, fmt.Errorf("%s must be a whole number of seconds from %d to %d", k, minRecordSeconds, maxRecordSeconds)
	}
	return int(n), nil
}

// handleRecord is POST {root}/{id}/recordResponse (the 2018 page: /record)
// on an established call with service-hosted media: 200 OK, the Location
// of a running recordOperation (recordingLocation null) and the
// operation. The record runs, after the media operations before it, for
// maxRecordDurationInSeconds on the simulator's Clock; then its
// completion follows as deleted, completed, resultInfo 200/8515, with a
// recordingLocation and a recordingAccessToken.
func (s *Simulator) handleRecord(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := readAction(w, r, s.prof.parseRecord)
	if !ok || !lockEstablished(w, r, c, "recordResponse") {
		return
	}
	if !c.serviceHosted() {
		c.mu.Unlock()
		writeError(w, http.StatusBadRequest, codeBadRequest,
			"recordResponse is supported only for calls that use service-hosted media (serviceHostedMediaConfig)")
		return
	}
	op, body := s.startAction(c, typeRecordOperation, req.clientContext, false)
	if s.prof.media.typedOps {
		body.ResultInfo = jsonNull // as the v1.0 page shows it
	}
	m := &mediaOp{op: op, record: true, prompts: req.prompts,
		maxRecord: time.Duration(req.maxRecord) * time.Second,
		location:  s.base(r) + recordingsPath + c.id.String() + "/" + op.id.String()}
	c.media.queue = append(c.media.queue, m)
	ds := s.advanceMedia(c)
	c.mu.Unlock()
	s.notifier.enqueue(&c.q, ds...)
	s.writeActionAnswer(w, r, c, op.id, recordBodyJSON{operationJSON: body, RecordingLocation: jsonNull})
}

// recordingsPath is where a record's recordingLocation points:
// {recordingsPath}{callId}/{opId}.
const recordingsPath = "/_media/recordings/"

// recordDone ends record m of c once its duration passed, unless it was
// cancelled or the call ended, and runs what waited behind it.
func (s *Simulator) recordDone(c *call, m *mediaOp) {
	if s.closed.Load() {
		return
	}
	c.mu.Lock()
	if c.ended || c.state != stateEstablished || len(c.media.queue) == 0 || c.media.queue[0] != m {
		c.mu.Unlock()
		return
	}
	m.timer = nil
	c.media.queue = c.media.queue[1:]
	token := guid.New().Compact()
	if c.media.recordings == nil {
		c.media.recordings = make(map[guid.GUID]string)
	}
	c.media.recordings[m.op.id] = token
	ds := []*delivery{s.finishNote(c, m.op, statusCompleted, resultRecordDone, func(j *actionNoteJSON) {
		j.RecordingLocation = m.location
		j.RecordingAccessToken = token
		if s.prof.media.completionReasons {
			j.CompletionReason = "maxRecordDurationReached"
		}
	})}
	ds = append(ds, s.advanceMedia(c)...)
	c.mu.Unlock()
	s.notifier.enqueue(&c.q, ds...)
}

// handleRecording is GET {recordingsPath}{callId}/{opId}, a completed
// record's recordingLocation: with "Authorization: Bearer" and its
// recordingAccessToken, 200 and the recording (application/octet-stream,
// a short silence); 401 without that token; 404 for no such recording or
// a call that ended.
func (s *Simulator) handleRecording(w http.ResponseWriter, r *http.Request) {
	ci, ok1 := guid.Parse(r.PathValue("callId"))
	oi, ok2 := guid.Parse(r.PathValue("opId"))
	var token string
	found := false
	if c := s.calls.get(ci); ok1 && ok2 && c != nil {
		c.mu.Lock()
		token, found = c.media.recordings[oi]
		c.mu.Unlock()
	}
	if !found {
		writeError(w, http.StatusNotFound, codeNotFound, "no recording at "+r.URL.Path)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+token {
		w.Header().Set("WWW-Authenticate", `Bearer realm="recording"`)
		writeError(w, http.StatusUnauthorized, codeInvalidToken, "the recording needs its recordingAccessToken as a bearer token")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(make([]byte, 1600)) // 100 ms of 8 kHz 16-bit silence
}
