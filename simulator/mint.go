package simulator

import (
	"errors"
	"time"
)

// MintAccessToken signs an access token for the built-in client clientID as
// the token endpoint would, but with audience aud and the given lifetime
// (negative: already expired). Conformance specs use it to check that the
// API refuses expired and wrong-audience tokens with 401.
func (s *Simulator) MintAccessToken(clientID, aud string, lifetime time.Duration) (string, error) {
	for _, c := range s.clients {
		if c.ID != clientID {
			continue
		}
		now := time.Now()
		issued := now
		if lifetime < 0 {
			issued = now.Add(lifetime - time.Hour)
		}
		return s.accessToken(c, aud, issued, now.Add(lifetime))
	}
	return "", errors.New("simulator: mint access token: unknown client")
}
