package playback

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	tokTenant = "7e4a0000-0000-4000-8000-0000000000f0"
	tokApp    = "a5500000-0000-4000-8000-00000000b075"
)

var tokKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// appToken returns an application token for Graph, changed by edit.
func appToken(t *testing.T, edit func(jwt.MapClaims)) string {
	t.Helper()
	now := time.Now()
	c := jwt.MapClaims{
		"aud": "https://graph.microsoft.com", "iss": "https://sts.windows.net/" + tokTenant + "/", "tid": tokTenant,
		"appid": tokApp, "roles": []string{"Calls.Initiate.All"},
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	if edit != nil {
		edit(c)
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, c).SignedString(tokKey())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCheckToken(t *testing.T) {
	now := time.Now()
	hs, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"aud": "https://graph.microsoft.com"}).SignedString([]byte("k"))
	for _, tc := range []struct {
		name, header, want string
	}{
		{"good", "Bearer " + appToken(t, nil), ""},
		{"good, v2 issuer and app id audience", "Bearer " + appToken(t, func(c jwt.MapClaims) {
			c["iss"], c["aud"] = "https://login.microsoftonline.com/"+tokTenant+"/v2.0", "00000003-0000-0000-c000-000000000000"
		}), ""},
		{"none", "", "no Authorization header"},
		{"basic", "Basic dXNlcjpwYXNz", "not a Bearer token"},
		{"not a JWT", "Bearer opaque-token-value", "not a JWT"},
		{"HS256", "Bearer " + hs, "signed HS256"},
		{"audience", "Bearer " + appToken(t, func(c jwt.MapClaims) { c["aud"] = "https://management.azure.com" }), "not for https://graph.microsoft.com"},
		{"issuer", "Bearer " + appToken(t, func(c jwt.MapClaims) { c["iss"] = "https://evil.example.com/" }), "is not an Entra tenant's"},
		{"tenant", "Bearer " + appToken(t, func(c jwt.MapClaims) {
			c["tid"], c["iss"] = "11110000-0000-4000-8000-000000000000", "https://sts.windows.net/11110000-0000-4000-8000-000000000000/"
		}), "from tenant 11110000"},
		{"expired", "Bearer " + appToken(t, func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }), "expired"},
		{"no exp", "Bearer " + appToken(t, func(c jwt.MapClaims) { delete(c, "exp") }), "no expiry"},
		{"not yet", "Bearer " + appToken(t, func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() }), "not valid yet"},
		{"other app", "Bearer " + appToken(t, func(c jwt.MapClaims) { c["appid"] = "00000000-1111-4000-8000-000000000000" }), "for app 00000000-1111"},
		{"delegated", "Bearer " + appToken(t, func(c jwt.MapClaims) { c["scp"] = "Calls.Initiate" }), "a user's"},
		{"no role", "Bearer " + appToken(t, func(c jwt.MapClaims) { c["roles"] = []string{"User.Read.All"} }), "no Calls.* role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckToken(tc.header, tokApp, tokTenant, now)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var te *TokenError
			if !errors.As(err, &te) || !errors.Is(err, ErrTokenRefused) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want a *TokenError saying %q", err, tc.want)
			}
			if tok := strings.TrimPrefix(tc.header, "Bearer "); len(tok) > 20 && strings.Contains(err.Error(), tok[len(tok)-20:]) {
				t.Errorf("the error holds the token: %v", err)
			}
		})
	}
}

func TestRequireTokenAnswers401AndRedacts(t *testing.T) {
	var log syncBuffer
	m := newMatchPlayer(t, Config{RequireToken: true, AppID: tokApp, TenantID: tokTenant, Log: &log})
	expired := appToken(t, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() })
	do := func(header string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/communications/calls", strings.NewReader(createOther))
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		w := httptest.NewRecorder()
		m.ServeHTTP(w, req)
		return w
	}
	for _, h := range []string{"", "Bearer " + expired} {
		w := do(h)
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "InvalidAuthenticationToken") || w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("token %.12q: answered %d %v %s, want 401 InvalidAuthenticationToken", h, w.Code, w.Header(), w.Body)
		}
	}
	if w := do("Bearer " + appToken(t, nil)); w.Code != http.StatusCreated {
		t.Errorf("a good token: answered %d, want 201: %s", w.Code, w.Body)
	}
	rep := m.Report()
	if len(rep.Unmatched) != 2 || !strings.Contains(rep.Unmatched[1].Note, "answered 401: access token refused: the token is expired") {
		t.Errorf("report: %+v, want the two refusals", rep.Unmatched)
	}
	js, _ := json.Marshal(rep)
	for name, out := range map[string]string{"console": log.String(), "report": rep.String(), "JSON report": string(js)} {
		if strings.Contains(out, expired[len(expired)-30:]) {
			t.Errorf("%s shows the token:\n%s", name, out)
		}
		if !strings.Contains(out, "the token is expired") {
			t.Errorf("%s does not say why the token was refused:\n%s", name, out)
		}
	}
}
