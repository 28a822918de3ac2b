package recorder

import (
	"regexp"
	"strings"

	"github.com/callconform/callconform/internal/guid"
)

// guidRE finds GUIDs, dashed or as 32 hex digits: how the service writes
// the ids it mints.
var guidRE = regexp.MustCompile(`\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b|\b[0-9A-Fa-f]{32}\b`)

var idTokenRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_-]{15,}$`)

// looksID reports whether s reads as an id: a GUID in either form, or a
// token of 16 or more letters, digits, '-' and '_' with a digit in it.
func looksID(s string) bool {
	if len(s) < 16 {
		return false
	}
	if _, ok := guid.Parse(s); ok {
		return true
	}
	return idTokenRE.MatchString(s) && strings.ContainsAny(s, "0123456789")
}

// collections are the path segments an id minted by the service follows,
// and the base name of the variable it is captured into.
var collections = map[string]string{
	"calls":                  "callId",
	"operations":             "opId",
	"participants":           "participantId",
	"audioroutinggroups":     "audioRoutingGroupId",
	"contentsharingsessions": "contentSharingSessionId",
}

// collectionVar returns the variable base for an id that follows seg, or "".
func collectionVar(seg string) string { return collections[strings.ToLower(seg)] }

// idsIn returns the normalized ids in s: GUIDs anywhere, and id-like path
// segments or the whole value.
func idsIn(s string) []string {
	var out []string
	for _, m := range guidRE.FindAllString(s, -1) {
		out = append(out, guid.Normalize(m))
	}
	if looksID(s) {
		out = append(out, guid.Normalize(s))
	}
	if strings.Contains(s, "/") {
		for _, seg := range strings.Split(s, "/") {
			if looksID(seg) {
				out = append(out, guid.Normalize(seg))
			}
		}
	}
	return out
}

// splitPath splits "/app/calls/X?q" into its segments, query dropped.
func splitPath(p string) []string {
	p, _, _ = strings.Cut(p, "?")
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// callOf returns the normalized id of the call a resource names
// (/app/calls/{id}/...), or "".
func callOf(resource string) string {
	segs := splitPath(resource)
	for i := 0; i+1 < len(segs); i++ {
		if strings.EqualFold(segs[i], "calls") {
			return guid.Normalize(segs[i+1])
		}
	}
	return ""
}

// opOf returns the normalized id of the operation a resource names
// (.../operations/{id}), or "".
func opOf(resource string) string {
	segs := splitPath(resource)
	if n := len(segs); n >= 2 && strings.EqualFold(segs[n-2], "operations") {
		return guid.Normalize(segs[n-1])
	}
	return ""
}

// isRoster reports whether a resource is a call's participants or one of
// them (/app/calls/{id}/participants...).
func isRoster(resource string) bool {
	segs := splitPath(resource)
	for i := 2; i < len(segs); i++ {
		if strings.EqualFold(segs[i], "participants") && strings.EqualFold(segs[i-2], "calls") {
			return true
		}
	}
	return false
}
