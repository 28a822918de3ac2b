package playback

import "github.com/callconform/callconform/internal/callbacksign"

// Where the player serves the keys that verify its notification tokens, as
// the calling service (and the simulator) serve theirs. Tokens are signed
// and cached per audience by a callbacksign.Signer, as the simulator's are.
const (
	NotificationIssuer = callbacksign.Issuer
	OpenIDConfigPath   = callbacksign.OpenIDConfigPath
	JWKSPath           = callbacksign.JWKSPath
)
