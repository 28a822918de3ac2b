package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/testbed"
	"github.com/callconform/callconform/internal/excerpt"
	"github.com/callconform/callconform/internal/playback"
)

const serveUsage = `Usage: replay serve [flags] FIXTURE...

Replays scenarios for a bot: a mock of the calls API that takes the bot's
requests in each scenario's order, answers them as the scenario's service
would, and POSTs the scenario's notifications to the callback URL the bot
gave, each with a signed bearer token (RS256, iss https://api.botframework.com,
aud --app-id) whose keys the mock serves at /.well-known/openid-configuration.
A trigger step (an incoming call) POSTs a created notification to
--bot-webhook, tried again until the bot answers 2xx (--bot-wait).

A step's recorded answer and each notification's exemplar (what replay
record keeps) are served as recorded: every field, ids put in. A request
is compared on the body fields its step's match lists (--strict: every
field of the step's body). A request that matches no step is answered 400
or 404 and printed at once with the closest step and a -want +got diff;
tokens and secrets are redacted from the console and the report.

FIXTURE names fixture files, folders or globs; a fixture that another one
includes with 'use' is played only as part of it. Templated parts of a
request ({{meetingCallId}}, {{callbackUrl}}) match the bot's values; ids the
scenario captures are minted afresh and used from then on.

It stops when every step is done, at --timeout, or on Ctrl-C, and reports
the steps the bot never made, its requests that matched no step (with the
closest step and a -want +got diff), and how it answered each notification.

Examples:
  # a bot that joins a meeting and invites a participant
  replay serve --listen 127.0.0.1:8490 --app-id $BOT_APP_ID \
    fixtures/calls/join-channel-meeting-without-media.yaml fixtures/invite/invite-group-call.yaml

  # a bot that answers incoming calls; notifications without pauses
  replay serve --bot-webhook http://localhost:3978/api/calls --speed 0 \
    fixtures/calls/answer-incoming-voip-call.yaml

  # a recorded session, the bot's own ids fixed, its tokens checked
  replay serve --vars bot-vars.yaml --require-token --tenant-id $TENANT_ID session.yaml

Exit codes: 0 the bot followed every scenario and answered every
notification 2xx, 1 it did not, 2 usage or fixture error, 3 the tool could
not run (listen error).

Flags:
`

// serveOptions are replay serve's flags.
type serveOptions struct {
	listen, webhook, appID, tenantID, baseURL, varsFile string
	speed                                               float64
	timeout, notifyTimeout, botWait                     time.Duration
	jsonOut, quiet, strict, requireToken                bool
}

func serveFlags(stderr io.Writer) (*flag.FlagSet, *serveOptions) {
	fs := flag.NewFlagSet("replay serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &serveOptions{}
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8490", "`address` to listen on; port 0 picks a free one")
	fs.StringVar(&o.webhook, "bot-webhook", "", "the bot's calling webhook `URL`, where trigger steps (an incoming call) POST")
	fs.Float64Var(&o.speed, "speed", 1, "time scale of the pace: the pause before each notification is the delay the fixture recorded (50ms when none) × `X`; 1 = as recorded, 0.5 = twice as fast, 0 = as fast as possible")
	fs.StringVar(&o.appID, "app-id", os.Getenv(testbed.EnvAppID), "the bot's app id: audience of the notification tokens and {{appId}} (default: a fresh id, printed) (env "+testbed.EnvAppID+")")
	fs.StringVar(&o.tenantID, "tenant-id", os.Getenv(testbed.EnvTenantID), "{{tenantId}} and the tid claim of tokens (default: a fresh id) (env "+testbed.EnvTenantID+")")
	fs.StringVar(&o.baseURL, "base-url", "", "the mock's `URL` as the bot reaches it, for Location headers (default: from each request's Host)")
	fs.DurationVar(&o.botWait, "bot-wait", playback.DefaultBotWait, "how long a trigger's POST to --bot-webhook is tried again (jittered backoff) until the bot answers 2xx; 0 = once")
	fs.StringVar(&o.varsFile, "vars", "", "a YAML or JSON `FILE` of variables, as for run: where a fixture templates one, the bot must send this value")
	fs.BoolVar(&o.strict, "strict", false, "compare every field of a step's body with the bot's request, not only the fields its match lists")
	fs.BoolVar(&o.requireToken, "require-token", false, "answer 401 to a request without a Graph application token: Bearer JWT, RS256, aud https://graph.microsoft.com, an Entra issuer (of --tenant-id when given), for --app-id when given, not expired, a Calls.* role; the signature is not checked")
	fs.DurationVar(&o.timeout, "timeout", 0, "stop after this long (default: when every step is done, or on Ctrl-C)")
	fs.DurationVar(&o.notifyTimeout, "notify-timeout", 5*time.Second, "how long the bot has to answer a notification")
	fs.BoolVar(&o.jsonOut, "json", false, "write the final report as JSON to stdout (events go to stderr)")
	fs.BoolVar(&o.quiet, "q", false, "do not print each request and notification as it happens (a request that matches no step still is)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), serveUsage)
		fs.PrintDefaults()
	}
	return fs, o
}

// check refuses what the flags cannot mean; nargs is how many fixtures
// were named.
func (o *serveOptions) check(nargs int) error {
	if nargs == 0 {
		return usageErr("serve: name at least one fixture file or folder")
	}
	if o.speed < 0 {
		return usageErr("serve: --speed must be 0 or more")
	}
	if o.timeout < 0 || o.notifyTimeout <= 0 || o.botWait < 0 {
		return usageErr("serve: --timeout must be 0 or more, --bot-wait must be 0 or more and --notify-timeout more than 0")
	}
	for _, f := range []struct{ name, value string }{{"--bot-webhook", o.webhook}, {"--base-url", o.baseURL}} {
		if f.value == "" {
			continue
		}
		if u, err := url.Parse(f.value); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErr("serve: %s %q: want an http(s) URL", f.name, f.value)
		}
	}
	return nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, o := serveFlags(stderr)
	if help, err := parseFlags(fs, args, stdout); help || err != nil {
		return err
	}
	if err := o.check(fs.NArg()); err != nil {
		return err
	}
	vars, err := fixture.ReadVarsFile(o.varsFile)
	if err != nil {
		return usageErr("serve: --vars: %v", err)
	}
	fxs, err := loadFixtures(ctx, fs.Args())
	if err != nil {
		return loadError(ctx, err)
	}
	warnUnknownVars(stderr, vars, fxs)
	// What the bot sends reaches the console: its control characters are
	// escaped.
	out := &consoleWriter{w: stdout}
	events := io.Writer(out)
	if o.jsonOut {
		events = &consoleWriter{w: stderr}
	}
	cfg := playback.Config{
		AppID: o.appID, TenantID: o.tenantID, BotWebhook: o.webhook, BaseURL: o.baseURL,
		Speed:         o.speed,
		NotifyTimeout: o.notifyTimeout,
		Explain:       explainStep,
		Vars:          vars,
		Strict:        o.strict,
		RequireToken:  o.requireToken,
		BotWait:       o.botWait,
	}
	if o.botWait == 0 {
		cfg.BotWait = -1 // tried once
	}
	if !o.quiet {
		cfg.Log = events
	}
	cfg.Alert = events // -q keeps the requests that matched no step
	srv, err := playback.Start(o.listen, cfg, fxs...)
	if err != nil {
		return &exitError{code: exitRuntime, err: fmt.Errorf("serve: %w", err)}
	}
	printServeBanner(events, srv, o.webhook)
	fmt.Fprintf(events, "stopping: %s\n", awaitServe(ctx, srv, o.timeout))
	closeErr := srv.Close()
	if closeErr != nil {
		defer fmt.Fprintf(stderr, "replay: serve: %s\n", excerpt.Printable(closeErr.Error()))
	}
	return serveOutcome(out, srv.Report(), o.jsonOut)
}

// awaitServe waits until the bot is done, ctx ends or timeout (0 = none)
// passes, and says which.
func awaitServe(ctx context.Context, srv *playback.Server, timeout time.Duration) string {
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-srv.Done():
		return "every step is done"
	case <-ctx.Done():
		return "interrupted"
	case <-expired:
		return fmt.Sprintf("--timeout %s passed", timeout)
	}
}

// serveOutcome prints the report, as JSON or text, and fails when the bot
// did not follow the scenarios.
func serveOutcome(out io.Writer, rep playback.Report, jsonOut bool) error {
	if jsonOut {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return &exitError{code: exitRuntime, err: err}
		}
	} else {
		fmt.Fprintf(out, "\n%s", rep)
	}
	if !rep.OK() {
		return &exitError{code: exitFailed, err: fmt.Errorf("serve: the bot did not follow the scenario")}
	}
	return nil
}

func printServeBanner(w io.Writer, srv *playback.Server, webhook string) {
	var b strings.Builder
	ids := srv.Scenarios()
	fmt.Fprintf(&b, "serving %d scenario(s) for a bot at %s\n", len(ids), srv.URL)
	fmt.Fprintf(&b, "  scenarios       %s\n", strings.Join(ids, ", "))
	fmt.Fprintf(&b, "  OpenID config   %s%s\n", srv.URL, playback.OpenIDConfigPath)
	fmt.Fprintf(&b, "  tokens          iss %s, aud %s\n", playback.NotificationIssuer, srv.AppID())
	if webhook != "" {
		fmt.Fprintf(&b, "  bot webhook     %s\n", webhook)
	}
	_, _ = io.WriteString(w, excerpt.Printable(b.String()))
}

// explainStep words a step problem of the playback engine in the CLI's
// terms (its flags).
func explainStep(e *playback.StepError) string {
	if errors.Is(e, playback.ErrNoBotWebhook) {
		return "trigger incoming-call needs the bot's webhook (--bot-webhook) to place the call to"
	}
	return ""
}
