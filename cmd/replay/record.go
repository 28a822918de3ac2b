package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/excerpt"
	"github.com/callconform/callconform/internal/recorder"
)

const recordUsage = `Usage: replay record --upstream URL --out FILE [flags]

Records a bot's real traffic with a calls API service, and the service's
notifications, as a fixture that 'replay run' runs as it is.

Point the bot's Graph base URL at the recorder: it forwards each request to
--upstream and returns the answer. Callback URLs in request bodies
(callback, callbackUri, at any depth; test-control calls too) are replaced by
the recorder's own, {public-url}/callbacks/{n}, so that the service's
notifications come to the recorder, which records each and forwards it to
the bot's own callback, relaying the bot's answer. Tokens are forwarded,
never recorded; token and discovery requests are not recorded at all.

When the recording ends (Ctrl-C or SIGTERM) the fixture is written
atomically, mode 0600: one send step per request (a trigger step for an
incoming call placed through the test-control API), one await block of the
notifications that followed it, ids the service minted captured and used
again as {{variables}}, callbacks as {{callbackUrl}}, secrets and personal
data replaced by stable pseudonyms (the redaction rules are saved in the
fixture).

Examples:
  # record a bot against the reference simulator
  replay sim --listen 127.0.0.1:8480 &
  replay record --upstream http://127.0.0.1:8480 --out fixtures/recorded/join.yaml
  # point the bot at http://127.0.0.1:8490, run it, then press Ctrl-C

  # record against Graph; the service reaches this machine through a tunnel
  replay record --upstream https://graph.microsoft.com/beta --listen :8490 \
    --public-url https://my-tunnel.example.net --out join-meeting.yaml

  # more redaction rules, added to the defaults
  replay record --upstream http://127.0.0.1:8480 --out f.yaml --redact-rules rules.yaml
  #   rules.yaml:
  #   - {kind: employee-id, path: employeeId}                          # → a fake GUID
  #   - {kind: ticket, pattern: 'TCK-[0-9]+', replacement: 'ticket-%d'}
  #   - {kind: header, header: X-Internal-Token}                       # not recorded
  #   - {kind: keep, path: application.displayName}                   # the bot's own name, as it is

Exit codes: 0 recorded (also when interrupted: what was captured is
written), 2 usage error, 3 the recorder could not listen or write.

Flags:
`

// recordShutdown bounds the wait for exchanges in progress when the
// recording ends.
const recordShutdown = 10 * time.Second

// recordOptions are replay record's flags.
type recordOptions struct {
	upstream, listen, public, out, rulesFile, id, title, appID, tenantID string
}

func recordFlags(stderr io.Writer) (*flag.FlagSet, *recordOptions) {
	fs := flag.NewFlagSet("replay record", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &recordOptions{}
	fs.StringVar(&o.upstream, "upstream", "", "base URL of the service, such as https://graph.microsoft.com/beta (required)")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8490", "address the recorder listens on: the bot's Graph base URL and the notifications")
	fs.StringVar(&o.public, "public-url", "", "base URL at which the service reaches the recorder (a tunnel); default: http://<listen address>")
	fs.StringVar(&o.out, "out", "", "fixture file to write (required)")
	fs.StringVar(&o.rulesFile, "redact-rules", "", "YAML list of redaction rules {kind, path, pattern, header, replacement}, added to the defaults")
	fs.StringVar(&o.id, "id", "", "fixture id; default: from --out's file name")
	fs.StringVar(&o.title, "title", "", "fixture title; default: \"Recorded scenario\"")
	fs.StringVar(&o.appID, "app-id", "", "the bot's app id, written {{appId}}; default: the appid claim of the bot's token")
	fs.StringVar(&o.tenantID, "tenant-id", "", "the bot's tenant id, written {{tenantId}}; default: the tid claim of the bot's token")
	fs.Usage = func() {
		_, _ = io.WriteString(fs.Output(), recordUsage)
		fs.PrintDefaults()
	}
	return fs, o
}

// check refuses what the flags cannot mean.
func (o *recordOptions) check(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usageErr("record: unexpected argument %q", fs.Arg(0))
	}
	if o.upstream == "" || o.out == "" {
		return usageErr("record: --upstream and --out are required (see replay record --help)")
	}
	for _, f := range []struct{ name, value string }{{"--upstream", o.upstream}, {"--public-url", o.public}} {
		if f.value == "" {
			continue
		}
		if u, err := url.Parse(f.value); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErr("record: %s wants an http(s) base URL", f.name)
		}
	}
	if st, err := os.Stat(filepath.Dir(o.out)); err != nil || !st.IsDir() {
		return usageErr("record: --out: folder %s does not exist", filepath.Dir(o.out))
	}
	return nil
}

// rules are the default redaction rules and those of --redact-rules.
func (o *recordOptions) rules() ([]fixture.RedactionRule, error) {
	rules := recorder.DefaultRules()
	if o.rulesFile != "" {
		more, err := recorder.LoadRules(o.rulesFile)
		if err != nil {
			return nil, usageErr("record: %v", err)
		}
		rules = append(rules, more...)
	}
	return rules, nil
}

func runRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, o := recordFlags(stderr)
	if help, err := parseFlags(fs, args, stdout); help || err != nil {
		return err
	}
	if err := o.check(fs); err != nil {
		return err
	}
	rules, err := o.rules()
	if err != nil {
		return err
	}
	meta := recorder.Meta{ID: o.id, Title: o.title}
	if meta.ID == "" {
		meta.ID = recorder.FixtureID(o.out)
	}
	srv, err := recorder.Start(o.listen, recorder.Config{
		Upstream: o.upstream, PublicURL: o.public, Rules: rules, AppID: o.appID, TenantID: o.tenantID,
	})
	if err != nil {
		return &exitError{code: exitRuntime, err: fmt.Errorf("record: %w", err)}
	}
	con := &consoleWriter{w: stdout}
	publicURL := o.public
	if publicURL == "" {
		publicURL = srv.URL
	}
	fmt.Fprintf(con, "recording: point the bot's Graph base URL at %s\n", srv.URL)
	fmt.Fprintf(con, "  requests go to %s; notifications are expected at %s%s{n}\n", o.upstream, publicURL, recorder.CallbackPrefix)
	fmt.Fprintf(con, "  press Ctrl-C to stop and write %s\n", o.out)
	<-ctx.Done()
	return finishRecording(srv, meta, o.out, con, stderr)
}

// finishRecording stops the recorder, waiting at most recordShutdown for
// the exchanges in progress, and writes the fixture.
func finishRecording(srv *recorder.Server, meta recorder.Meta, out string, stdout, stderr io.Writer) error {
	sctx, cancel := context.WithTimeout(context.Background(), recordShutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "replay: record: stopping: %s (writing what was recorded)\n", excerpt.Printable(err.Error()))
	}
	err := srv.Recorder.WriteFile(out, meta)
	if errors.Is(err, recorder.ErrNothingRecorded) {
		fmt.Fprintf(stdout, "nothing was recorded; %s not written\n", out)
		return nil
	}
	if err != nil {
		return &exitError{code: exitRuntime, err: fmt.Errorf("record: %w", err)}
	}
	st := srv.Recorder.Stats()
	fmt.Fprintf(stdout, "wrote %s: %d request(s), %d notification POST(s) (%d redelivered, recorded once); check it with: replay lint %s\n", out, st.Requests, st.Notifications, st.Redeliveries, out)
	return nil
}
