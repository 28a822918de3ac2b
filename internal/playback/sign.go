package playback

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/callconform/callconform/internal/callbacksign"
)

// Where the mock serves the keys that verify its notification tokens, as
// the calling service (and the simulator) serve theirs.
const (
	NotificationIssuer = callbacksign.Issuer
	OpenIDConfigPath   = callbacksign.OpenIDConfigPath
	JWKSPath           = callbacksign.JWKSPath
	tokenLifetime      = time.Hour
	tokenRefresh       = 5 * time.Minute
)

// signer signs notification tokens with a key made for this mock, caching
// one token per audience until shortly before it expires.
type signer struct {
	key      *rsa.PrivateKey
	kid      string
	tenantID string

	mu     sync.Mutex
	tokens map[string]signedToken
}

type signedToken struct {
	raw     string
	expires time.Time
}

func newSigner(tenantID string) (*signer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("mock: make a signing key: %w", err)
	}
	return &signer{key: key, kid: callbacksign.KeyID(&key.PublicKey), tenantID: tenantID, tokens: map[string]signedToken{}}, nil
}

// token returns a bearer token for a notification to the bot whose app id
// is aud.
func (s *signer) token(aud string) (string, error) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[aud]; ok && now.Before(t.expires.Add(-tokenRefresh)) {
		return t.raw, nil
	}
	claims := callbacksign.NotificationClaims(aud, s.tenantID, now, tokenLifetime)
	raw, err := callbacksign.Sign(s.key, s.kid, claims)
	if err != nil {
		return "", fmt.Errorf("mock: sign a notification token: %w", err)
	}
	s.tokens[aud] = signedToken{raw: raw, expires: claims.ExpiresAt.Time}
	return raw, nil
}

// serveOpenIDConfig serves the OpenID configuration whose jwks_uri lists
// the key of the notification tokens.
func (s *signer) serveOpenIDConfig(w http.ResponseWriter, base string) {
	callbacksign.ServeOpenIDConfig(w, base+JWKSPath)
}

func (s *signer) serveJWKS(w http.ResponseWriter) {
	callbacksign.ServeJWKS(w, &s.key.PublicKey, s.kid)
}
