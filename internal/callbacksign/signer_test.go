package callbacksign_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/callconform/callconform/harness/receiver"
	"github.com/callconform/callconform/internal/callbacksign"
)

const (
	appA   = "1234a46b-3d17-4adc-8dce-dc4e7d556789"
	appB   = "9999a46b-3d17-4adc-8dce-dc4e7d556789"
	tenant = "49bfc225-8482-4ab8-94e7-76b48fdb9849"
)

func newKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// serveSigner serves s's OpenID configuration and keys; it returns the URL
// of the configuration.
func serveSigner(t *testing.T, s *callbacksign.Signer) string {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case callbacksign.OpenIDConfigPath:
			s.ServeOpenIDConfig(w, srv.URL+callbacksign.JWKSPath)
		case callbacksign.JWKSPath:
			s.ServeJWKS(w)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + callbacksign.OpenIDConfigPath
}

// TestSignerTokensVerify: a Signer's tokens verify against its own served
// configuration for their audience only, and carry the tenant.
func TestSignerTokensVerify(t *testing.T) {
	s, err := callbacksign.NewSigner(tenant)
	if err != nil {
		t.Fatal(err)
	}
	cfg := serveSigner(t, s)
	tok, err := s.Token(appA)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&receiver.Verifier{OpenIDConfigURL: cfg, Audience: appA}).Verify(context.Background(), "Bearer "+tok); err != nil {
		t.Fatalf("a token of the Signer does not verify: %v", err)
	}
	if err := (&receiver.Verifier{OpenIDConfigURL: cfg, Audience: appB}).Verify(context.Background(), "Bearer "+tok); err == nil {
		t.Error("a token for app A verified for app B")
	}
	var claims callbacksign.Claims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.TenantID != tenant || claims.TenantID2 != tenant || claims.Issuer != callbacksign.Issuer {
		t.Errorf("claims %+v", claims)
	}
	if s.KeyID() != callbacksign.KeyID(s.PublicKey()) {
		t.Errorf("KeyID %q is not the kid of PublicKey", s.KeyID())
	}
}

// TestSignerCachesPerAudience: one token per audience, handed out again;
// another audience gets its own.
func TestSignerCachesPerAudience(t *testing.T) {
	s := callbacksign.NewSignerWithKey(newKey(t), tenant)
	a1, errA1 := s.Token(appA)
	a2, errA2 := s.Token(appA)
	b, errB := s.Token(appB)
	if errA1 != nil || errA2 != nil || errB != nil {
		t.Fatal(errA1, errA2, errB)
	}
	if a1 != a2 {
		t.Error("two tokens for one audience: the token was signed again")
	}
	if a1 == b {
		t.Error("two audiences share a token")
	}
}

// TestSignerConcurrentUse: under the race detector, many goroutines asking
// for tokens of a few audiences all get the same token per audience.
func TestSignerConcurrentUse(t *testing.T) {
	s := callbacksign.NewSignerWithKey(newKey(t), tenant)
	auds := []string{appA, appB}
	var mu sync.Mutex
	got := map[string]map[string]bool{}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			aud := auds[i%len(auds)]
			tok, err := s.Token(aud)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			if got[aud] == nil {
				got[aud] = map[string]bool{}
			}
			got[aud][tok] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, aud := range auds {
		if len(got[aud]) != 1 {
			t.Errorf("audience %s got %d different tokens", aud, len(got[aud]))
		}
	}
}
