package simulator

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/internal/guid"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

func postForm(t *testing.T, e *env, path string, form url.Values, user, pass string) response {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// tokenForm is a valid client-credentials form of the calling client.
func tokenForm(e *env) url.Values {
	calling := e.client(ClientCalling)
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {calling.ID},
		"client_secret": {calling.Secret}, "scope": {"https://graph.microsoft.com/.default"}}
}

func TestTokenEndpoint(t *testing.T) {
	e := newEnv(t, Config{})
	calling := e.client(ClientCalling)
	good := tokenForm(e)

	r := postForm(t, e, e.sim.TokenPath(), good, "", "")
	if r.status != http.StatusOK {
		t.Fatalf("good credentials: %d %s", r.status, r.body)
	}
	var tok struct {
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(r.body, &tok); err != nil || tok.TokenType != "Bearer" || tok.ExpiresIn < 3500 || tok.ExpiresIn > 3599 {
		t.Fatalf("token response %s", r.body)
	}
	var claims accessClaims
	parsed, err := jwt.ParseWithClaims(tok.AccessToken, &claims, func(*jwt.Token) (any, error) { return e.sim.signer.PublicKey(), nil })
	if err != nil || parsed.Method.Alg() != "RS256" || parsed.Header["kid"] != e.sim.signer.KeyID() {
		t.Fatalf("access token: %v", err)
	}
	if aud, _ := claims.GetAudience(); len(aud) != 1 || aud[0] != "https://graph.microsoft.com" ||
		claims.Issuer != "https://sts.windows.net/"+e.sim.TenantID()+"/" || claims.TenantID != e.sim.TenantID() ||
		claims.AppID != calling.ID || len(claims.Roles) != 4 || claims.Scope != "" || claims.ExpiresAt == nil {
		t.Errorf("claims %+v", claims)
	}
}

func TestTokenEndpointBasicAuth(t *testing.T) {
	e := newEnv(t, Config{})
	calling := e.client(ClientCalling)
	scope := "https://graph.microsoft.com/.default"
	// HTTP Basic client authentication, form-urlencoded as x/oauth2 sends it.
	basic := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}
	if r := postForm(t, e, e.sim.TokenPath(), basic, calling.ID, calling.Secret); r.status != http.StatusOK {
		t.Errorf("basic auth: %d %s", r.status, r.body)
	}
	if r := postForm(t, e, e.sim.TokenPath(), basic, calling.ID, "wrong"); r.status != http.StatusUnauthorized {
		t.Errorf("basic auth, wrong secret: %d %s", r.status, r.body)
	}
}

func TestTokenEndpointRefusals(t *testing.T) {
	e := newEnv(t, Config{})
	good := tokenForm(e)
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vs := range good {
			f[key] = vs
		}
		f.Set(k, v)
		return f
	}
	for _, tc := range []struct {
		name   string
		path   string
		form   url.Values
		status int
		code   string
	}{
		{"wrong secret", e.sim.TokenPath(), with("client_secret", "nope"), 401, "invalid_client"},
		{"other client's secret", e.sim.TokenPath(), with("client_secret", e.client(ClientNone).Secret), 401, "invalid_client"},
		{"unknown client", e.sim.TokenPath(), with("client_id", guid.New().String()), 401, "invalid_client"},
		{"no client", e.sim.TokenPath(), with("client_id", ""), 400, "invalid_request"},
		{"password grant", e.sim.TokenPath(), with("grant_type", "password"), 400, "unsupported_grant_type"},
		{"user scope", e.sim.TokenPath(), with("scope", "User.Read"), 400, "invalid_scope"},
		{"no scope", e.sim.TokenPath(), with("scope", ""), 400, "invalid_scope"},
		{"other tenant", "/" + guid.New().String() + "/oauth2/v2.0/token", good, 400, "invalid_request"},
	} {
		r := postForm(t, e, tc.path, tc.form, "", "")
		var oe oauthError
		_ = json.Unmarshal(r.body, &oe)
		if r.status != tc.status || oe.Error != tc.code || oe.Description == "" {
			t.Errorf("%s: %d %s; want %d %s", tc.name, r.status, r.body, tc.status, tc.code)
		}
		if strings.Contains(string(r.body), e.client(ClientCalling).Secret) {
			t.Errorf("%s: the answer contains a secret", tc.name)
		}
	}
	if r := e.do("POST", e.sim.TokenPath(), "", good); r.status != http.StatusBadRequest {
		t.Errorf("JSON body: %d", r.status)
	}
}

func TestDelegatedClientTokenHasScopes(t *testing.T) {
	e := newEnv(t, Config{})
	var claims accessClaims
	if _, err := jwt.ParseWithClaims(e.token(ClientDelegated), &claims, func(*jwt.Token) (any, error) {
		return e.sim.signer.PublicKey(), nil
	}); err != nil {
		t.Fatal(err)
	}
	if claims.Scope == "" || len(claims.Roles) != 0 {
		t.Errorf("delegated claims %+v", claims)
	}
}

func TestAPITokenRules(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	foreign := jwt.NewWithClaims(jwt.SigningMethodRS256, e.appClaims(e.sim.AppID(), RoleInitiate))
	foreign.Header["kid"] = e.sim.signer.KeyID()
	foreignTok, _ := foreign.SignedString(other)
	expired := e.appClaims(e.sim.AppID(), RoleInitiate)
	expired["exp"] = time.Now().Add(-time.Minute).Unix()
	wrongAud := e.appClaims(e.sim.AppID(), RoleInitiate)
	wrongAud["aud"] = "https://management.azure.com"
	wrongIss := e.appClaims(e.sim.AppID(), RoleInitiate)
	wrongIss["iss"] = "https://sts.windows.net/" + guid.New().String() + "/"
	noExp := e.appClaims(e.sim.AppID(), RoleInitiate)
	delete(noExp, "exp")
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, e.appClaims(e.sim.AppID(), RoleInitiate))
	hsTok, _ := hs.SignedString([]byte("secret"))

	for _, tc := range []struct {
		name   string
		auth   string
		status int
		code   string
	}{
		{"no token", "", 401, "InvalidAuthenticationToken"},
		{"basic scheme", "Basic dXNlcjpwYXNz", 401, "InvalidAuthenticationToken"},
		{"malformed", "Bearer not.a.jwt", 401, "InvalidAuthenticationToken"},
		{"expired", "Bearer " + e.forge(expired), 401, "InvalidAuthenticationToken"},
		{"no expiry", "Bearer " + e.forge(noExp), 401, "InvalidAuthenticationToken"},
		{"wrong audience", "Bearer " + e.forge(wrongAud), 401, "InvalidAuthenticationToken"},
		{"wrong issuer", "Bearer " + e.forge(wrongIss), 401, "InvalidAuthenticationToken"},
		{"foreign key", "Bearer " + foreignTok, 401, "InvalidAuthenticationToken"},
		{"HS256", "Bearer " + hsTok, 401, "InvalidAuthenticationToken"},
		{"delegated", "Bearer " + e.token(ClientDelegated), 403, "Forbidden"},
		{"no roles", "Bearer " + e.token(ClientNone), 403, "7504"},
		{"media role only", "Bearer " + e.forge(e.appClaims(e.sim.AppID(), RoleAccessMedia)), 403, "7504"},
		{"calling", "Bearer " + e.token(ClientCalling), 201, ""},
		{"lower-case scheme", "bearer " + e.token(ClientCalling), 201, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/app/calls", "", meetingBody(rc.URL()), "Authorization", tc.auth)
			if r.status != tc.status {
				t.Fatalf("status %d %s; want %d", r.status, r.body, tc.status)
			}
			if tc.code != "" && r.errorCode(t) != tc.code {
				t.Errorf("code %s; want %s", r.errorCode(t), tc.code)
			}
			if tc.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
			}
			if tc.auth != "" && strings.Contains(string(r.body), strings.TrimPrefix(tc.auth, "Bearer ")) {
				t.Error("the error repeats the token")
			}
		})
	}
}

func TestInviteNeedsGroupCallRole(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	c := e.establishedCall(rc)
	body := map[string]any{"participants": []any{heidi()}}
	path := "/app/calls/" + c.String() + "/participants/invite"
	for _, tc := range []struct {
		name   string
		tok    string
		status int
	}{
		{"no roles", e.token(ClientNone), 403},
		{"initiate only", e.forge(e.appClaims(e.sim.AppID(), RoleInitiate, RoleJoinGroupCalls)), 403},
		{"delegated", e.token(ClientDelegated), 403},
		{"singular spelling", e.forge(e.appClaims(e.sim.AppID(), "Calls.InitiateGroupCall.All")), 202},
		{"plural spelling", e.forge(e.appClaims(e.sim.AppID(), "Calls.InitiateGroupCalls.All")), 202},
	} {
		r := e.do("POST", path, tc.tok, body)
		if r.status != tc.status {
			t.Errorf("%s: %d %s; want %d", tc.name, r.status, r.body, tc.status)
		}
	}
}

func TestApplicationsRootChecksAppID(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	r := e.do("POST", "/applications/"+guid.New().String()+"/calls", tok, meetingBody(rc.URL()))
	if r.status != http.StatusForbidden || r.errorCode(t) != "Forbidden" {
		t.Errorf("foreign app id: %d %s", r.status, r.body)
	}
	compactApp := mustID(t, e.sim.AppID()).Compact()
	r = e.do("POST", "/applications/"+compactApp+"/calls", tok, meetingBody(rc.URL()))
	if r.status != http.StatusCreated {
		t.Fatalf("own app id: %d %s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, e.srv.URL+"/applications/"+compactApp+"/calls/") {
		t.Errorf("Location %q is not under the request's root", loc)
	}
	c := mustID(t, lastSegment(loc))
	res := "/applications/" + e.sim.AppID() + "/calls/" + c.Compact()
	ns := rc.waitState(t, res, stateEstablished)
	if diff := cmp.Diff([]string{"updated call:establishing", "updated call:established"}, summary(t, ns)); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	if r := e.do("GET", "/applications/"+e.sim.AppID()+"/calls/"+c.String(), tok, nil); r.status != http.StatusOK {
		t.Errorf("GET under the applications root: %d", r.status)
	}
	if r := e.do("GET", "/app/calls/"+c.String(), tok, nil); r.status != http.StatusOK {
		t.Errorf("GET under the app root: %d", r.status)
	}
}

func TestCallsBelongToTheirApplication(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	c := e.createCall(rc.URL())
	stranger := e.forge(e.appClaims(guid.New().String(), RoleInitiate, RoleInitiateGroupCalls))
	if r := e.do("GET", "/app/calls/"+c.String(), stranger, nil); r.status != http.StatusNotFound {
		t.Errorf("another application sees the call: %d", r.status)
	}
	if r := e.do("DELETE", "/app/calls/"+c.String(), stranger, nil); r.status != http.StatusNotFound {
		t.Errorf("another application deletes the call: %d", r.status)
	}
}

func TestVerifiedTokensAreCached(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.token(ClientCalling)
	if e.sim.tokens.get(tok, time.Now()) != nil {
		t.Fatal("cached before use")
	}
	e.do("GET", "/app/calls/"+guid.New().String(), tok, nil)
	p := e.sim.tokens.get(tok, time.Now())
	if p == nil || p.appID != mustID(t, e.sim.AppID()) {
		t.Fatalf("not cached after use: %+v", p)
	}
	if e.sim.tokens.get(tok, p.expires) != nil {
		t.Error("cache serves a token at its expiry")
	}
}

func TestOpenIDConfigAndJWKS(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.do("GET", "/.well-known/openid-configuration", "", nil)
	cfg := r.json(t)
	if r.status != 200 || cfg["issuer"] != "https://api.botframework.com" || cfg["jwks_uri"] != e.srv.URL+"/.well-known/keys" {
		t.Fatalf("openid configuration %s", r.body)
	}
	if algs, _ := cfg["id_token_signing_alg_values_supported"].([]any); len(algs) != 1 || algs[0] != "RS256" {
		t.Errorf("algs %v", cfg["id_token_signing_alg_values_supported"])
	}
	pub := fetchJWKS(t, cfg["jwks_uri"].(string))
	if k := pub[e.sim.signer.KeyID()]; k == nil || !k.Equal(e.sim.signer.PublicKey()) {
		t.Errorf("JWKS has no key %s equal to the signing key", e.sim.signer.KeyID())
	}
}

// fetchJWKS reads a JWKS and returns its RSA keys by kid.
func fetchJWKS(t *testing.T, u string) map[string]*rsa.PublicKey {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	out := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k["kty"] != "RSA" || k["use"] != "sig" || k["alg"] != "RS256" || k["kid"] == "" {
			t.Errorf("key %v", k)
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k["n"])
		ex, err2 := base64.RawURLEncoding.DecodeString(k["e"])
		if err1 != nil || err2 != nil {
			t.Fatalf("key %v is not base64url", k)
		}
		out[k["kid"]] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(ex).Int64())}
	}
	return out
}
