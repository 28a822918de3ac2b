package playback

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/callconform/callconform/internal/excerpt"
	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/internal/secret"
)

// Audiences of a Graph access token the calls API accepts, as the
// simulator accepts them.
var graphAudiences = []string{"https://graph.microsoft.com", "https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000"}

// ErrTokenRefused is wrapped by every TokenError.
var ErrTokenRefused = errors.New("access token refused")

// TokenError says why a bot's access token was refused. Its text never
// holds the token.
type TokenError struct{ Reason string }

func (e *TokenError) Error() string { return "access token refused: " + e.Reason }

// Unwrap returns ErrTokenRefused.
func (e *TokenError) Unwrap() error { return ErrTokenRefused }

// tokenClaims are the claims CheckToken reads.
type tokenClaims struct {
	jwt.RegisteredClaims
	AppID    string   `json:"appid"`
	AZP      string   `json:"azp"`
	TenantID string   `json:"tid"`
	Roles    []string `json:"roles"`
	Scope    string   `json:"scp"`
}

// CheckToken checks the Authorization header of a bot's request as the
// calls API (and the simulator) would, short of the signature, whose keys
// the mock does not hold: a Bearer JWT, signed RS256, for Graph (aud
// https://graph.microsoft.com or its app id), issued by Entra
// (https://sts.windows.net/{tenant}/ or
// https://login.microsoftonline.com/{tenant}/v2.0) for tenantID when it is
// not "", to appID (appid or azp) when it is not "", not expired and
// already valid, an application token (no scp) with a Calls.* role. A
// refusal is a *TokenError.
func CheckToken(header, appID, tenantID string, now time.Time) error {
	scheme, raw, ok := strings.Cut(header, " ")
	switch {
	case header == "":
		return &TokenError{"the request has no Authorization header"}
	case !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "":
		return &TokenError{"the Authorization header is not a Bearer token"}
	}
	var c tokenClaims
	tok, _, err := jwt.NewParser().ParseUnverified(strings.TrimSpace(raw), &c)
	if err != nil {
		return &TokenError{"the token is not a JWT"}
	}
	if tok.Method.Alg() != jwt.SigningMethodRS256.Alg() {
		return &TokenError{fmt.Sprintf("the token is signed %s, want RS256", clipClaim(tok.Method.Alg()))}
	}
	return checkClaims(&c, appID, tenantID, now)
}

// checkClaims checks an access token's claims for CheckToken.
func checkClaims(c *tokenClaims, appID, tenantID string, now time.Time) error {
	if !slices.ContainsFunc(c.Audience, func(a string) bool { return slices.Contains(graphAudiences, a) }) {
		return &TokenError{"the token is not for https://graph.microsoft.com (aud)"}
	}
	tid := c.TenantID
	if tid == "" || (c.Issuer != "https://sts.windows.net/"+tid+"/" && c.Issuer != "https://login.microsoftonline.com/"+tid+"/v2.0") {
		return &TokenError{fmt.Sprintf("the token's issuer %q is not an Entra tenant's (iss, tid)", clipClaim(c.Issuer))}
	}
	if tenantID != "" && guid.Normalize(tid) != guid.Normalize(tenantID) {
		return &TokenError{fmt.Sprintf("the token is from tenant %s, not %s", clipClaim(tid), tenantID)}
	}
	switch {
	case c.ExpiresAt == nil:
		return &TokenError{"the token has no expiry (exp)"}
	case !now.Before(c.ExpiresAt.Time):
		return &TokenError{"the token is expired (exp)"}
	case c.NotBefore != nil && now.Before(c.NotBefore.Time):
		return &TokenError{"the token is not valid yet (nbf)"}
	}
	if app := orDefault(c.AppID, c.AZP); appID != "" && guid.Normalize(app) != guid.Normalize(appID) {
		return &TokenError{fmt.Sprintf("the token is for app %s, not %s (appid)", clipClaim(app), appID)}
	}
	if c.Scope != "" {
		return &TokenError{"the token is a user's (scp): the calls API takes application tokens"}
	}
	if !slices.ContainsFunc(c.Roles, func(r string) bool { return strings.HasPrefix(r, "Calls.") }) {
		return &TokenError{"the token has no Calls.* role (roles)"}
	}
	return nil
}

// clipClaim shows a claim in a refusal: short, and only what a claim
// holds (a name, an id, a URL).
func clipClaim(s string) string {
	if len(s) > 100 {
		s = s[:100]
	}
	return s
}

// refuseToken answers a request whose token CheckToken refused, 401 as
// Graph does, and reports it. m.mu is held.
func (m *Player) refuseToken(req *request, err error) answer {
	u := Unmatched{Method: req.method, Path: excerpt.Clip(secret.RedactURL(req.path), maxExcerpt), Body: redactBody(req.body), Note: "answered 401: " + err.Error()}
	m.keepUnmatched(u)
	m.logf("refused: %s: %s", req.shown(), err.Error())
	ans := errorAnswer(http.StatusUnauthorized, "InvalidAuthenticationToken", "callconform mock: "+err.Error())
	ans.header.Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"`)
	return ans
}
