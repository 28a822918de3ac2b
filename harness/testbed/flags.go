package testbed

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/callconform/callconform/simulator"
)

// Environment variables read by FromEnv, the defaults of the flags.
const (
	EnvTarget         = "CALLCONFORM_TARGET"
	EnvProfile        = "CALLCONFORM_PROFILE"
	EnvToken          = "CALLCONFORM_TOKEN"
	EnvTokenURL       = "CALLCONFORM_TOKEN_URL"
	EnvClientID       = "CALLCONFORM_CLIENT_ID"
	EnvClientSecret   = "CALLCONFORM_CLIENT_SECRET"
	EnvScope          = "CALLCONFORM_SCOPE"
	EnvAppID          = "CALLCONFORM_APP_ID"
	EnvTenantID       = "CALLCONFORM_TENANT_ID"
	EnvVars           = "CALLCONFORM_VARS"
	EnvCallbackListen = "CALLCONFORM_CALLBACK_LISTEN"
	EnvCallbackURL    = "CALLCONFORM_CALLBACK_URL"
	EnvOpenIDConfig   = "CALLCONFORM_OPENID_CONFIG"
)

// Flags binds a Config to command-line flags whose defaults come from the
// environment. The client secret is never a flag value: --client-secret-env
// names the variable that holds it.
type Flags struct {
	cfg          *Config
	simBreak     string
	secretEnv    string
	scope        string
	capabilities string
	getenv       func(string) string
}

// Register adds the target flags to fs, with defaults from getenv (nil =
// no environment). Call Config after fs.Parse.
func Register(fs *flag.FlagSet, getenv func(string) string) *Flags {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	f := &Flags{cfg: &Config{}, getenv: getenv}
	c := f.cfg
	fs.StringVar(&c.URL, "target", getenv(EnvTarget), "base URL of the target; empty = the embedded simulator (env "+EnvTarget+")")
	fs.StringVar(&c.Profile, "profile", or(getenv(EnvProfile), "beta-2018"), "contract version the target implements: beta-2018 or v1.0 (env "+EnvProfile+")")
	fs.StringVar(&c.Token, "token", getenv(EnvToken), "static bearer token (env "+EnvToken+")")
	fs.StringVar(&c.TokenURL, "token-url", getenv(EnvTokenURL), "OAuth2 client-credentials token URL (env "+EnvTokenURL+")")
	fs.StringVar(&c.ClientID, "client-id", getenv(EnvClientID), "OAuth2 client id (env "+EnvClientID+")")
	fs.StringVar(&f.secretEnv, "client-secret-env", EnvClientSecret, "name of the environment variable holding the OAuth2 client secret")
	fs.StringVar(&f.scope, "scope", getenv(EnvScope), "OAuth2 scopes, comma-separated (default https://graph.microsoft.com/.default) (env "+EnvScope+")")
	fs.StringVar(&c.AppID, "app-id", getenv(EnvAppID), "the bot's app id: {{appId}} and the audience of callback tokens (env "+EnvAppID+")")
	fs.StringVar(&c.TenantID, "tenant-id", getenv(EnvTenantID), "{{tenantId}} (env "+EnvTenantID+")")
	fs.StringVar(&c.VarsFile, "vars", getenv(EnvVars), "YAML file of vars overriding the fixtures' defaults, e.g. real user ids (env "+EnvVars+")")
	fs.StringVar(&f.capabilities, "capability", "", "capabilities of the target, comma-separated (default: asked of GET /_control)")
	fs.StringVar(&c.ControlURL, "control-url", "", "base URL of the target's test-control API (default: the target)")
	fs.StringVar(&c.CallbackListen, "callback-listen", getenv(EnvCallbackListen), "listen address of the callback receiver (default 127.0.0.1:0) (env "+EnvCallbackListen+")")
	fs.StringVar(&c.CallbackURL, "callback-url", getenv(EnvCallbackURL), "public base URL of the callback receiver, for a target not on this machine (env "+EnvCallbackURL+")")
	fs.BoolVar(&c.VerifyCallbacks, "verify-callbacks", false, "check the bearer token of every notification (needs --openid-config and --app-id)")
	fs.StringVar(&c.OpenIDConfigURL, "openid-config", or(getenv(EnvOpenIDConfig), "https://api.aps.skype.com/v1/.well-known/OpenIdConfiguration"), "OpenID configuration that signs callbacks (env "+EnvOpenIDConfig+")")
	fs.DurationVar(&c.Timeout, "timeout", 10*time.Second, "bound of one request to the target")
	fs.DurationVar(&c.Within, "within", 0, "bound of await blocks that name none (default 10s)")
	fs.StringVar(&f.simBreak, "sim-break", "", "embedded simulator only: deviations to switch on, comma-separated, to see the suite catch them ("+strings.Join(simulator.BreakNames(), ", ")+")")
	fs.StringVar(&c.Simulator.InviteAnswer, "sim-invite-answer", "", "embedded simulator only: how invite answers, 202 (the page's text, default) or 200 (its examples)")
	return f
}

// Config returns the parsed configuration, with the secret read from the
// environment.
func (f *Flags) Config() (Config, error) {
	c := *f.cfg
	if f.scope != "" {
		c.Scopes = splitList(f.scope)
	}
	if f.simBreak != "" {
		if c.URL != "" {
			return c, fmt.Errorf("--sim-break applies to the embedded simulator, not to --target")
		}
		c.Simulator.Break = splitList(f.simBreak)
	}
	if f.capabilities != "" {
		c.Capabilities = splitList(f.capabilities)
	}
	if c.TokenURL != "" || c.ClientID != "" {
		c.ClientSecret = f.getenv(f.secretEnv)
		if c.TokenURL == "" || c.ClientID == "" || c.ClientSecret == "" {
			return c, fmt.Errorf("client credentials need --token-url, --client-id and the secret in $%s", f.secretEnv)
		}
	}
	if c.URL != "" && !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
		return c, fmt.Errorf("--target %q: want an http(s) URL", c.URL)
	}
	switch c.Profile {
	case "beta-2018", "v1.0":
	default:
		return c, fmt.Errorf("--profile %q: want beta-2018 or v1.0", c.Profile)
	}
	if c.URL == "" && c.Profile != "beta-2018" {
		return c, fmt.Errorf("--profile %s: the embedded simulator speaks beta-2018 only; give --target for another profile", c.Profile)
	}
	vars, err := ReadVars(c.VarsFile)
	if err != nil {
		return c, err
	}
	c.Vars = vars
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
