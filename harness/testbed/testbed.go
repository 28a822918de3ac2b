// Package testbed opens what a run needs from a few settings: the target
// (the embedded simulator by default, or a URL with OAuth2 or a static token),
// its vars and capabilities, and the callback receiver. The CLI and the
// Ginkgo suite share it.
package testbed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/apiclient"
	"github.com/callconform/callconform/harness/receiver"
	"github.com/callconform/callconform/simulator"
)

// Config says which target to open. The zero value opens the embedded
// simulator with a loopback receiver.
type Config struct {
	URL          string            // target base URL; "" = the embedded simulator
	Profile      string            // "" = beta-2018
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
	// OpenIDConfigURL with AppID as audience. The embedded simulator is
	// always verified.
	VerifyCallbacks bool
	OpenIDConfigURL string
	// Simulator configures the embedded simulator.
	Simulator simulator.Config
	// Within overrides the default bound of await blocks; 0 = 10 s.
	Within time.Duration
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

// Open starts what cfg names. The caller must Close the Testbed.
func Open(ctx context.Context, cfg Config) (*Testbed, error) {
	env := &Testbed{}
	ok := false
	defer func() {
		if !ok {
			_ = env.Close()
		}
	}()
	vars := cfg.Vars
	if vars == nil {
		var err error
		if vars, err = ReadVars(cfg.VarsFile); err != nil {
			return nil, err
		}
	}
	rcfg := receiver.Config{Listen: cfg.CallbackListen, PublicURL: cfg.CallbackURL}
	tcfg := apiclient.Config{BaseURL: cfg.URL, Timeout: cfg.Timeout}
	t := harness.Target{BaseURL: cfg.URL, ControlURL: cfg.ControlURL, AppID: cfg.AppID, TenantID: cfg.TenantID, Vars: vars, Capabilities: cfg.Capabilities, Profile: cfg.Profile}
	if cfg.URL == "" {
		sc := cfg.Simulator
		if sc.Profile == "" {
			sc.Profile = cfg.Profile
		}
		sim, err := simulator.Start("127.0.0.1:0", sc)
		if err != nil {
			return nil, fmt.Errorf("start the embedded simulator: %w", err)
		}
		env.Sim, env.Embedded = sim, true
		client, err := callingClient(sim.Sim)
		if err != nil {
			return nil, err
		}
		tcfg.BaseURL = sim.URL
		tcfg.Auth = apiclient.Auth{TokenURL: sim.TokenURL, ClientID: client.ID, ClientSecret: client.Secret}
		t.BaseURL, t.AppID, t.TenantID = sim.URL, sim.Sim.AppID(), sim.Sim.TenantID()
		rcfg.Verifier = &receiver.Verifier{OpenIDConfigURL: sim.OpenIDConfigURL, Audience: sim.Sim.AppID()}
	} else {
		tcfg.Auth = apiclient.Auth{BearerToken: cfg.Token, TokenURL: cfg.TokenURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: cfg.Scopes}
		if cfg.VerifyCallbacks {
			if cfg.OpenIDConfigURL == "" || cfg.AppID == "" {
				return nil, errors.New("verifying callbacks needs the OpenID configuration URL and the app id")
			}
			rcfg.Verifier = &receiver.Verifier{OpenIDConfigURL: cfg.OpenIDConfigURL, Audience: cfg.AppID}
		}
	}
	client, err := apiclient.New(tcfg)
	if err != nil {
		return nil, err
	}
	t.Client = client
	if t.Capabilities == nil {
		control := t.ControlURL
		if control == "" {
			control = t.BaseURL
		}
		if t.Capabilities, err = ProbeCapabilities(ctx, control); err != nil {
			return nil, err
		}
	}
	env.verify = rcfg.Verifier != nil
	rcv, err := receiver.Start(rcfg)
	if err != nil {
		return nil, fmt.Errorf("start the callback receiver: %w", err)
	}
	env.Receiver = rcv
	env.Runner = &harness.Runner{Target: t, Receiver: rcv, Within: cfg.Within}
	ok = true
	return env, nil
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
// reached is an error.
func ProbeCapabilities(ctx context.Context, controlURL string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(controlURL, "/")+"/_control", nil)
	if err != nil {
		return nil, fmt.Errorf("probe capabilities: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("probe capabilities of %s: %w", controlURL, err)
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

// ReadVars reads a YAML or JSON map of vars; "" reads nothing.
func ReadVars(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("vars file: %w", err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("vars file %s: %w", path, err)
	}
	vars := make(map[string]string, len(raw))
	for k, v := range raw {
		switch x := v.(type) {
		case string:
			vars[k] = x
		case float64, bool, int, int64:
			vars[k] = fmt.Sprint(x)
		default:
			return nil, fmt.Errorf("vars file %s: %q must be a string, number or boolean", path, k)
		}
	}
	return vars, nil
}
