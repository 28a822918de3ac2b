package interop

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/microsoft/kiota-abstractions-go/authentication"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// DefaultScope is the scope of application tokens for Microsoft Graph.
const DefaultScope = "https://graph.microsoft.com/.default"

// defaultTokenTimeout bounds one token request when Credentials.HTTPClient
// is nil.
const defaultTokenTimeout = 30 * time.Second

// ErrConfig is wrapped by every error about settings that cannot work: a
// missing or malformed URL, a missing client id or secret.
var ErrConfig = errors.New("interop: invalid settings")

// Credentials are an application's client credentials at a token endpoint.
type Credentials struct {
	// TokenURL is the OAuth2 token endpoint, e.g. the simulator's
	// Server.TokenURL. Required; an absolute http(s) URL.
	TokenURL string
	// ClientID and ClientSecret identify the application. Both required.
	ClientID, ClientSecret string
	// Scope is the requested scope. "" means DefaultScope.
	Scope string
	// HTTPClient sends the token requests. Nil means a client whose
	// requests time out after 30 s.
	HTTPClient *http.Client
}

// ClientCredentials is a kiota AccessTokenProvider: it takes application
// tokens from a token endpoint with the client credentials grant and keeps
// each until shortly before it expires. It gives a token only for requests
// to the hosts it was made for, so that a token never leaves for another
// host. It is safe for concurrent use.
type ClientCredentials struct {
	cfg    clientcredentials.Config
	client *http.Client
	hosts  *authentication.AllowedHostsValidator

	mu  sync.Mutex
	tok *oauth2.Token
}

// NewClientCredentials returns a provider of tokens from c, given for
// requests to hosts only (host names, without scheme or port).
func NewClientCredentials(c Credentials, hosts ...string) (*ClientCredentials, error) {
	if !isAbsoluteHTTPURL(c.TokenURL) {
		return nil, fmt.Errorf("%w: token URL %q is not an absolute http(s) URL", ErrConfig, c.TokenURL)
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		return nil, fmt.Errorf("%w: client id and client secret are required", ErrConfig)
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("%w: no host to give tokens for", ErrConfig)
	}
	allowed, err := authentication.NewAllowedHostsValidatorErrorCheck(hosts)
	if err != nil {
		return nil, fmt.Errorf("%w: hosts %q: %v", ErrConfig, hosts, err)
	}
	scope := c.Scope
	if scope == "" {
		scope = DefaultScope
	}
	client := c.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: defaultTokenTimeout}
	}
	return &ClientCredentials{
		cfg: clientcredentials.Config{
			ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURL: c.TokenURL,
			Scopes: []string{scope}, AuthStyle: oauth2.AuthStyleInParams,
		},
		client: client,
		hosts:  allowed,
	}, nil
}

// GetAuthorizationToken returns a token for a request to u: the cached one
// while it is valid, else a new one from the token endpoint. For a host it
// was not made for it returns "" (no Authorization header), as kiota's own
// providers do.
func (p *ClientCredentials) GetAuthorizationToken(ctx context.Context, u *url.URL, _ map[string]any) (string, error) {
	if !p.hosts.IsUrlHostValid(u) {
		return "", nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tok.Valid() {
		return p.tok.AccessToken, nil
	}
	tok, err := p.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, p.client))
	if err != nil {
		return "", fmt.Errorf("interop: fetch a token from %s: %w", redactURL(p.cfg.TokenURL), err)
	}
	p.tok = tok
	return tok.AccessToken, nil
}

// GetAllowedHostsValidator returns the hosts the provider gives tokens for.
func (p *ClientCredentials) GetAllowedHostsValidator() *authentication.AllowedHostsValidator {
	return p.hosts
}

// isAbsoluteHTTPURL reports whether s is an absolute http or https URL with a host.
func isAbsoluteHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Opaque == ""
}

// redactURL returns s without its user information and query, which may
// hold secrets.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unreadable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return strings.TrimSuffix(u.String(), "?")
}
