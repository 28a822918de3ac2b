package playback

import (
	"fmt"
	"net/http"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/match"
	"github.com/callconform/callconform/internal/guid"
)

// callEvents are the triggers, besides incoming-call, that make something
// happen in a call the bot already has (a participant answers, declines or
// hangs up, someone joins, the caller presses a key, a transfer or a
// redirect is accepted or rejected). The mock stands in for the outside
// world: the event just happens, and the await blocks after it carry its
// notifications.
var callEvents = map[string]bool{
	"participant-answer": true, "participant-decline": true, "participant-hang-up": true,
	"tone": true, "meeting-join": true,
	"transfer-accept": true, "transfer-reject": true, "redirect-accept": true, "redirect-reject": true,
}

// playCallEvent plays trigger step i, a call event: it is done at once;
// its captures read what the simulator's test-control API answers, the
// call's id and a new participant's id. It returns how many steps it
// played.
func (s *scenario) playCallEvent(i int) (int, error) {
	st := &s.f.Steps[i]
	if !callEvents[st.Trigger] {
		return 0, fmt.Errorf("unknown trigger %q", st.Trigger)
	}
	body, err := s.triggerBody(st)
	if err != nil {
		return 0, err
	}
	callID, _ := body["callId"].(string)
	ctl := answer{status: http.StatusOK, header: http.Header{}}
	ctl.body, _ = jsonMarshal(map[string]any{"callId": callID, "participantId": guid.NewString()})
	for _, n := range match.SortedKeys(st.Capture) {
		v, err := captureAnswer(st.Capture[n], ctl)
		if err != nil {
			return 0, fmt.Errorf("capture %q: %w", n, err)
		}
		s.vars[n] = v
	}
	s.steps[i].played = true
	return 1, nil
}

// triggerBody returns the trigger step's body, expanded, when it is an
// object; nil when it has none or is not one.
func (s *scenario) triggerBody(st *fixture.Step) (map[string]any, error) {
	if len(st.Body) == 0 {
		return nil, nil
	}
	raw, err := fixture.ExpandJSON(st.Body, s.lookup)
	if err != nil {
		return nil, err
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	return m, nil
}
