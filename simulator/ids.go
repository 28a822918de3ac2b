package simulator

import (
	"strings"

	"github.com/callconform/callconform/internal/guid"
)

// parseCallRef reads a reference to a call: a bare id in either form, or a
// call path such as /app/calls/{id}, /applications/{appId}/calls/{id} or
// /communications/calls/{id}.
func parseCallRef(s string) (guid.GUID, bool) {
	if i, ok := guid.Parse(s); ok {
		return i, true
	}
	if !strings.HasPrefix(s, "/") {
		return guid.GUID{}, false
	}
	parts := strings.Split(strings.TrimPrefix(s, "/"), "/")
	switch {
	case len(parts) == 3 && (parts[0] == "app" || parts[0] == "communications") && parts[1] == "calls":
		return guid.Parse(parts[2])
	case len(parts) == 4 && parts[0] == "applications" && parts[2] == "calls":
		return guid.Parse(parts[3])
	}
	return guid.GUID{}, false
}
