package callbacksign

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Lifetime of the tokens a Signer makes, and how long before its expiry a
// cached token is replaced by a new one: a bot that checks exp with some
// clock skew never sees an expired token.
const (
	TokenLifetime = time.Hour
	RefreshMargin = 5 * time.Minute
)

// maxAudiences bounds a Signer's cache: past it, expired tokens are dropped,
// and if none has expired the cache starts afresh.
const maxAudiences = 4096

// Signer makes the bearer tokens of notifications for one tenant with one
// RSA key, and serves the OpenID configuration and keys that verify them.
// It signs one token per audience and hands it out again until RefreshMargin
// before it expires: an RSA signature per notification would dominate the
// CPU of a busy sender. A Signer is safe for concurrent use and holds no
// resource to release.
type Signer struct {
	key      *rsa.PrivateKey
	kid      string
	tenantID string
	now      func() time.Time // tests move time forward

	mu     sync.RWMutex
	tokens map[string]cachedToken // by audience
}

type cachedToken struct {
	raw     string
	expires time.Time
}

// NewSigner returns a Signer for tenantID with a new 2048-bit RSA key.
func NewSigner(tenantID string) (*Signer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("callbacksign: generate a signing key: %w", err)
	}
	return NewSignerWithKey(key, tenantID), nil
}

// NewSignerWithKey returns a Signer for tenantID that signs with key, for a
// caller that signs other tokens with the same key (the simulator's access
// tokens) or that shares one key between instances (tests).
func NewSignerWithKey(key *rsa.PrivateKey, tenantID string) *Signer {
	return &Signer{key: key, kid: KeyID(&key.PublicKey), tenantID: tenantID, now: time.Now,
		tokens: make(map[string]cachedToken)}
}

// Token returns a signed token for a notification to the bot whose app id
// is aud (without the "Bearer " prefix).
func (s *Signer) Token(aud string) (string, error) {
	now := s.now()
	s.mu.RLock()
	t, ok := s.tokens[aud]
	s.mu.RUnlock()
	if ok && fresh(t, now) {
		return t.raw, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[aud]; ok && fresh(t, now) {
		return t.raw, nil
	}
	claims := NotificationClaims(aud, s.tenantID, now, TokenLifetime)
	raw, err := Sign(s.key, s.kid, claims)
	if err != nil {
		return "", fmt.Errorf("callbacksign: sign a notification token: %w", err)
	}
	if len(s.tokens) >= maxAudiences {
		s.evict(now)
	}
	s.tokens[aud] = cachedToken{raw: raw, expires: claims.ExpiresAt.Time}
	return raw, nil
}

func fresh(t cachedToken, now time.Time) bool { return now.Before(t.expires.Add(-RefreshMargin)) }

// evict makes room in the cache; s.mu must be held.
func (s *Signer) evict(now time.Time) {
	for aud, t := range s.tokens {
		if !fresh(t, now) {
			delete(s.tokens, aud)
		}
	}
	if len(s.tokens) >= maxAudiences {
		clear(s.tokens)
	}
}

// Sign signs claims with the Signer's key, for other tokens the caller
// issues under the same keys (the simulator's access tokens).
func (s *Signer) Sign(claims jwt.Claims) (string, error) { return Sign(s.key, s.kid, claims) }

// KeyID returns the kid of the Signer's key.
func (s *Signer) KeyID() string { return s.kid }

// PublicKey returns the key that verifies the Signer's tokens.
func (s *Signer) PublicKey() *rsa.PublicKey { return &s.key.PublicKey }

// ServeOpenIDConfig writes the OpenID configuration whose jwks_uri is
// jwksURL, where the caller serves ServeJWKS.
func (s *Signer) ServeOpenIDConfig(w http.ResponseWriter, jwksURL string) {
	ServeOpenIDConfig(w, jwksURL)
}

// ServeJWKS writes the key set that verifies the Signer's tokens.
func (s *Signer) ServeJWKS(w http.ResponseWriter) { ServeJWKS(w, &s.key.PublicKey, s.kid) }
