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
	"strings"
	"time"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/excerpt"
	"github.com/callconform/callconform/internal/recorder"
)

const recordUsage = `Usage: replay record --upstream URL --out FILE [flags]
       replay record --finish JOURNAL [-o FIXTURE]

Records a bot's real traffic with a calls API service, and the service's
notifications, as a fixture that 'replay run' runs as it is.

Point the bot's Graph base URL at the recorder: it forwards each request to
--upstream and returns the answer. Callback URLs in request bodies
(callback, callbackUri, at any depth; test-control calls too) are replaced by
the recorder's own, {public-url}/callbacks/{n}, so that the service's
notifications come to the recorder, which records each and forwards it to
the bot's own callback, relaying the bot's answer. Tokens are forwarded,
never recorded; token and discovery requests are not recorded at all.

Each exchange is appended, redacted, to a journal (--journal, mode 0600;
default: the --out file with .journal added) the moment it completes, so
that a recorder killed loses only the exchanges in flight. When the
recording ends (Ctrl-C or SIGTERM) the fixture is written from the journal,
atomically, mode 0600, and the journal removed: one send step per request
(a trigger step for an incoming call placed through the test-control API)
with the service's answer (Location relative, ids templated) and the
request fields that identify it (match), one await block of the
notifications that followed it, each with the item as received
(exemplar), ids the service minted captured and used again as
{{variables}}, callbacks as {{callbackUrl}}, secrets and personal data
replaced by stable pseudonyms (the redaction rules are saved in the
fixture). After a crash or kill -9, --finish JOURNAL writes the fixture
(-o, default: the journal's name without .journal) from what the journal
holds; a torn last line is skipped with a note.

The Location header and every absolute URL of the upstream in its answers
are rewritten to the recorder's address, so that a bot following them
stays behind the recorder. While recording, a progress line on stderr
counts calls, requests, notifications and the bytes journaled (when
stderr is a terminal, or with --progress).

Examples:
  # record a bot against the reference simulator
  replay sim --listen 127.0.0.1:8480 &
  replay record --upstream http://127.0.0.1:8480 --out fixtures/recorded/join.yaml
  # point the bot at http://127.0.0.1:8490, run it, then press Ctrl-C

  # record against Graph; the service reaches this machine through a tunnel
  replay record --upstream https://graph.microsoft.com/beta --listen :8490 \
    --public-url https://my-tunnel.example.net --out join-meeting.yaml

  # the recorder was killed: write the fixture from its journal
  replay record --finish fixtures/recorded/join.yaml.journal -o fixtures/recorded/join.yaml

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
	journal, finish, o                                                   string
	progress                                                             bool
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
	fs.StringVar(&o.journal, "journal", "", "journal file each exchange is appended to as it completes; default: --out with .journal added")
	fs.StringVar(&o.finish, "finish", "", "write the fixture of this journal (of a recorder that was killed) and exit; with -o")
	fs.StringVar(&o.o, "o", "", "with --finish: the fixture file to write; default: the journal's name without .journal")
	fs.BoolVar(&o.progress, "progress", false, "show the progress line on stderr even when it is not a terminal")
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
	if o.finish != "" {
		if o.upstream != "" {
			return usageErr("record: --finish writes a fixture from a journal; it takes no --upstream")
		}
		return nil
	}
	if o.o != "" {
		return usageErr("record: -o goes with --finish; a recording writes --out")
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
	if o.journal == "" {
		o.journal = o.out + journalSuffix
	}
	if _, err := os.Stat(o.journal); err == nil {
		return usageErr("record: the journal %s exists: write its fixture with replay record --finish %s, or remove it", o.journal, o.journal)
	}
	return nil
}

// journalSuffix is added to --out to name the journal.
const journalSuffix = ".journal"

// finishOut is the fixture --finish writes: -o, or the journal's name
// without .journal (with .yaml when it has no such suffix).
func (o *recordOptions) finishOut() string {
	if o.o != "" {
		return o.o
	}
	if o.out != "" {
		return o.out
	}
	if out, ok := strings.CutSuffix(o.finish, journalSuffix); ok && out != "" {
		return out
	}
	return o.finish + ".yaml"
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
	if o.finish != "" {
		return finishJournal(o, stdout, stderr)
	}
	meta := recorder.Meta{ID: o.id, Title: o.title}
	if meta.ID == "" {
		meta.ID = recorder.FixtureID(o.out)
	}
	srv, err := recorder.Start(o.listen, recorder.Config{
		Upstream: o.upstream, PublicURL: o.public, Rules: rules, AppID: o.appID, TenantID: o.tenantID,
		JournalPath: o.journal,
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
	fmt.Fprintf(con, "  each exchange is journaled in %s; press Ctrl-C to stop and write %s\n", o.journal, o.out)
	if o.progress || isTerminal(stderr) {
		stop := showProgress(stderr, srv.Recorder.Stats)
		<-ctx.Done()
		stop()
	} else {
		<-ctx.Done()
	}
	return finishRecording(srv, meta, o.out, o.journal, con, stderr)
}

// finishJournal writes the fixture of a journal: replay record --finish.
func finishJournal(o *recordOptions, stdout, stderr io.Writer) error {
	out := o.finishOut()
	if st, err := os.Stat(filepath.Dir(out)); err != nil || !st.IsDir() {
		return usageErr("record: -o: folder %s does not exist", filepath.Dir(out))
	}
	meta := recorder.Meta{ID: o.id, Title: o.title}
	if meta.ID == "" {
		meta.ID = recorder.FixtureID(out)
	}
	con := &consoleWriter{w: stdout}
	res, err := recorder.Finish(o.finish, out, meta)
	for _, n := range res.Notes {
		fmt.Fprintf(&consoleWriter{w: stderr}, "replay: record: %s\n", n)
	}
	switch {
	case errors.Is(err, recorder.ErrNothingRecorded):
		fmt.Fprintf(con, "the journal holds no request; %s not written\n", out)
		return nil
	case errors.Is(err, recorder.ErrNotAJournal), errors.Is(err, os.ErrNotExist):
		return usageErr("record: --finish: %v", err)
	case err != nil:
		return &exitError{code: exitRuntime, err: fmt.Errorf("record: %w", err)}
	}
	fmt.Fprintf(con, "wrote %s from %s: %d request(s), %d notification POST(s) (%d redelivered, recorded once); check it with: replay lint %s\n",
		strings.Join(res.Files, ", "), o.finish, res.Requests, res.Notifications+res.Redeliveries, res.Redeliveries, strings.Join(res.Files, " "))
	return nil
}

// finishRecording stops the recorder, waiting at most recordShutdown for
// the exchanges in progress, and writes the fixture.
func finishRecording(srv *recorder.Server, meta recorder.Meta, out, journal string, stdout, stderr io.Writer) error {
	sctx, cancel := context.WithTimeout(context.Background(), recordShutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "replay: record: stopping: %s (writing what was recorded)\n", excerpt.Printable(err.Error()))
	}
	res, err := srv.Recorder.Write(out, meta)
	for _, n := range res.Notes {
		fmt.Fprintf(&consoleWriter{w: stderr}, "replay: record: %s\n", n)
	}
	if errors.Is(err, recorder.ErrNothingRecorded) {
		fmt.Fprintf(stdout, "nothing was recorded; %s not written\n", out)
		_ = os.Remove(journal)
		return nil
	}
	if err != nil {
		return &exitError{code: exitRuntime, err: fmt.Errorf("record: %w", err)}
	}
	st := srv.Recorder.Stats()
	fmt.Fprintf(stdout, "wrote %s: %d request(s), %d notification POST(s) (%d redelivered, recorded once); check it with: replay lint %s\n", strings.Join(res.Files, ", "), st.Requests, st.Notifications, st.Redeliveries, strings.Join(res.Files, " "))
	if err := os.Remove(journal); err != nil {
		fmt.Fprintf(stderr, "replay: record: the journal %s stays: %s\n", journal, excerpt.Printable(err.Error()))
	}
	return nil
}
