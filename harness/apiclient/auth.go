package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/callconform/callconform/harness/timeline"
)

// ErrToken is wrapped by the error of a failed OAuth2 token request.
var ErrToken = errors.New("could not get a token")

// DefaultScopes are the scopes requested with client credentials when
// Auth.Scopes is nil.
var DefaultScopes = []string{"https://graph.microsoft.com/.default"}

// expiryMargin is how long before its expiry a cached token is renewed.
const expiryMargin = 30 * time.Second

// Auth says how the client authenticates to the target: a static bearer
// token, OAuth2 client credentials, or (all fields empty) not at all.
type Auth struct {
	// BearerToken is a static token, sent as "Authorization: Bearer <token>".
	BearerToken string
	// TokenURL, ClientID and ClientSecret select the OAuth2 client-credentials
	// flow: a token is fetched from TokenURL when first needed, cached, and
	// fetched again shortly before it expires.
	TokenURL, ClientID, ClientSecret string
	// Scopes requested with client credentials; nil means DefaultScopes.
	Scopes []string
}

// tokenSource gives the bearer token to send; "" means none.
type tokenSource interface {
	token(ctx context.Context) (string, error)
	secrets() []string // fixed secrets that must never be recorded
}

// newTokenSource checks a and returns its token source; hc fetches tokens,
// each fetch bounded by timeout.
func newTokenSource(a Auth, hc *http.Client, timeout time.Duration) (tokenSource, error) {
	cc := a.TokenURL != "" || a.ClientID != "" || a.ClientSecret != ""
	switch {
	case a.BearerToken != "" && cc:
		return nil, errors.New("auth: set a bearer token or client credentials, not both")
	case a.BearerToken != "":
		return staticToken(a.BearerToken), nil
	case !cc:
		return staticToken(""), nil
	case a.TokenURL == "" || a.ClientID == "" || a.ClientSecret == "":
		return nil, errors.New("auth: client credentials need a token url, a client id and a client secret")
	case !isAbsolute(a.TokenURL):
		return nil, fmt.Errorf("auth: token url %q is not an http(s) url", timeline.RedactString(a.TokenURL))
	}
	scopes := a.Scopes
	if scopes == nil {
		scopes = DefaultScopes
	}
	return &tokenCache{
		cfg: clientcredentials.Config{
			ClientID:     a.ClientID,
			ClientSecret: a.ClientSecret,
			TokenURL:     a.TokenURL,
			Scopes:       scopes,
			AuthStyle:    oauth2.AuthStyleInParams,
		},
		hc:      hc,
		timeout: timeout,
		sem:     make(chan struct{}, 1),
		tURL:    timeline.RedactString(a.TokenURL),
	}, nil
}

// staticToken is a fixed token.
type staticToken string

func (s staticToken) token(context.Context) (string, error) { return string(s), nil }
func (s staticToken) secrets() []string                     { return []string{string(s)} }

// tokenCache fetches client-credentials tokens, one fetch at a time, and
// keeps the last until it nearly expires.
type tokenCache struct {
	cfg     clientcredentials.Config
	hc      *http.Client
	timeout time.Duration // bound of one fetch
	tURL    string        // token URL, redacted, for errors

	sem chan struct{} // holds one value while the cache is in use
	tok *oauth2.Token // guarded by sem
	now func() time.Time
}

func (c *tokenCache) token(ctx context.Context) (string, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return "", &tokenError{url: c.tURL, secret: c.cfg.ClientSecret, err: ctx.Err()}
	}
	defer func() { <-c.sem }()
	if c.valid() {
		return c.tok.AccessToken, nil
	}
	fctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	tok, err := c.cfg.Token(context.WithValue(fctx, oauth2.HTTPClient, c.hc))
	if err != nil {
		return "", &tokenError{url: c.tURL, secret: c.cfg.ClientSecret, err: err}
	}
	if tok.AccessToken == "" {
		return "", &tokenError{url: c.tURL, err: errors.New("answer has no access_token")}
	}
	c.tok = tok
	return tok.AccessToken, nil
}

// valid reports whether the cached token can still be sent; c.sem is held.
func (c *tokenCache) valid() bool {
	if c.tok == nil {
		return false
	}
	if c.tok.Expiry.IsZero() {
		return true
	}
	now := time.Now
	if c.now != nil {
		now = c.now
	}
	return now().Add(expiryMargin).Before(c.tok.Expiry)
}

func (c *tokenCache) secrets() []string { return []string{c.cfg.ClientSecret} }

// tokenError is a failed token request. Its message names the token URL and
// never contains the client secret.
type tokenError struct {
	url    string
	secret string
	err    error
}

func (e *tokenError) Error() string {
	msg := timeline.RedactString(e.err.Error())
	if e.secret != "" {
		msg = strings.ReplaceAll(msg, e.secret, timeline.Redacted)
	}
	return "fetch token from " + e.url + ": " + msg
}

func (e *tokenError) Unwrap() []error { return []error{ErrToken, e.err} }
