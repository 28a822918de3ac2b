package mock

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Where the mock serves the keys that verify its notification tokens, as
// the calling service (and the simulator) serve theirs.
const (
	NotificationIssuer = "https://api.botframework.com"
	OpenIDConfigPath   = "/.well-known/openid-configuration"
	JWKSPath           = "/.well-known/keys"
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
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("mock: encode the signing key: %w", err)
	}
	sum := sha256.Sum256(der)
	return &signer{key: key, kid: base64.RawURLEncoding.EncodeToString(sum[:16]), tenantID: tenantID, tokens: map[string]signedToken{}}, nil
}

// notificationClaims are the claims the calling service puts in the bearer
// token of a notification.
type notificationClaims struct {
	jwt.RegisteredClaims
	TenantID string `json:"tid,omitempty"`
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
	exp := now.Add(tokenLifetime)
	claims := notificationClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    NotificationIssuer,
			Audience:  jwt.ClaimStrings{aud},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		TenantID: s.tenantID,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = s.kid
	raw, err := tok.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("mock: sign a notification token: %w", err)
	}
	s.tokens[aud] = signedToken{raw: raw, expires: exp}
	return raw, nil
}

// serveOpenIDConfig serves the OpenID configuration whose jwks_uri lists
// the key of the notification tokens.
func (s *signer) serveOpenIDConfig(w http.ResponseWriter, base string) {
	writeJSON(w, http.StatusOK, struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}{NotificationIssuer, base + JWKSPath, []string{"RS256"}})
}

func (s *signer) serveJWKS(w http.ResponseWriter) {
	type jwk struct {
		Kty string `json:"kty"`
		Use string `json:"use"`
		Kid string `json:"kid"`
		Alg string `json:"alg"`
		N   string `json:"n"`
		E   string `json:"e"`
	}
	pub := &s.key.PublicKey
	writeJSON(w, http.StatusOK, struct {
		Keys []jwk `json:"keys"`
	}{[]jwk{{
		Kty: "RSA", Use: "sig", Kid: s.kid, Alg: "RS256",
		N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
