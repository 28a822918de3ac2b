package simulator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/callconform/callconform/internal/callbacksign"
	"github.com/callconform/callconform/internal/guid"
)

// Identity of tokens. Access tokens are those of Azure AD for Graph;
// notification tokens are those the calling service puts on callbacks.
const (
	GraphAudience      = "https://graph.microsoft.com"
	graphAppID         = "00000003-0000-0000-c000-000000000000"
	NotificationIssuer = callbacksign.Issuer
	tokenLifetime      = callbacksign.TokenLifetime
	tokenRefreshMargin = callbacksign.RefreshMargin
	maxTokenCache      = 4096
	jwksPath           = callbacksign.JWKSPath
	openIDConfigPath   = callbacksign.OpenIDConfigPath
)

// Kinds of the built-in clients.
const (
	ClientCalling   = "calling"   // application token with every calls permission
	ClientNone      = "none"      // application token without permissions
	ClientDelegated = "delegated" // delegated token (scp), refused by the calls API
)

// Ids of the built-in clients other than the calling one, whose id is AppID.
const (
	NoneClientID      = "2d4a7e90-6b1f-4c3e-9a8d-5f0e1b2c3d4e"
	DelegatedClientID = "7e6f5a4b-3c2d-4e1f-8a9b-0c1d2e3f4a5b"
)

// Application permissions (roles) of the calls API. The plural spellings are
// those of the 2018-2021 pages; the singular ones are today's.
const (
	RoleInitiateGroupCalls = "Calls.InitiateGroupCalls.All"
	RoleInitiate           = "Calls.Initiate.All"
	RoleJoinGroupCalls     = "Calls.JoinGroupCalls.All"
	RoleAccessMedia        = "Calls.AccessMedia.All"
)

// Client is a built-in OAuth client of the simulator's token endpoint.
type Client struct {
	ID     string
	Secret string   // per Simulator instance; never stored anywhere
	Kind   string   // ClientCalling, ClientNone or ClientDelegated
	Roles  []string // application permissions: the token's roles claim
	Scopes []string // delegated scopes: the token's scp claim
}

func builtinClients(appID guid.GUID) []Client {
	return []Client{
		{ID: appID.String(), Secret: newSecret(), Kind: ClientCalling,
			Roles: []string{RoleInitiateGroupCalls, RoleInitiate, RoleJoinGroupCalls, RoleAccessMedia}},
		{ID: NoneClientID, Secret: newSecret(), Kind: ClientNone},
		{ID: DelegatedClientID, Secret: newSecret(), Kind: ClientDelegated,
			Scopes: []string{RoleInitiateGroupCalls, RoleInitiate}},
	}
}

func newSecret() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "sim~" + base64.RawURLEncoding.EncodeToString(b[:])
}

// permission is what a route needs from a token's roles.
type permission int

const (
	permAny    permission = iota // any application token
	permCreate                   // create a call or join a meeting
	permAnswer                   // answer an incoming call
	permInvite                   // invite participants
)

// accepted lists the roles that satisfy p, compared case-insensitively.
func (p permission) accepted() []string {
	switch p {
	case permCreate:
		return []string{RoleInitiate, RoleInitiateGroupCalls, "Calls.InitiateGroupCall.All",
			RoleJoinGroupCalls, "Calls.JoinGroupCall.All", "Calls.JoinGroupCallsAsGuest.All", "Calls.JoinGroupCallAsGuest.All"}
	case permAnswer:
		return []string{RoleJoinGroupCalls, "Calls.JoinGroupCall.All", "Calls.JoinGroupCallsAsGuest.All",
			"Calls.JoinGroupCallAsGuest.All", RoleInitiate, RoleInitiateGroupCalls, "Calls.InitiateGroupCall.All", RoleAccessMedia}
	case permInvite:
		return []string{RoleInitiateGroupCalls, "Calls.InitiateGroupCall.All"}
	}
	return nil
}

// principal is who a verified access token speaks for.
type principal struct {
	appID     guid.GUID
	roles     []string
	delegated bool
	expires   time.Time
}

func (p *principal) has(need permission) bool {
	ok := need.accepted()
	if ok == nil {
		return true
	}
	for _, r := range p.roles {
		for _, a := range ok {
			if strings.EqualFold(r, a) {
				return true
			}
		}
	}
	return false
}

// accessClaims are the claims of an access token issued by the simulator.
type accessClaims struct {
	jwt.RegisteredClaims
	TenantID string   `json:"tid"`
	AppID    string   `json:"appid"`
	Roles    []string `json:"roles,omitempty"`
	Scope    string   `json:"scp,omitempty"`
	IDType   string   `json:"idtyp,omitempty"`
	Version  string   `json:"ver,omitempty"`
}

func (s *Simulator) stsIssuer() string { return "https://sts.windows.net/" + s.tenantID.String() + "/" }

// tokenCache maps a verified access token to its principal until it expires.
type tokenCache struct {
	mu sync.RWMutex
	m  map[string]*principal
}

func newTokenCache() *tokenCache { return &tokenCache{m: make(map[string]*principal)} }

func (c *tokenCache) get(tok string, now time.Time) *principal {
	c.mu.RLock()
	p := c.m[tok]
	c.mu.RUnlock()
	if p == nil || !now.Before(p.expires) {
		return nil
	}
	return p
}

func (c *tokenCache) put(tok string, p *principal, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxTokenCache {
		for k, v := range c.m {
			if !now.Before(v.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxTokenCache {
			clear(c.m)
		}
	}
	c.m[tok] = p
}

// signedToken is a signed JWT and its expiry.
type signedToken struct {
	raw     string
	expires time.Time
}

// accessTokens caches one access token per built-in client and signs a new
// one shortly before it expires: an RSA signature per token request would
// dominate the simulator's CPU under load.
type accessTokens struct {
	sign     func(clientID string, now time.Time) (signedToken, error)
	mu       sync.RWMutex
	byClient map[string]signedToken
}

func (c *accessTokens) get(clientID string) (signedToken, error) {
	now := time.Now()
	c.mu.RLock()
	t, ok := c.byClient[clientID]
	c.mu.RUnlock()
	if ok && now.Before(t.expires.Add(-tokenRefreshMargin)) {
		return t, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.byClient[clientID]; ok && now.Before(t.expires.Add(-tokenRefreshMargin)) {
		return t, nil
	}
	t, err := c.sign(clientID, now)
	if err != nil {
		return signedToken{}, err
	}
	c.byClient[clientID] = t
	return t, nil
}

// notificationAuth returns the Authorization header value of a notification
// to a bot whose app id is aud, or "" when notifications go unsigned.
func (s *Simulator) notificationAuth(aud string) (string, error) {
	if s.broken(BreakUnsignedNotifications) {
		return "", nil
	}
	tok, err := s.signer.Token(aud)
	if err != nil {
		return "", err
	}
	return "Bearer " + tok, nil
}

func (s *Simulator) signJWT(claims jwt.Claims) (string, error) { return s.signer.Sign(claims) }

// issueAccessToken signs an access token for client c, for Graph, valid
// for tokenLifetime from now.
func (s *Simulator) issueAccessToken(c Client, now time.Time) (signedToken, error) {
	exp := now.Add(tokenLifetime)
	raw, err := s.accessToken(c, GraphAudience, now, exp)
	return signedToken{raw: raw, expires: exp}, err
}

// accessToken signs an access token for client c: roles for an application
// client, scp for the delegated one.
func (s *Simulator) accessToken(c Client, aud string, issued, exp time.Time) (string, error) {
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.stsIssuer(),
			Subject:   c.ID,
			Audience:  jwt.ClaimStrings{aud},
			IssuedAt:  jwt.NewNumericDate(issued),
			NotBefore: jwt.NewNumericDate(issued.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        guid.New().String(),
		},
		TenantID: s.tenantID.String(),
		AppID:    c.ID,
		Version:  "1.0",
	}
	if c.Kind == ClientDelegated {
		claims.Scope = strings.Join(c.Scopes, " ")
		claims.IDType = "user"
	} else {
		claims.Roles = c.Roles
		claims.IDType = "app"
	}
	return s.signJWT(claims)
}

// tokenError says why an access token was refused; its message never
// contains the token.
type tokenError struct{ reason string }

func (e *tokenError) Error() string { return e.reason }

// verifyAccessToken checks the Authorization header of an API request:
// a Bearer JWT signed by the simulator, for Graph, from its tenant, not
// expired. Verified tokens are cached until they expire.
func (s *Simulator) verifyAccessToken(header string) (*principal, error) {
	if header == "" {
		return nil, &tokenError{"Access token is empty."}
	}
	scheme, raw, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return nil, &tokenError{"Authorization header is not a Bearer token."}
	}
	raw = strings.TrimSpace(raw)
	now := time.Now()
	if p := s.tokens.get(raw, now); p != nil {
		return p, nil
	}
	var claims accessClaims
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithAudience(GraphAudience, GraphAudience+"/", graphAppID),
		jwt.WithIssuer(s.stsIssuer()),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	_, err := parser.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != s.signer.KeyID() {
			return nil, errors.New("unknown signing key")
		}
		return s.signer.PublicKey(), nil
	})
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenMalformed):
		return nil, &tokenError{"Access token is malformed: it is not a JWT."}
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, &tokenError{"Lifetime validation failed, the token is expired."}
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return nil, &tokenError{"Lifetime validation failed, the token is not yet valid."}
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return nil, &tokenError{"Invalid audience: the token is not for " + GraphAudience + "."}
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return nil, &tokenError{"Invalid issuer: the token is not from this tenant."}
	default:
		return nil, &tokenError{"Access token validation failure: the signature does not verify."}
	}
	app, ok := guid.Parse(claims.AppID)
	if !ok {
		return nil, &tokenError{"Access token has no valid appid claim."}
	}
	p := &principal{appID: app, roles: claims.Roles, delegated: claims.Scope != "", expires: claims.ExpiresAt.Time}
	s.tokens.put(raw, p, now)
	return p, nil
}

// oauthError is the OAuth 2.0 error body of the token endpoint.
type oauthError struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Timestamp     string `json:"timestamp"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if code == "invalid_client" {
		h.Set("WWW-Authenticate", `Basic realm="token"`)
	}
	writeJSON(w, status, oauthError{
		Error: code, Description: desc,
		Timestamp: time.Now().UTC().Format(time.RFC3339),
		TraceID:   h.Get(headerRequestID), CorrelationID: h.Get(headerClientRequestID),
	})
}

// TokenPath returns the path of the token endpoint, "/{tenant}/oauth2/v2.0/token".
func (s *Simulator) TokenPath() string { return "/" + s.tenantID.String() + "/oauth2/v2.0/token" }

// OpenIDConfigPath returns the path of the OpenID configuration whose keys
// verify notification tokens.
func (s *Simulator) OpenIDConfigPath() string { return openIDConfigPath }

// handleToken is the client-credentials grant of Azure AD v2:
// POST /{tenant}/oauth2/v2.0/token with grant_type, client_id, client_secret
// (or HTTP Basic client authentication) and scope.
func (s *Simulator) handleToken(w http.ResponseWriter, r *http.Request) {
	clientID, secret, ok := s.readTokenRequest(w, r)
	if !ok {
		return
	}
	client := s.client(clientID, secret)
	if client == nil {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client",
			"AADSTS7000215: Invalid client secret provided, or unknown client id.")
		return
	}
	tok, err := s.issued.get(client.ID)
	if err != nil {
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "sign token")
		return
	}
	secs := int(time.Until(tok.expires) / time.Second)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, struct {
		TokenType    string `json:"token_type"`
		ExpiresIn    int    `json:"expires_in"`
		ExtExpiresIn int    `json:"ext_expires_in"`
		AccessToken  string `json:"access_token"`
	}{"Bearer", secs, secs, tok.raw})
}

// readTokenRequest checks a token request (tenant, form, grant type,
// scope) and returns the client's credentials, from the form or from HTTP
// Basic authentication; it writes the OAuth error of a refusal.
func (s *Simulator) readTokenRequest(w http.ResponseWriter, r *http.Request) (clientID, secret string, ok bool) {
	if t, ok := guid.Parse(r.PathValue("tenant")); !ok || t != s.tenantID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request",
			"AADSTS90002: Tenant '"+r.PathValue("tenant")+"' not found.")
		return "", "", false
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request",
			"AADSTS900144: the request body must be application/x-www-form-urlencoded.")
		return "", "", false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: the request body is not a valid form.")
		return "", "", false
	}
	f := r.PostForm
	if f.Get("grant_type") != "client_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type",
			"AADSTS70003: grant_type must be client_credentials.")
		return "", "", false
	}
	clientID, secret = f.Get("client_id"), f.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: Basic credentials are form-urlencoded first.
		if v, err := url.QueryUnescape(u); err == nil {
			u = v
		}
		if v, err := url.QueryUnescape(p); err == nil {
			p = v
		}
		clientID, secret = u, p
	}
	if clientID == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request",
			"AADSTS900144: The request body must contain the following parameter: 'client_id'.")
		return "", "", false
	}
	scope := strings.TrimSpace(f.Get("scope"))
	if scope != GraphAudience+"/.default" && scope != graphAppID+"/.default" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope",
			"AADSTS1002012: scope must be "+GraphAudience+"/.default for the client credentials flow.")
		return "", "", false
	}
	return clientID, secret, true
}

// client returns the built-in client with these credentials, or nil; the
// secrets are compared in constant time.
func (s *Simulator) client(clientID, secret string) *Client {
	var found *Client
	for i := range s.clients {
		c := &s.clients[i]
		if strings.EqualFold(c.ID, clientID) && subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) == 1 {
			found = c
		}
	}
	return found
}

// handleOpenIDConfig serves the OpenID configuration that verifies
// notification tokens.
func (s *Simulator) handleOpenIDConfig(w http.ResponseWriter, r *http.Request) {
	s.signer.ServeOpenIDConfig(w, s.base(r)+jwksPath)
}

// handleJWKS serves the public key that verifies notification (and access)
// tokens.
func (s *Simulator) handleJWKS(w http.ResponseWriter, r *http.Request) {
	s.signer.ServeJWKS(w)
}

// issueForClient signs an access token for the built-in client clientID.
func (s *Simulator) issueForClient(clientID string, now time.Time) (signedToken, error) {
	for _, c := range s.clients {
		if c.ID == clientID {
			return s.issueAccessToken(c, now)
		}
	}
	return signedToken{}, errors.New("simulator: unknown client")
}
