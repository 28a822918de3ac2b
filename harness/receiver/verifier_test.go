package receiver

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/callconform/callconform/harness/timeline"
)

const appID = "9ecd52e5-6592-42b7-b562-093f37f13bde"

// testKeys are two RSA keys, generated once for the package's tests.
var testKeys = sync.OnceValue(func() [2]*rsa.PrivateKey {
	var keys [2]*rsa.PrivateKey
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

// idp is a tiny OpenID provider: an OpenID configuration and its JWKS.
type idp struct {
	srv     *httptest.Server
	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey // served keys by kid
	down    bool                      // answer 500
	fetches atomic.Int32              // JWKS requests served
}

// newIDP starts an OpenID provider serving keys, closed when the test ends.
func newIDP(t *testing.T, keys map[string]*rsa.PublicKey) *idp {
	p := &idp{keys: keys}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		if p.isDown() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"issuer": "https://api.botframework.com", "jwks_uri": p.srv.URL + "/keys"})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		if p.isDown() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		p.fetches.Add(1)
		p.mu.Lock()
		var set struct {
			Keys []map[string]any `json:"keys"`
		}
		set.Keys = append(set.Keys, map[string]any{"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"})
		for kid, k := range p.keys {
			set.Keys = append(set.Keys, map[string]any{
				"kty": "RSA", "use": "sig", "kid": kid,
				"n":            base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
				"e":            base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
				"endorsements": []string{"msteams"},
			})
		}
		p.mu.Unlock()
		json.NewEncoder(w).Encode(set)
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *idp) isDown() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.down
}

func (p *idp) set(keys map[string]*rsa.PublicKey, down bool) {
	p.mu.Lock()
	p.keys, p.down = keys, down
	p.mu.Unlock()
}

func (p *idp) configURL() string { return p.srv.URL + "/.well-known/openid-configuration" }

// claims returns valid notification claims.
func claims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss": "https://api.botframework.com",
		"aud": appID,
		"nbf": now.Add(-time.Minute).Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
}

// with returns c with k set to v, or deleted when v is nil.
func with(c jwt.MapClaims, k string, v any) jwt.MapClaims {
	if v == nil {
		delete(c, k)
	} else {
		c[k] = v
	}
	return c
}

// sign returns "Bearer " + an RS256 token of c signed with key, naming kid.
func sign(t *testing.T, key *rsa.PrivateKey, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + s
}

// verifierCases are the tokens every verifier test judges; keys[0] is served
// as kid "k0", keys[1] is not served.
func verifierCases(t *testing.T) []struct {
	name   string
	header string
	reason error // nil: accepted
} {
	keys := testKeys()
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims()).SignedString([]byte("shared-secret-key"))
	if err != nil {
		t.Fatal(err)
	}
	return []struct {
		name   string
		header string
		reason error
	}{
		{"valid", sign(t, keys[0], "k0", claims()), nil},
		{"valid without kid", sign(t, keys[0], "", claims()), nil},
		{"valid, bearer in lower case", strings.Replace(sign(t, keys[0], "k0", claims()), "Bearer", "bearer", 1), nil},
		{"issuer with trailing slash", sign(t, keys[0], "k0", with(claims(), "iss", "https://api.botframework.com/")), nil},
		{"graph issuer", sign(t, keys[0], "k0", with(claims(), "iss", "https://graph.microsoft.com")), nil},
		{"audience in a list", sign(t, keys[0], "k0", with(claims(), "aud", []string{"other", appID})), nil},
		{"no header", "", ErrNoToken},
		{"basic scheme", "Basic dXNlcjpwYXNz", ErrNoToken},
		{"bearer without token", "Bearer ", ErrNoToken},
		{"not a JWT", "Bearer not.a-jwt", ErrMalformedToken},
		{"unsigned (alg none)", "Bearer " + none, ErrBadSignature},
		{"HS256", "Bearer " + hs, ErrBadSignature},
		{"wrong key", sign(t, keys[1], "k0", claims()), ErrBadSignature},
		{"wrong key without kid", sign(t, keys[1], "", claims()), ErrBadSignature},
		{"unknown kid", sign(t, keys[1], "k1", claims()), ErrUnknownKey},
		{"wrong issuer", sign(t, keys[0], "k0", with(claims(), "iss", "https://evil.example")), ErrWrongIssuer},
		{"issuer with two trailing slashes", sign(t, keys[0], "k0", with(claims(), "iss", "https://api.botframework.com//")), ErrWrongIssuer},
		{"no issuer", sign(t, keys[0], "k0", with(claims(), "iss", nil)), ErrWrongIssuer},
		{"wrong audience", sign(t, keys[0], "k0", with(claims(), "aud", "another-app")), ErrWrongAudience},
		{"no audience", sign(t, keys[0], "k0", with(claims(), "aud", nil)), ErrWrongAudience},
		{"expired", sign(t, keys[0], "k0", with(claims(), "exp", time.Now().Add(-time.Hour).Unix())), ErrExpired},
		{"no expiry", sign(t, keys[0], "k0", with(claims(), "exp", nil)), ErrExpired},
	}
}

func TestVerify(t *testing.T) {
	p := newIDP(t, map[string]*rsa.PublicKey{"k0": &testKeys()[0].PublicKey})
	v := &Verifier{OpenIDConfigURL: p.configURL(), Audience: appID}
	for _, c := range verifierCases(t) {
		t.Run(c.name, func(t *testing.T) {
			err := v.Verify(t.Context(), c.header)
			if c.reason == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrUnauthorized) || !errors.Is(err, c.reason) {
				t.Fatalf("Verify = %v, want ErrUnauthorized and %v", err, c.reason)
			}
			if _, tok, _ := strings.Cut(c.header, " "); len(tok) > 8 && strings.Contains(err.Error(), tok) {
				t.Errorf("error %q contains the token", err)
			}
		})
	}
}

func TestVerifyCustomIssuers(t *testing.T) {
	p := newIDP(t, map[string]*rsa.PublicKey{"k0": &testKeys()[0].PublicKey})
	v := &Verifier{OpenIDConfigURL: p.configURL(), Audience: appID, Issuers: []string{"https://sim.example/"}}
	if err := v.Verify(t.Context(), sign(t, testKeys()[0], "k0", with(claims(), "iss", "https://sim.example"))); err != nil {
		t.Errorf("configured issuer without its trailing slash: %v", err)
	}
	if err := v.Verify(t.Context(), sign(t, testKeys()[0], "k0", claims())); !errors.Is(err, ErrWrongIssuer) {
		t.Errorf("default issuer with custom Issuers = %v, want ErrWrongIssuer", err)
	}
}

func TestVerifyUnconfigured(t *testing.T) {
	v := &Verifier{}
	if err := v.Verify(t.Context(), sign(t, testKeys()[0], "k0", claims())); !errors.Is(err, ErrUnauthorized) || !errors.Is(err, ErrVerifierNotReady) {
		t.Errorf("Verify on a zero Verifier = %v, want ErrUnauthorized and ErrVerifierNotReady", err)
	}
}

// TestReceiverChecksTokens posts each case to a receiver with a Verifier:
// valid tokens are accepted, the others refused 401 with their reason.
func TestReceiverChecksTokens(t *testing.T) {
	p := newIDP(t, map[string]*rsa.PublicKey{"k0": &testKeys()[0].PublicKey})
	rc := start(t, Config{Verifier: &Verifier{OpenIDConfigURL: p.configURL(), Audience: appID}})
	hc := client(t)
	for _, c := range verifierCases(t) {
		t.Run(c.name, func(t *testing.T) {
			tl := &timeline.Timeline{}
			run := rc.NewInbox(tl)
			defer run.Close()
			var header http.Header
			if c.header != "" {
				header = http.Header{"Authorization": {c.header}}
			}
			status := send(t, hc, http.MethodPost, run.URL(), notifications(`{"changeType":"updated"}`), header)
			if c.reason == nil {
				if status != http.StatusAccepted || run.Len() != 1 || len(run.Refusals()) != 0 {
					t.Fatalf("status %d, Len %d, refusals %+v; want 202, 1, none", status, run.Len(), run.Refusals())
				}
				return
			}
			if status != http.StatusUnauthorized || run.Len() != 0 {
				t.Fatalf("status %d, Len %d; want 401 and nothing accepted", status, run.Len())
			}
			refusals := run.Refusals()
			if len(refusals) != 1 || refusals[0].Status != http.StatusUnauthorized || !strings.Contains(refusals[0].Reason, c.reason.Error()) {
				t.Fatalf("refusals = %+v, want one 401 giving the reason %q", refusals, c.reason)
			}
			js, err := json.Marshal(tl.Events())
			if err != nil {
				t.Fatal(err)
			}
			if _, tok, _ := strings.Cut(c.header, " "); len(tok) > 8 && strings.Contains(string(js), tok) {
				t.Errorf("timeline contains the token: %s", js)
			}
		})
	}
}

// base64URL encodes b as unpadded base64url, as JWKs do.
func base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
