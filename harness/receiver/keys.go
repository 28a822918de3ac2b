package receiver

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
)

// Why the signing keys are fetched and cached here rather than with
// github.com/MicahParks/keyfunc/v3 (v3.9.2, with jwkset v0.11.4), which was
// weighed for it: it fits golang-jwt/jwt/v5, but not the behaviour this
// verifier promises and tests.
//   - Its unknown-kid refresh is a golang.org/x/time/rate limiter read with
//     the wall clock: the 30 s gap and the RefreshEvery expiry could no
//     longer be tested with the verifier's clock (TestKeyRotation), only by
//     waiting them out or shrinking them to timings a busy CI cannot keep.
//   - Within the gap it waits (RateLimitWaitMax) instead of refusing at
//     once, so a POST with an unknown kid blocks the receiver's handler; and
//     the refresh that follows runs under that same bound, not HTTPTimeout.
//   - Periodic refresh is a goroutine per key set, ended only by a context:
//     Verifier is a plain struct without Close, built as a literal outside
//     this package, so each verifier would leak one.
//   - It decodes the JWKS with no size bound (here: maxKeyDocument), and it
//     does not read the OpenID configuration, so that part stays anyway.

// maxKeyDocument bounds the size of an OpenID configuration or a JWKS.
const maxKeyDocument = 1 << 20

// keySet returns the signing keys by kid, fetching them when none are cached,
// when they are older than RefreshEvery, or when kid is unknown (at most every
// minRefreshGap). When a refresh fails, the keys fetched before keep serving.
func (v *Verifier) keySet(ctx context.Context, kid string) (map[string]*rsa.PublicKey, error) {
	if keys, ok := v.cachedKeys(kid); ok {
		return keys, nil
	}
	v.fetchMu.Lock()
	defer v.fetchMu.Unlock()
	if keys, ok := v.cachedKeys(kid); ok { // fetched while this one waited
		return keys, nil
	}
	keys, err := v.fetchKeys(ctx)

	v.mu.Lock()
	defer v.mu.Unlock()
	v.tried = v.clock()
	if err != nil {
		if v.keys != nil {
			return v.keys, nil
		}
		return nil, err
	}
	v.keys, v.fetched = keys, v.tried
	return keys, nil
}

// cachedKeys returns the cached keys and true when they may answer for kid
// without a fetch.
func (v *Verifier) cachedKeys(kid string) (map[string]*rsa.PublicKey, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.keys == nil {
		return nil, false
	}
	every := v.RefreshEvery
	if every <= 0 {
		every = DefaultRefreshEvery
	}
	now := v.clock()
	if now.Sub(v.tried) < min(minRefreshGap, every) {
		return v.keys, true // fetched (or tried) too recently to fetch again
	}
	if now.Sub(v.fetched) >= every {
		return nil, false
	}
	_, known := v.keys[kid]
	return v.keys, kid == "" || known
}

// fetchKeys reads the OpenID configuration, then the RSA keys of its jwks_uri.
func (v *Verifier) fetchKeys(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	var conf struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, v.OpenIDConfigURL, &conf); err != nil {
		return nil, fmt.Errorf("fetch openid configuration %s: %w", v.OpenIDConfigURL, err)
	}
	if conf.JWKSURI == "" {
		return nil, fmt.Errorf("openid configuration %s has no jwks_uri", v.OpenIDConfigURL)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := v.getJSON(ctx, conf.JWKSURI, &set); err != nil {
		return nil, fmt.Errorf("fetch signing keys %s: %w", conf.JWKSURI, err)
	}
	keys := make(map[string]*rsa.PublicKey, len(set.Keys))
	for i, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		pub, err := k.rsaKey()
		if err != nil {
			return nil, fmt.Errorf("signing keys %s: key %d (kid %q): %w", conf.JWKSURI, i, k.Kid, err)
		}
		keys[k.Kid] = pub
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("signing keys %s: no RSA signing key", conf.JWKSURI)
	}
	return keys, nil
}

// getJSON GETs url and decodes its JSON body into dst.
func (v *Verifier) getJSON(ctx context.Context, url string, dst any) error {
	hc := v.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultFetchTimeout}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeyDocument+1))
	if err != nil {
		return err
	}
	if len(body) > maxKeyDocument {
		return fmt.Errorf("document larger than %d bytes", maxKeyDocument)
	}
	return json.Unmarshal(body, dst)
}

// jwk is one JSON Web Key; only the RSA public fields are read.
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// rsaKey decodes the key's base64url modulus and exponent.
func (k jwk) rsaKey() (*rsa.PublicKey, error) {
	n, err := decodeBase64URL(k.N)
	if err != nil || len(n) == 0 {
		return nil, errors.New("bad modulus n")
	}
	e, err := decodeBase64URL(k.E)
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("bad exponent e")
	}
	exp := 0
	for _, b := range e {
		exp = exp<<8 | int(b)
	}
	if exp < 3 {
		return nil, errors.New("bad exponent e")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}, nil
}

// decodeBase64URL decodes base64url, with or without padding.
func decodeBase64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
