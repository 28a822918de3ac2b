// Package callbacksign signs the bearer tokens of calls-API notifications as
// the calling service does, and serves the OpenID configuration and keys that
// verify them. The simulator and replay serve share it, so that a bot sees the
// same tokens from both.
package callbacksign

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Where the keys are served, and who issues notification tokens.
const (
	Issuer           = "https://api.botframework.com"
	OpenIDConfigPath = "/.well-known/openid-configuration"
	JWKSPath         = "/.well-known/keys"
)

// Claims are the claims of a notification token. TenantID2 is the tenant
// claim the reference validator of the comms samples requires besides tid.
type Claims struct {
	jwt.RegisteredClaims
	TenantID  string `json:"tid,omitempty"`
	TenantID2 string `json:"http://schemas.microsoft.com/identity/claims/tenantid,omitempty"`
}

// NotificationClaims are the claims of a token for a notification to the bot
// whose app id is aud, in tenant tenantID, valid from now for lifetime.
func NotificationClaims(aud, tenantID string, now time.Time, lifetime time.Duration) Claims {
	return Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Audience:  jwt.ClaimStrings{aud},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(lifetime)),
		},
		TenantID:  tenantID,
		TenantID2: tenantID,
	}
}

// Sign signs claims with RS256 under key, naming kid in the header.
func Sign(key *rsa.PrivateKey, kid string, claims jwt.Claims) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	return tok.SignedString(key)
}

// KeyID derives a stable key id from a public key.
func KeyID(pub *rsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// ServeOpenIDConfig writes the OpenID configuration whose jwks_uri is
// jwksURL.
func ServeOpenIDConfig(w http.ResponseWriter, jwksURL string) {
	writeJSON(w, struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
		Methods []string `json:"token_endpoint_auth_methods_supported"`
	}{Issuer, jwksURL, []string{"RS256"}, []string{"private_key_jwt"}})
}

// ServeJWKS writes the key set holding pub under kid.
func ServeJWKS(w http.ResponseWriter, pub *rsa.PublicKey, kid string) {
	type jwk struct {
		Kty string `json:"kty"`
		Use string `json:"use"`
		Kid string `json:"kid"`
		Alg string `json:"alg"`
		N   string `json:"n"`
		E   string `json:"e"`
	}
	writeJSON(w, struct {
		Keys []jwk `json:"keys"`
	}{[]jwk{{
		Kty: "RSA", Use: "sig", Kid: kid, Alg: "RS256",
		N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
