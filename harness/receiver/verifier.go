package receiver

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrUnauthorized is wrapped by every error Verify returns, together with
// one of the reasons below when the reason is known.
var ErrUnauthorized = errors.New("unauthorized notification")

// Reasons Verify refuses a token for; each is wrapped with ErrUnauthorized.
var (
	ErrNoToken          = errors.New("no bearer token")
	ErrMalformedToken   = errors.New("malformed token")
	ErrBadSignature     = errors.New("bad signature")
	ErrUnknownKey       = errors.New("unknown signing key")
	ErrKeysUnavailable  = errors.New("signing keys unavailable")
	ErrExpired          = errors.New("expired token")
	ErrWrongAudience    = errors.New("wrong audience")
	ErrWrongIssuer      = errors.New("wrong issuer")
	ErrVerifierNotReady = errors.New("verifier needs OpenIDConfigURL and Audience")
)

// DefaultIssuers are the issuers accepted when Verifier.Issuers is nil.
var DefaultIssuers = []string{"https://api.botframework.com", "https://graph.microsoft.com"}

// Defaults and bounds of a Verifier.
const (
	DefaultRefreshEvery = 2 * time.Hour
	defaultFetchTimeout = 10 * time.Second
	// minRefreshGap bounds how often a token with an unknown key id, or a
	// failing key endpoint, can make the verifier fetch the keys again.
	minRefreshGap = 30 * time.Second
	// clockSkew is the leeway allowed on exp and nbf.
	clockSkew = time.Minute
)

// Verifier checks the bearer JWT the calling service signs each notification
// with: RS256, issuer one of Issuers, audience the bot's app id, keys from an
// OpenID configuration. Keys are cached; it is safe for concurrent use, and
// must not be copied after first use.
type Verifier struct {
	// OpenIDConfigURL is required: the OpenID configuration whose jwks_uri
	// lists the RSA signing keys (kty, kid, n, e in base64url).
	OpenIDConfigURL string
	// Issuers are the accepted "iss" values, compared exactly and also
	// ignoring one trailing slash; nil means DefaultIssuers.
	Issuers []string
	// Audience is required: the bot's app id, expected in "aud".
	Audience string
	// HTTPClient fetches the configuration and the keys; nil means a client
	// with a 10 s timeout.
	HTTPClient *http.Client
	// RefreshEvery is how long fetched keys are used before being fetched
	// again; 0 (or less) means 2 h. A token naming an unknown key id makes
	// the verifier fetch them again at once, at most every 30 s.
	RefreshEvery time.Duration

	fetchMu sync.Mutex // one fetch at a time

	mu      sync.Mutex                // guards the fields below
	keys    map[string]*rsa.PublicKey // by kid; nil before the first successful fetch
	fetched time.Time                 // when keys were fetched
	tried   time.Time                 // when a fetch was last attempted
	now     func() time.Time          // nil means time.Now; tests set it
}

// Verify checks authorization, the value of a notification's Authorization
// header ("Bearer <jwt>"). It returns nil for a valid token, else an error
// wrapping ErrUnauthorized and, when known, the reason (ErrNoToken,
// ErrBadSignature, ErrUnknownKey, ErrExpired, ErrWrongAudience,
// ErrWrongIssuer, ...). The error never contains the token.
func (v *Verifier) Verify(ctx context.Context, authorization string) error {
	if v.OpenIDConfigURL == "" || v.Audience == "" {
		return fmt.Errorf("%w: %w", ErrUnauthorized, ErrVerifierNotReady)
	}
	scheme, raw, _ := strings.Cut(strings.TrimSpace(authorization), " ")
	raw = strings.TrimSpace(raw)
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return fmt.Errorf("%w: %w", ErrUnauthorized, ErrNoToken)
	}

	var keyErr error // why the key could not be found, if it could not
	keyfunc := func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		keys, err := v.keySet(ctx, kid)
		if err != nil {
			keyErr = fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
			return nil, keyErr
		}
		if kid == "" {
			set := jwt.VerificationKeySet{}
			for _, k := range keys {
				set.Keys = append(set.Keys, k)
			}
			return set, nil
		}
		k, ok := keys[kid]
		if !ok {
			keyErr = fmt.Errorf("%w %q", ErrUnknownKey, kid)
			return nil, keyErr
		}
		return k, nil
	}
	token, err := jwt.Parse(raw, keyfunc,
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithAudience(v.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(clockSkew),
		jwt.WithTimeFunc(v.clock),
	)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnauthorized, reason(err, keyErr, token))
	}
	iss, _ := token.Claims.GetIssuer()
	if !v.issuerOK(iss) {
		return fmt.Errorf("%w: %w %q", ErrUnauthorized, ErrWrongIssuer, iss)
	}
	return nil
}

// reason turns a jwt parse error into one of the reason sentinels, with a
// detail that never contains the token.
func reason(err, keyErr error, token *jwt.Token) error {
	switch {
	case keyErr != nil:
		return keyErr
	case errors.Is(err, jwt.ErrTokenMalformed):
		return ErrMalformedToken
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		if token != nil && token.Method != nil && token.Method.Alg() != jwt.SigningMethodRS256.Alg() {
			return fmt.Errorf("%w: algorithm %q, want RS256", ErrBadSignature, token.Method.Alg())
		}
		return ErrBadSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		return ErrExpired
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing) && !hasExp(token):
		return fmt.Errorf("%w: no exp claim", ErrExpired)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return fmt.Errorf("%w: no aud claim", ErrWrongAudience)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		var aud jwt.ClaimStrings
		if token != nil && token.Claims != nil {
			aud, _ = token.Claims.GetAudience()
		}
		return fmt.Errorf("%w %q", ErrWrongAudience, []string(aud))
	default:
		return err // not yet valid, used before issued: jwt's text names the claim
	}
}

// hasExp reports whether the token has an exp claim.
func hasExp(token *jwt.Token) bool {
	if token == nil || token.Claims == nil {
		return false
	}
	exp, err := token.Claims.GetExpirationTime()
	return err == nil && exp != nil
}

// issuerOK reports whether iss is one of the accepted issuers, ignoring one
// trailing slash on either side.
func (v *Verifier) issuerOK(iss string) bool {
	issuers := v.Issuers
	if issuers == nil {
		issuers = DefaultIssuers
	}
	for _, want := range issuers {
		if iss == want || strings.TrimSuffix(iss, "/") == strings.TrimSuffix(want, "/") {
			return true
		}
	}
	return false
}

// clock returns the current time.
func (v *Verifier) clock() time.Time {
	if v.now != nil {
		return v.now()
	}
	return time.Now()
}
