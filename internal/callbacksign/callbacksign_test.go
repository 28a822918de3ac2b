package callbacksign_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/callconform/callconform/harness/receiver"
	"github.com/callconform/callconform/internal/callbacksign"
)

// TestTokensVerify: a token signed here verifies with the harness's
// receiver against the configuration and keys served here, and carries both
// tenant claims.
func TestTokensVerify(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	kid := callbacksign.KeyID(&key.PublicKey)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case callbacksign.OpenIDConfigPath:
			callbacksign.ServeOpenIDConfig(w, srv.URL+callbacksign.JWKSPath)
		case callbacksign.JWKSPath:
			callbacksign.ServeJWKS(w, &key.PublicKey, kid)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	const app, tenant = "1234a46b-3d17-4adc-8dce-dc4e7d556789", "49bfc225-8482-4ab8-94e7-76b48fdb9849"
	tok, err := callbacksign.Sign(key, kid, callbacksign.NotificationClaims(app, tenant, time.Now(), time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	v := &receiver.Verifier{OpenIDConfigURL: srv.URL + callbacksign.OpenIDConfigPath, Audience: app}
	if err := v.Verify(context.Background(), "Bearer "+tok); err != nil {
		t.Fatalf("a signed token does not verify: %v", err)
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, claims); err != nil {
		t.Fatal(err)
	}
	if claims["tid"] != tenant || claims["http://schemas.microsoft.com/identity/claims/tenantid"] != tenant {
		t.Errorf("tenant claims = %v, %v", claims["tid"], claims["http://schemas.microsoft.com/identity/claims/tenantid"])
	}
	other := &receiver.Verifier{OpenIDConfigURL: srv.URL + callbacksign.OpenIDConfigPath, Audience: "another-app"}
	if err := other.Verify(context.Background(), "Bearer "+tok); err == nil || !strings.Contains(err.Error(), "audience") {
		t.Errorf("a token for another app verified: %v", err)
	}
}
