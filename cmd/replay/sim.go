package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/callconform/callconform/internal/excerpt"
	"github.com/callconform/callconform/simulator"
)

const simUsage = `Usage: replay sim [flags]

Run the reference simulator of the Microsoft Graph calls API: the calls API
(profile beta-2018: under /app/calls and /applications/{appId}/calls;
profile v1.0: under /communications/calls, as a bot written with the Graph
SDK calls it), an OAuth token endpoint with built-in clients, signed
notifications to each call's callback, the OpenID configuration that
verifies them, and the test-control API (/_control). It prints its URLs and
the clients' per-run secrets, then serves until interrupted.

Flags:
`

const simExamples = `
Config file (YAML; every key optional; zero or absent means the default):
  profile: beta-2018                    # or v1.0
  appId: 1234a46b-3d17-4adc-8dce-dc4e7d556789
  tenantId: 49bfc225-8482-4ab8-94e7-76b48fdb9849
  baseUrl: https://sim.example.test     # for absolute Location headers
  inviteAnswer: "202"                   # or "200"; default: the profile's
  uniformIds: false
  stepDelay: 0s
  break: [invite-no-location]           # deviations, to prove a suite catches them
  delivery: {attempts: 5, backoff: 50ms, maxBackoff: 1s, timeout: 5s}
  answerTimeout: 15s                    # an incoming call not answered ends
  establishTimeout: 2m                  # a call still establishing ends
  keepAliveTimeout: 45m                 # v1.0: a call without keepAlive ends
  maxCalls: 10000                       # live calls; past it, 429
  server: {readHeaderTimeout: 10s, readTimeout: 30s, idleTimeout: 2m, shutdownTimeout: 5s}
  establishedFirst: false               # v1.0: established before establishing
  resourceUrlOnly: false                # v1.0: notifications without "resource"
  noInviteLocation: false               # v1.0: invite answers without Location

Breaks: %s

Examples:
  # serve on the default address
  replay sim

  # any free loopback port, invite answering 200 OK with the operation
  replay sim --listen 127.0.0.1:0 --invite-answer 200

  # today's API, for a bot written with Microsoft's Graph SDK
  replay sim --profile v1.0

  # a simulator that forgets the operation's completion notification
  replay sim --break skip-operation-notification

  # settings from a file; flags win over the file
  replay sim --config sim.yaml --listen :8480
`

// simFile is the YAML config file of replay sim: simulator.Config's
// settings that a file can give.
type simFile struct {
	Profile          string   `yaml:"profile"`
	AppID            string   `yaml:"appId"`
	TenantID         string   `yaml:"tenantId"`
	BaseURL          string   `yaml:"baseUrl"`
	InviteAnswer     string   `yaml:"inviteAnswer"`
	UniformIDs       bool     `yaml:"uniformIds"`
	StepDelay        duration `yaml:"stepDelay"`
	Break            []string `yaml:"break"`
	AnswerTimeout    duration `yaml:"answerTimeout"`
	EstablishTimeout duration `yaml:"establishTimeout"`
	KeepAliveTimeout duration `yaml:"keepAliveTimeout"`
	MaxCalls         int      `yaml:"maxCalls"`
	EstablishedFirst bool     `yaml:"establishedFirst"`
	ResourceURLOnly  bool     `yaml:"resourceUrlOnly"`
	NoInviteLocation bool     `yaml:"noInviteLocation"`
	Delivery         struct {
		Attempts   int      `yaml:"attempts"`
		Backoff    duration `yaml:"backoff"`
		MaxBackoff duration `yaml:"maxBackoff"`
		Timeout    duration `yaml:"timeout"`
	} `yaml:"delivery"`
	Server struct {
		ReadHeaderTimeout duration `yaml:"readHeaderTimeout"`
		ReadTimeout       duration `yaml:"readTimeout"`
		IdleTimeout       duration `yaml:"idleTimeout"`
		ShutdownTimeout   duration `yaml:"shutdownTimeout"`
	} `yaml:"server"`
}

// config is the simulator.Config that f gives.
func (f *simFile) config() simulator.Config {
	cfg := simulator.Config{
		Profile: f.Profile, AppID: f.AppID, TenantID: f.TenantID, BaseURL: f.BaseURL,
		InviteAnswer: f.InviteAnswer, UniformIDs: f.UniformIDs, StepDelay: time.Duration(f.StepDelay),
		Break:         f.Break,
		AnswerTimeout: time.Duration(f.AnswerTimeout), EstablishTimeout: time.Duration(f.EstablishTimeout),
		KeepAliveTimeout: time.Duration(f.KeepAliveTimeout), MaxCalls: f.MaxCalls,
		EstablishedFirst: f.EstablishedFirst, ResourceURLOnly: f.ResourceURLOnly, NoInviteLocation: f.NoInviteLocation,
	}
	cfg.Delivery = simulator.DeliveryConfig{
		Attempts: f.Delivery.Attempts, Backoff: time.Duration(f.Delivery.Backoff),
		MaxBackoff: time.Duration(f.Delivery.MaxBackoff), Timeout: time.Duration(f.Delivery.Timeout),
	}
	cfg.Server = simulator.ServerConfig{
		ReadHeaderTimeout: time.Duration(f.Server.ReadHeaderTimeout), ReadTimeout: time.Duration(f.Server.ReadTimeout),
		IdleTimeout: time.Duration(f.Server.IdleTimeout), ShutdownTimeout: time.Duration(f.Server.ShutdownTimeout),
	}
	return cfg
}

// maxSimConfig bounds the size of a simulator config file: 1 MiB.
const maxSimConfig = 1 << 20

// duration reads a Go duration string such as "50ms".
type duration time.Duration

func (d *duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return fmt.Errorf("line %d: a duration must be a string such as \"50ms\", not %s", n.Line, excerpt.Line(n.Value, 40))
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = duration(v)
	return nil
}

func loadSimConfig(path string) (simulator.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return simulator.Config{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSimConfig+1))
	if err != nil {
		return simulator.Config{}, err
	}
	if len(b) > maxSimConfig {
		return simulator.Config{}, fmt.Errorf("larger than %d KiB", maxSimConfig>>10)
	}
	var sf simFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&sf); err != nil && !errors.Is(err, io.EOF) {
		return simulator.Config{}, err
	}
	return sf.config(), nil
}

// simOptions are replay sim's flags.
type simOptions struct {
	listen, profile, configPath, inviteAnswer, breaks string
}

func simFlags(stderr io.Writer) (*flag.FlagSet, *simOptions) {
	fs := flag.NewFlagSet("replay sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &simOptions{}
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8480", "`address` to listen on; port 0 picks a free one")
	fs.StringVar(&o.profile, "profile", simulator.ProfileBeta2018, "API `profile`: "+strings.Join(simulator.Profiles(), " or "))
	fs.StringVar(&o.configPath, "config", "", "YAML `file` of simulator settings")
	fs.StringVar(&o.inviteAnswer, "invite-answer", "", "invite answer: 202 (Accepted, no body; beta-2018 only) or 200 (OK with the operation); default: the profile's")
	fs.StringVar(&o.breaks, "break", "", "comma-separated `deviations` from the contract (see below)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), simUsage)
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), simExamples, strings.Join(simulator.BreakNames(), ", "))
	}
	return fs, o
}

// config is the simulator's configuration: the config file's, with the
// flags that were set on top.
func (o *simOptions) config(fs *flag.FlagSet) (simulator.Config, error) {
	var cfg simulator.Config
	if o.configPath != "" {
		var err error
		if cfg, err = loadSimConfig(o.configPath); err != nil {
			return cfg, usageErr("sim: config %s: %s", o.configPath, excerpt.Line(err.Error(), 500))
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["profile"] || cfg.Profile == "" {
		cfg.Profile = o.profile
	}
	if set["invite-answer"] || cfg.InviteAnswer == "" {
		cfg.InviteAnswer = o.inviteAnswer
	}
	if set["break"] {
		cfg.Break = nil
		for _, b := range strings.Split(o.breaks, ",") {
			if b = strings.TrimSpace(b); b != "" {
				cfg.Break = append(cfg.Break, b)
			}
		}
	}
	return cfg, nil
}

// runSim is "replay sim": serve the simulator until ctx is done.
func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, o := simFlags(stderr)
	if help, err := parseFlags(fs, args, stdout); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("sim: unexpected arguments %q", fs.Args())
	}
	cfg, err := o.config(fs)
	if err != nil {
		return err
	}
	cfg.Logger = slog.New(slog.NewTextHandler(&consoleWriter{w: stderr}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := simulator.Start(o.listen, cfg)
	if errors.Is(err, simulator.ErrConfig) {
		return usageErr("sim: %v", err)
	}
	if err != nil {
		return err
	}
	printSimBanner(stdout, srv, cfg)
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		return fmt.Errorf("sim: close: %w", err)
	}
	fmt.Fprintln(stdout, "simulator stopped")
	return nil
}

// printSimBanner prints what a harness or a bot needs to use the simulator,
// the per-run client secrets included: they exist only in this process.
func printSimBanner(w io.Writer, srv *simulator.Server, cfg simulator.Config) {
	sim := srv.Sim
	var b strings.Builder
	fmt.Fprintf(&b, "callconform simulator, profile %s\n", sim.Profile())
	fmt.Fprintf(&b, "  base URL        %s\n", srv.URL)
	fmt.Fprintf(&b, "  calls API       %s%s\n", srv.URL, sim.CallsPath())
	fmt.Fprintf(&b, "  token URL       %s\n", srv.TokenURL)
	fmt.Fprintf(&b, "  OpenID config   %s\n", srv.OpenIDConfigURL)
	fmt.Fprintf(&b, "  test control    %s/_control\n", srv.URL)
	fmt.Fprintf(&b, "  app id          %s\n", sim.AppID())
	fmt.Fprintf(&b, "  tenant id       %s\n", sim.TenantID())
	if len(cfg.Break) > 0 {
		fmt.Fprintf(&b, "  breaks          %s\n", strings.Join(cfg.Break, ", "))
	}
	fmt.Fprintf(&b, "\nBuilt-in clients (secrets valid for this run only):\n")
	var calling simulator.Client
	for _, c := range sim.Clients() {
		perms := "no permissions"
		switch {
		case len(c.Roles) > 0:
			perms = "roles " + strings.Join(c.Roles, " ")
		case len(c.Scopes) > 0:
			perms = "delegated scopes " + strings.Join(c.Scopes, " ")
		}
		fmt.Fprintf(&b, "  %-10s id %s  secret %s  (%s)\n", c.Kind, c.ID, c.Secret, perms)
		if c.Kind == simulator.ClientCalling {
			calling = c
		}
	}
	fmt.Fprintf(&b, "\nRun the conformance suite against it (from another shell):\n")
	fmt.Fprintf(&b, "  export CALLCONFORM_CLIENT_SECRET='%s'\n", calling.Secret)
	fmt.Fprintf(&b, "  replay run --target %s --profile %s --token-url %s \\\n    --client-id %s --app-id %s --tenant-id %s \\\n    --verify-callbacks --openid-config %s\n",
		srv.URL, sim.Profile(), srv.TokenURL, calling.ID, sim.AppID(), sim.TenantID(), srv.OpenIDConfigURL)
	fmt.Fprintf(&b, "\nServing until interrupted.\n")
	_, _ = io.WriteString(w, excerpt.Printable(b.String()))
}
