package interop

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// Gap is a known mismatch between the SDK's models and what the real
// service sends. The simulator sends what the service sends, so the gap
// shows on its notifications too; it is a fault of the SDK, not of the
// simulator.
type Gap struct {
	Name string // short name, e.g. "operation-status-case"
	Why  string // what differs, and where the service's side is seen

	explains func(*LossError) bool
}

// Explains reports whether the gap accounts for the loss e.
func (g Gap) Explains(e *LossError) bool { return g.explains(e) }

// KnownGaps are the gaps of the SDK version this module requires.
var KnownGaps = []Gap{{
	Name: "operation-status-case",
	Why: "the SDK's operationStatus enum spells NotStarted, Running, Completed, Failed " +
		"(from the v1.0 metadata), while the service's operation notifications send " +
		"completed and failed (every recording, every documented example); the SDK's " +
		"parser returns no status for them, so a bot on the SDK cannot read an operation's outcome",
	explains: lowerCaseOperationStatus,
}}

// lowerCaseOperationStatus reports whether e is an operation's status that
// the SDK dropped because it is the lower-camel-case form of one of the
// SDK's own operationStatus values.
func lowerCaseOperationStatus(e *LossError) bool {
	if !operationTypes[e.Model] || e.Got != "" || !strings.HasSuffix(e.Path, ".status") {
		return false
	}
	var want string
	if json.Unmarshal([]byte(e.Want), &want) != nil {
		return false
	}
	for s := models.NOTSTARTED_OPERATIONSTATUS; s <= models.FAILED_OPERATIONSTATUS; s++ {
		sdk := s.String()
		if want != sdk && want == strings.ToLower(sdk[:1])+sdk[1:] {
			return true
		}
	}
	return false
}

// Tolerate splits err, an error of Parse, into the losses that a known
// gap explains and the rest, which is nil when nothing else went wrong.
func Tolerate(err error) (explained []*LossError, rest error) {
	var kept []error
	for _, e := range Problems(err) {
		var loss *LossError
		if errors.As(e, &loss) && knownGap(loss) {
			explained = append(explained, loss)
			continue
		}
		kept = append(kept, e)
	}
	return explained, errors.Join(kept...)
}

func knownGap(e *LossError) bool {
	for _, g := range KnownGaps {
		if g.Explains(e) {
			return true
		}
	}
	return false
}

// Problems returns the single problems joined in err (by Parse or
// errors.Join, at any depth), in order; nil for a nil err.
func Problems(err error) []error {
	if err == nil {
		return nil
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range joined.Unwrap() {
		out = append(out, Problems(e)...)
	}
	return out
}
