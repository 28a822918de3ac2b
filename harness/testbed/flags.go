package testbed

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/excerpt"
	"github.com/callconform/callconform/internal/secret"
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

// GraphOpenIDConfig is the OpenID configuration whose keys sign the
// notifications of the Microsoft Graph service.
const GraphOpenIDConfig = "https://api.aps.skype.com/v1/.well-known/OpenIdConfiguration"

// Flags binds a Config to command-line flags whose defaults come from the
// environment. The client secret is never a flag value: --client-secret-env
// names the variable that holds it. The suite binary and `replay run` both
// take their target flags from Register, so that a flag cannot exist in one
// and not in the other.
type Flags struct {
	cfg          *Config
	reportDir    string
	simBreak     string
	secretEnv    string
	scope        string
	capabilities string
	tokens       map[string]*string // kind → --token-KIND
	getenv       func(string) string
}

// Register adds the target flags, and --report-dir, to fs, with defaults
// from getenv (nil = no environment). Call Config after fs.Parse.
func Register(fs *flag.FlagSet, getenv func(string) string) *Flags {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	f := &Flags{cfg: &Config{}, getenv: getenv}
	c := f.cfg
	fs.StringVar(&c.URL, "target", getenv(EnvTarget), "base URL of the target; empty = the embedded simulator (env "+EnvTarget+")")
	fs.StringVar(&c.Profile, "profile", or(getenv(EnvProfile), harness.DefaultProfile), "contract version the target implements: "+harness.DefaultProfile+" or "+profileV1+" (env "+EnvProfile+")")
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
	fs.BoolVar(&c.VerifyCallbacks, "verify-callbacks", false, "check the bearer token of every notification (needs --openid-config and --app-id; the embedded simulator's are always checked)")
	fs.StringVar(&c.OpenIDConfigURL, "openid-config", getenv(EnvOpenIDConfig), "`URL` of the OpenID configuration whose keys sign the target's notifications, for --verify-callbacks; Microsoft Graph's is "+GraphOpenIDConfig+" (env "+EnvOpenIDConfig+")")
	fs.DurationVar(&c.Timeout, "timeout", 10*time.Second, "bound of one request to the target")
	fs.DurationVar(&c.Within, "within", 0, "bound of await blocks that name none (default 10s)")
	fs.StringVar(&f.simBreak, "sim-break", "", "embedded simulator only: deviations to switch on, comma-separated, to see the suite catch them ("+strings.Join(simulator.BreakNames(), ", ")+")")
	fs.StringVar(&c.Simulator.InviteAnswer, "sim-invite-answer", "", "embedded simulator only: how invite answers: 202 or 200 (default: the profile's; beta-2018 answers 202 as the page's text says, v1.0 200 with the operation)")
	f.tokens = map[string]*string{}
	for _, t := range suppliedTokens {
		v := new(string)
		fs.StringVar(v, t.flag, getenv(t.env), "the `TOKEN` a --target is sent by the send steps that say token: "+t.kind+": "+t.usage+"; the embedded simulator mints its own (env "+t.env+")")
		f.tokens[t.kind] = v
	}
	fs.StringVar(&f.reportDir, "report-dir", "", "after the run, write junit.xml, report.json and report.html into `DIR`")
	return f
}

// FlagNames lists the flags Register defines, for a front end to check
// that it takes them all.
func FlagNames() []string {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	Register(fs, nil)
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// ReportDir is the folder --report-dir names; "" = write no report.
func (f *Flags) ReportDir() string { return f.reportDir }

// Config returns the parsed configuration, with the secret read from the
// environment. Its errors wrap ErrConfig and name the flag to fix.
func (f *Flags) Config() (Config, error) {
	c := *f.cfg
	if f.scope != "" {
		c.Scopes = splitList(f.scope)
	}
	if f.capabilities != "" {
		c.Capabilities = splitList(f.capabilities)
	}
	for kind, v := range f.tokens {
		if *v == "" {
			continue
		}
		if c.Tokens == nil {
			c.Tokens = map[string]string{}
		}
		c.Tokens[kind] = *v
	}
	if f.simBreak != "" {
		if c.URL != "" {
			return c, configErr("--sim-break applies to the embedded simulator, not to --target")
		}
		c.Simulator.Break = splitList(f.simBreak)
	}
	if c.TokenURL != "" || c.ClientID != "" {
		c.ClientSecret = f.getenv(f.secretEnv)
		if c.TokenURL == "" || c.ClientID == "" || c.ClientSecret == "" {
			return c, configErr("client credentials need --token-url, --client-id and the secret in $%s", f.secretEnv)
		}
	}
	if err := checkTarget(c); err != nil {
		return c, err
	}
	vars, err := ReadVars(c.VarsFile)
	if err != nil {
		return c, err
	}
	c.Vars = vars
	return c, nil
}

// profileV1 names today's contract version.
const profileV1 = "v1.0"

// checkTarget checks the flags that say where the target is and how its
// callbacks are verified.
func checkTarget(c Config) error {
	for _, u := range []struct{ flag, value string }{
		{"--target", c.URL}, {"--token-url", c.TokenURL}, {"--callback-url", c.CallbackURL}, {"--openid-config", c.OpenIDConfigURL}, {"--control-url", c.ControlURL},
	} {
		if u.value != "" && !isHTTPURL(u.value) {
			return configErr("%s %q: want an http(s) URL", u.flag, secret.RedactURL(u.value))
		}
	}
	switch c.Profile {
	case harness.DefaultProfile, profileV1:
	default:
		return configErr("--profile %q: want %s or %s", c.Profile, harness.DefaultProfile, profileV1)
	}
	if c.URL == "" {
		return nil // the embedded simulator speaks every profile, and its callbacks are always verified with its own keys
	}
	if c.VerifyCallbacks && c.AppID == "" {
		return configErr("--verify-callbacks needs --app-id (or $%s): the bot's app id is the audience of the callback tokens", EnvAppID)
	}
	if c.VerifyCallbacks && c.OpenIDConfigURL == "" {
		return configErr("--verify-callbacks needs --openid-config URL (or $%s), the OpenID configuration whose keys sign the target's notifications; Microsoft Graph's is %s", EnvOpenIDConfig, GraphOpenIDConfig)
	}
	return nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Explain is err on one line, followed by what to do about it in terms of
// these flags: "...; check --target".
func (f *Flags) Explain(err error) string {
	msg := excerpt.Line(err.Error(), 600)
	if advice := f.advice(err); advice != "" {
		msg += "; " + advice
	}
	return msg
}

func (f *Flags) advice(err error) string {
	var (
		ue *UnreachableError
		te *TokenError
		le *ListenError
	)
	switch {
	case errors.As(err, &ue) && ue.Control:
		return "check --control-url (or --capability, to ask nothing of it)"
	case errors.As(err, &ue):
		return "check --target"
	case errors.As(err, &te) && te.Code != "":
		return fmt.Sprintf("check --client-id, --scope and the client secret in $%s", f.secretEnv)
	case errors.As(err, &te):
		return "check --token-url"
	case errors.As(err, &le):
		return "check --callback-listen"
	}
	return ""
}

// ExplainSkip says why a scenario is skipped in terms of these flags and
// their environment variables.
func ExplainSkip(e *harness.SkipError) string {
	switch e.Kind {
	case harness.MissingVar:
		if s, ok := varSettings[e.Var]; ok {
			return fmt.Sprintf("needs %s ({{%s}}): pass %s or set %s", harness.VarDescription(e.Var), e.Var, s.flag, s.env)
		}
	case harness.MissingToken:
		if flag, env, ok := TokenSetting(e.Token); ok {
			return fmt.Sprintf("needs %s (token: %s) for this target: pass %s or set %s", harness.TokenDescription(e.Token), e.Token, flag, env)
		}
		if e.Token == fixture.TokenBadSignature {
			return fmt.Sprintf("needs %s (token: %s), and the run has no token of its own: pass --token, or --token-url and --client-id", harness.TokenDescription(e.Token), e.Token)
		}
	case harness.MissingCapability:
		return fmt.Sprintf("target lacks capability %q (it has: %s); a target declares capabilities through its test-control API (GET /_control) or --capability", e.Capability, harness.CapabilityList(e.Have))
	}
	return e.Error()
}

// varSettings are the flag and the environment variable that set a
// built-in variable.
var varSettings = map[string]struct{ flag, env string }{
	"appId":    {"--app-id", EnvAppID},
	"tenantId": {"--tenant-id", EnvTenantID},
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
