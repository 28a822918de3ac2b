package callbacksign

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"testing"
	"time"
)

func testSigner(t *testing.T) (*Signer, *time.Time) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSignerWithKey(key, "49bfc225-8482-4ab8-94e7-76b48fdb9849")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.now = func() time.Time { return now }
	return s, &now
}

// TestSignerRefreshesBeforeExpiry: the cached token is kept until
// RefreshMargin before its expiry, then replaced.
func TestSignerRefreshesBeforeExpiry(t *testing.T) {
	s, now := testSigner(t)
	first, err := s.Token("app")
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(TokenLifetime - RefreshMargin - time.Second)
	if again, _ := s.Token("app"); again != first {
		t.Error("the token was replaced before its refresh margin")
	}
	*now = now.Add(time.Second)
	renewed, err := s.Token("app")
	if err != nil {
		t.Fatal(err)
	}
	if renewed == first {
		t.Error("the token was not replaced within its refresh margin")
	}
}

// TestSignerCacheIsBounded: past maxAudiences, the cache does not grow.
func TestSignerCacheIsBounded(t *testing.T) {
	s, _ := testSigner(t)
	// Fill the cache without signing, then ask for one more audience.
	for i := range maxAudiences {
		s.tokens[fmt.Sprint("aud-", i)] = cachedToken{raw: "x", expires: s.now().Add(TokenLifetime)}
	}
	if _, err := s.Token("one-more"); err != nil {
		t.Fatal(err)
	}
	if n := len(s.tokens); n > maxAudiences {
		t.Errorf("%d cached tokens; the bound is %d", n, maxAudiences)
	}
	if _, ok := s.tokens["one-more"]; !ok {
		t.Error("the new audience's token is not cached")
	}
}
