package playback

// outcomeTriggers are the test-control actions that only decide what the
// far end does with a later operation (a transfer target or redirect
// targets accept or decline). The mock has nothing to send for them: the
// fixture's own notifications already say what the far end did.
var outcomeTriggers = map[string]bool{
	"transfer-accept": true, "transfer-reject": true,
	"redirect-accept": true, "redirect-reject": true,
}

// playOutcome plays trigger step i when it is an outcome trigger, and
// reports whether it was one.
func (s *scenario) playOutcome(i int) bool {
	if !outcomeTriggers[s.f.Steps[i].Trigger] {
		return false
	}
	s.steps[i].played = true
	return true
}
