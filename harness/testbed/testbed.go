// Package testbed opens what a run needs from a few settings: the target
// (the embedded simulator by default, or a URL with OAuth2 or a static token),
// its vars and capabilities, and the callback receiver. The CLI and the
// Ginkgo suite share it.
//
// It is meant to be imported: Open and a Runner run fixtures from Go (see the
// package example).
package testbed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/apiclient"
	"github.com/callconform/callconform/harness/receiver"
	"github.com/callconform/callconform/internal/secret"
	"github.com/callconform/callconform/simulator"
)

// Config says which target to open. The zero value opens the embedded
// simulator with a loopback receiver.
type Config struct {
	URL          string            // target base URL; "" = the embedded simulator
	Profile      string            // "" = harness.DefaultProfile
	Token        string            // static bearer token; "" = none (or OAuth2 below)
	TokenURL     string            // OAuth2 client-credentials token endpoint
	ClientID     string            // OAuth2 client id
	ClientSecret string            // OAuth2 client secret (read from the environment by callers, never from a flag)
	Scopes       []string          // nil = https://graph.microsoft.com/.default
	AppID        string            // the bot's app id ({{appId}}, audience of callback tokens)
	TenantID     string            // {{tenantId}}
	VarsFile     string            // YAML or JSON map of vars, read by Open when Vars is nil; "" = none
	Vars         map[string]string // vars overriding the fixtures' defaults; nil = VarsFile's
	// Capabilities of the target; nil = ask its test-control API
	// (GET {ControlURL}/_control), none when it has no such API.
	Capabilities []string
	ControlURL   string        // "" = URL
	Timeout      time.Duration // per request; 0 = 10 s
	// CallbackListen is the receiver's listen address; "" = 127.0.0.1:0.
	CallbackListen string
	// CallbackURL is the public base URL of the receiver (a tunnel) for a
	// target that is not on this machine; "" = the listen address.
	CallbackURL string
	// VerifyCallbacks checks the bearer token of every notification against
	// OpenIDConfigURL with AppID as audience; both are then required, there
	// is no default OpenID configuration. The embedded simulator's
	// notifications are always verified, against its own configuration.
	VerifyCallbacks bool
	OpenIDConfigURL string
	// Simulator configures the embedded simulator.
	Simulator simulator.Config
	// Within overrides the default bound of await blocks; 0 = 10 s.
	Within time.Duration
	// Tokens are the kinds of token a URL target is given for the send
	// steps that name one (fixture.TokenDelegated, TokenNoRole,
	// TokenExpired, TokenOtherAudience), by kind; nil = none, and a
	// fixture that needs one is skipped. The embedded simulator mints
	// every kind itself. A bad signature is made from the run's own token.
	Tokens map[string]string
}

// Testbed is an opened target: a Runner ready to run fixtures. Close it.
type Testbed struct {
	Runner   *harness.Runner
	Receiver *receiver.Receiver
	Sim      *simulator.Server // the embedded simulator; nil for a URL target
	Embedded bool
	verify   bool
}

// VerifiesCallbacks reports whether the receiver checks the bearer token of
// every notification.
func (e *Testbed) VerifiesCallbacks() bool { return e.verify }

// Close stops the receiver and the embedded simulator.
func (e *Testbed) Close() error {
	var errs []error
	if e.Receiver != nil {
		errs = append(errs, e.Receiver.Close())
	}
	if e.Sim != nil {
		errs = append(errs, e.Sim.Close())
	}
	return errors.Join(errs...)
}

// Open starts what cfg names and checks, before any scenario runs, that
// the target answers and that its token can be had. The caller must Close
// the Testbed.
//
// Errors: a settings problem wraps ErrConfig; a target that gives no answer
// is an *UnreachableError, a token that cannot be had a *TokenError, a
// receiver that cannot listen a *ListenError.
func Open(ctx context.Context, cfg Config) (*Testbed, error) {
	tb := &Testbed{}
	ok := false
	defer func() {
		if !ok {
			_ = tb.Close()
		}
	}()
	vars := cfg.Vars
	if vars == nil {
		var err error
		if vars, err = ReadVars(cfg.VarsFile); err != nil {
			return nil, err
		}
	}
	p := &plan{
		rcv:    receiver.Config{Listen: cfg.CallbackListen, PublicURL: cfg.CallbackURL},
		client: apiclient.Config{BaseURL: cfg.URL, Timeout: cfg.Timeout},
		target: harness.Target{BaseURL: cfg.URL, ControlURL: cfg.ControlURL, AppID: cfg.AppID, TenantID: cfg.TenantID, Vars: vars, Capabilities: cfg.Capabilities, Profile: cfg.Profile},
	}
	var err error
	if cfg.URL == "" {
		err = tb.startSimulator(cfg, p)
	} else {
		err = planURLTarget(ctx, cfg, p)
	}
	if err != nil {
		return nil, err
	}
	if err := p.connect(ctx); err != nil {
		return nil, err
	}
	if tb.Sim != nil {
		p.target.Tokens = embeddedTokens(tb.Sim.Sim, p.target.Client.Token)
	} else {
		p.target.Tokens = urlTokens(cfg.Tokens, p.target.Client, p.hasOwnToken)
	}
	tb.verify = p.rcv.Verifier != nil
	rcv, err := receiver.Start(p.rcv)
	if err != nil {
		return nil, &ListenError{Addr: or(p.rcv.Listen, receiver.DefaultListen), Err: err}
	}
	tb.Receiver = rcv
	tb.Runner = &harness.Runner{Target: p.target, Receiver: rcv, Within: cfg.Within}
	ok = true
	return tb, nil
}

// plan is what Open is about to start.
type plan struct {
	rcv    receiver.Config
	client apiclient.Config
	target harness.Target
	// hasOwnToken: the client sends a token of its own (connect got one).
	hasOwnToken bool
}

// startSimulator starts the embedded simulator and points p at it: its
// calling client's credentials, its ids, and its OpenID configuration for
// the callbacks, always verified.
func (tb *Testbed) startSimulator(cfg Config, p *plan) error {
	sc := cfg.Simulator
	if sc.Profile == "" {
		sc.Profile = cfg.Profile
	}
	sim, err := simulator.Start("127.0.0.1:0", sc)
	if err != nil {
		if errors.Is(err, simulator.ErrConfig) {
			return &configError{fmt.Errorf("embedded simulator: %w", err)}
		}
		return fmt.Errorf("start the embedded simulator: %w", err)
	}
	tb.Sim, tb.Embedded = sim, true
	client, err := callingClient(sim.Sim)
	if err != nil {
		return err
	}
	p.client.BaseURL = sim.URL
	p.client.Auth = apiclient.Auth{TokenURL: sim.TokenURL, ClientID: client.ID, ClientSecret: client.Secret}
	p.target.BaseURL, p.target.AppID, p.target.TenantID = sim.URL, sim.Sim.AppID(), sim.Sim.TenantID()
	p.rcv.Verifier = &receiver.Verifier{OpenIDConfigURL: sim.OpenIDConfigURL, Audience: sim.Sim.AppID()}
	return nil
}

// planURLTarget points p at the target cfg.URL, after checking that it
// answers HTTP at all.
func planURLTarget(ctx context.Context, cfg Config, p *plan) error {
	p.client.Auth = apiclient.Auth{BearerToken: cfg.Token, TokenURL: cfg.TokenURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: cfg.Scopes}
	if cfg.VerifyCallbacks {
		if cfg.OpenIDConfigURL == "" || cfg.AppID == "" {
			return configErr("verifying callbacks needs the OpenID configuration URL and the app id")
		}
		p.rcv.Verifier = &receiver.Verifier{OpenIDConfigURL: cfg.OpenIDConfigURL, Audience: cfg.AppID}
	}
	return checkReachable(ctx, cfg.URL, cfg.Timeout)
}

// connect makes the target's client, fetches its first token (so that bad
// credentials fail here, once, rather than in every scenario) and learns
// its capabilities when cfg named none.
func (p *plan) connect(ctx context.Context) error {
	client, err := apiclient.New(p.client)
	if err != nil {
		return &configError{err}
	}
	p.target.Client = client
	tok, err := client.Token(ctx)
	if err != nil {
		a := p.client.Auth
		return newTokenError(a.TokenURL, a.ClientSecret, err)
	}
	p.hasOwnToken = tok != ""
	if p.target.Capabilities == nil {
		control := p.target.ControlURL
		if control == "" {
			control = p.target.BaseURL
		}
		if p.target.Capabilities, err = ProbeCapabilities(ctx, control); err != nil {
			return err
		}
	}
	return nil
}

// checkReachable sends GET url and takes any HTTP answer, whatever its
// status, as proof that the target is there.
func checkReachable(ctx context.Context, url string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = apiclient.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return configErr("target %s: %v", secret.RedactURL(url), err)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		return &UnreachableError{URL: secret.RedactURL(url), Err: err}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return nil
}

// noRedirects takes a redirect as the answer it is.
var noRedirects = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func callingClient(s *simulator.Simulator) (simulator.Client, error) {
	for _, c := range s.Clients() {
		if c.Kind == "calling" {
			return c, nil
		}
	}
	return simulator.Client{}, errors.New("the simulator has no calling client")
}

// ProbeCapabilities asks a target's test-control API what it can trigger.
// A target without one (404, or not JSON) has none; a target that cannot be
// reached is an *UnreachableError.
func ProbeCapabilities(ctx context.Context, controlURL string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(controlURL, "/")+"/_control", nil)
	if err != nil {
		return nil, configErr("probe capabilities of %s: %v", secret.RedactURL(controlURL), err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, &UnreachableError{URL: secret.RedactURL(controlURL), Control: true, Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return []string{}, nil
	}
	var v struct {
		Capabilities []string `json:"capabilities"`
	}
	if json.Unmarshal(body, &v) != nil {
		return []string{}, nil
	}
	if v.Capabilities == nil {
		v.Capabilities = []string{}
	}
	return v.Capabilities, nil
}
