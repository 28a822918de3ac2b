package receiver

import (
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// fakeClock is a verifier clock the test moves forward.
type fakeClock struct{ offset atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func TestKeysAreCachedAcrossConcurrentVerifies(t *testing.T) {
	p := newIDP(t, map[string]*rsa.PublicKey{"k0": &testKeys()[0].PublicKey})
	v := &Verifier{OpenIDConfigURL: p.configURL(), Audience: appID}
	token := sign(t, testKeys()[0], "k0", claims())
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := v.Verify(t.Context(), token); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
	wg.Wait()
	if n := p.fetches.Load(); n != 1 {
		t.Errorf("keys fetched %d times for 20 concurrent verifications, want once", n)
	}
}

func TestKeyRotation(t *testing.T) {
	keys := testKeys()
	p := newIDP(t, map[string]*rsa.PublicKey{"k0": &keys[0].PublicKey})
	clock := &fakeClock{}
	v := &Verifier{OpenIDConfigURL: p.configURL(), Audience: appID, RefreshEvery: time.Hour, now: clock.now}
	// The clock moves hours ahead: the tokens must outlive it.
	long := func() jwt.MapClaims { return with(claims(), "exp", time.Now().Add(24*time.Hour).Unix()) }
	old, rotated := sign(t, keys[0], "k0", long()), sign(t, keys[1], "k1", long())

	if err := v.Verify(t.Context(), old); err != nil {
		t.Fatalf("Verify with the served key: %v", err)
	}
	p.set(map[string]*rsa.PublicKey{"k1": &keys[1].PublicKey}, false) // the provider rotates its key

	// Just fetched: an unknown kid does not make the verifier fetch again.
	if err := v.Verify(t.Context(), rotated); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("Verify with a new kid right after a fetch = %v, want ErrUnknownKey", err)
	}
	if n := p.fetches.Load(); n != 1 {
		t.Fatalf("keys fetched %d times, want 1: refreshes on unknown kids are rate-limited", n)
	}
	// Later, the unknown kid triggers one refresh, which finds the new key.
	clock.advance(minRefreshGap + time.Second)
	if err := v.Verify(t.Context(), rotated); err != nil {
		t.Fatalf("Verify with the rotated key after the gap: %v", err)
	}
	if n := p.fetches.Load(); n != 2 {
		t.Fatalf("keys fetched %d times, want 2", n)
	}
	if err := v.Verify(t.Context(), old); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Verify with the retired key = %v, want ErrUnknownKey", err)
	}
	if n := p.fetches.Load(); n != 2 {
		t.Errorf("keys fetched %d times, want still 2", n)
	}

	// Past RefreshEvery the keys are fetched again; if that fails, the keys
	// fetched before keep serving.
	p.set(map[string]*rsa.PublicKey{"k1": &keys[1].PublicKey}, true)
	clock.advance(2 * time.Hour)
	if err := v.Verify(t.Context(), rotated); err != nil {
		t.Errorf("Verify while the provider is down, with cached keys: %v", err)
	}
	p.set(map[string]*rsa.PublicKey{"k1": &keys[1].PublicKey}, false)
	clock.advance(minRefreshGap + time.Second)
	if err := v.Verify(t.Context(), rotated); err != nil {
		t.Errorf("Verify once the provider is back: %v", err)
	}
	if n := p.fetches.Load(); n != 3 {
		t.Errorf("keys fetched %d times, want 3 (stale keys refreshed once the provider is back)", n)
	}
}

func TestKeysUnavailable(t *testing.T) {
	token := sign(t, testKeys()[0], "k0", claims())
	cases := map[string]http.HandlerFunc{
		"config 500": func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "down", http.StatusInternalServerError)
		},
		"config without jwks_uri": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"issuer": "x"}`))
		},
		"config not JSON": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`<html>`))
		},
		"no RSA key": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/keys" {
				w.Write([]byte(`{"keys": [{"kty": "EC", "kid": "k0"}, {"kty": "RSA", "use": "enc", "kid": "k0", "n": "AQAB", "e": "AQAB"}]}`))
				return
			}
			w.Write([]byte(`{"jwks_uri": "http://` + r.Host + `/keys"}`))
		},
		"bad modulus": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/keys" {
				w.Write([]byte(`{"keys": [{"kty": "RSA", "kid": "k0", "n": "%%%", "e": "AQAB"}]}`))
				return
			}
			w.Write([]byte(`{"jwks_uri": "http://` + r.Host + `/keys"}`))
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			v := &Verifier{OpenIDConfigURL: srv.URL + "/config", Audience: appID}
			if err := v.Verify(t.Context(), token); !errors.Is(err, ErrUnauthorized) || !errors.Is(err, ErrKeysUnavailable) {
				t.Errorf("Verify = %v, want ErrUnauthorized and ErrKeysUnavailable", err)
			}
		})
	}
}

func TestJWKRSAKey(t *testing.T) {
	pub := &testKeys()[0].PublicKey
	n := base64URL(pub.N.Bytes())
	cases := []struct {
		name string
		k    jwk
		ok   bool
	}{
		{"unpadded", jwk{N: n, E: "AQAB"}, true},
		{"padded", jwk{N: n + "==", E: "AQAB"}, true},
		{"empty n", jwk{N: "", E: "AQAB"}, false},
		{"bad n", jwk{N: "a+b/", E: "AQAB"}, false},
		{"empty e", jwk{N: n, E: ""}, false},
		{"e of 1", jwk{N: n, E: "AQ"}, false},
		{"e too long", jwk{N: n, E: "AQIDBAU"}, false},
	}
	for _, c := range cases {
		got, err := c.k.rsaKey()
		if c.ok {
			if err != nil || got.N.Cmp(pub.N) != 0 || got.E != pub.E {
				t.Errorf("%s: rsaKey = %v, %v; want the public key", c.name, got, err)
			}
		} else if err == nil {
			t.Errorf("%s: rsaKey succeeded, want an error", c.name)
		}
	}
}
