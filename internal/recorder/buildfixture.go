package recorder

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/secret"
)

// buildInput is a journal and what to build its fixture with.
type buildInput struct {
	journal  snapshot
	rules    []rule // nil = the rules the journal's header names
	upstream string // "" = the upstream the journal's header names
}

// BuildResult says what a build found in a journal.
type BuildResult struct {
	Requests      int      // requests written as steps
	Notifications int      // notification POSTs written, redeliveries left out
	Redeliveries  int      // notification POSTs left out as redeliveries
	Notes         []string // what was skipped, such as a torn last line
	// Parts is how many fixture files the recording took: 1, or more
	// for one longer than a fixture may be (see PartPath).
	Parts int
	// Files are the fixture files written, the first one first.
	Files []string
}

// buildFixture writes the fixture of a journal to w as YAML, streaming:
// one pass finds the redeliveries, a second the ids worth a capture (and
// the vars), the third writes each step as it is made. Each pass keeps
// state only for the calls open (and a few ended), so that memory does
// not grow with the length of the session.
func buildFixture(w io.Writer, in buildInput, meta Meta, next func(part int) (io.Writer, error)) (BuildResult, error) {
	var res BuildResult
	drops, h, notes, err := findRedeliveries(in.journal)
	if err != nil {
		return res, err
	}
	res.Notes, res.Redeliveries = append(in.journal.notes, notes...), len(drops)
	rules := in.rules
	if rules == nil {
		if rules, err = compileRules(h.Rules); err != nil {
			return res, fmt.Errorf("build the fixture: the journal's redaction rules: %w", err)
		}
	}
	upstream := in.upstream
	if upstream == "" {
		upstream = h.Upstream
	}
	first, err := buildPass(in.journal, drops, rules, upstream, nil, nil, nil)
	if err != nil {
		return res, err
	}
	res.Requests, res.Notifications = first.requests, first.notes
	if first.requests == 0 {
		return res, ErrNothingRecorded
	}
	res.Parts = first.parts + 1
	f, header := fixtureHead(meta, first, rules, upstream)
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := writeHead(bw, f, header); err != nil {
		return res, fmt.Errorf("encode the recorded fixture: %w", err)
	}
	onPart := func(part int) error {
		if next == nil {
			return fmt.Errorf("build the fixture: %w", ErrTooLong)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("write the recorded fixture: %w", err)
		}
		nw, err := next(part)
		if err != nil {
			return err
		}
		bw = bufio.NewWriterSize(nw, 64<<10)
		pf := *f
		pf.ID, pf.Title = PartID(f.ID, part), fmt.Sprintf("%s (part %d)", f.Title, part)
		return writeHead(bw, &pf, fmt.Sprintf("Part %d of a recording too long for one fixture: a scenario of its own,\n"+
			"which knows no variable captured in the parts before it.\n", part)+header)
	}
	emit := func(st fixture.Step, comment string) error { return writeStep(bw, st, comment) }
	if _, err := buildPass(in.journal, drops, rules, upstream, &first.used, emit, onPart); err != nil {
		return res, err
	}
	if err := bw.Flush(); err != nil {
		return res, fmt.Errorf("write the recorded fixture: %w", err)
	}
	return res, nil
}

// ErrTooLong is returned by Encode when a recording needs more than one
// fixture file (see WriteFile).
var ErrTooLong = errors.New("the recording is too long for one fixture")

// PartID is the id of part n (2, 3...) of the recorded fixture id.
func PartID(id string, n int) string { return fmt.Sprintf("%s-part%d", id, n) }

// PartPath is the file of part n (2, 3...) of the recorded fixture path:
// join.yaml → join.part2.yaml.
func PartPath(path string, n int) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s.part%d%s", strings.TrimSuffix(path, ext), n, ext)
}

// findRedeliveries reads a journal once and returns the seqs of the
// notification deliveries that are redeliveries, its header and notes.
func findRedeliveries(j snapshot) (map[int]bool, journalHeader, []string, error) {
	rc, err := j.reader()
	if err != nil {
		return nil, journalHeader{}, nil, err
	}
	defer rc.Close()
	drops := map[int]bool{}
	filter := newRedeliveryFilter()
	h, notes, err := readJournal(rc, func(x *exchange) error {
		if x.isNote {
			drop, earlier := filter.add(x.seq, x.callback, x.body, x.botStatus)
			for _, s := range earlier {
				drops[s] = true
			}
			if drop {
				drops[x.seq] = true
			}
		}
		return nil
	})
	return drops, h, notes, err
}

// buildPass runs a builder over a journal, redeliveries left out.
func buildPass(j snapshot, drops map[int]bool, rules []rule, upstream string, keep *bitset,
	emit func(fixture.Step, string) error, onPart func(int) error) (*builder, error) {
	rc, err := j.reader()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	basePath := ""
	if u, err := url.Parse(upstream); err == nil {
		basePath = u.Path
	}
	b := newBuilder(newRedactor(rules), basePath, "", "", keep)
	b.upBase = strings.TrimRight(upstream, "/")
	if emit != nil {
		b.emit = emit
	}
	b.onPart = onPart
	if _, _, err := readJournal(rc, func(x *exchange) error {
		if drops[x.seq] {
			return nil
		}
		return b.add(x)
	}); err != nil {
		return nil, err
	}
	return b, b.finish()
}

// fixtureHead returns the fixture's metadata (no steps) and the comment
// above it, from the first pass.
func fixtureHead(meta Meta, b *builder, rules []rule, upstream string) (*fixture.Fixture, string) {
	if meta.ID == "" {
		meta.ID = "recorded"
	}
	if meta.Title == "" {
		meta.Title = "Recorded scenario"
	}
	if meta.Labels == nil {
		meta.Labels = []string{"recorded"}
	}
	summary := fmt.Sprintf("recorded by replay record from %s on %s: %d request(s), %d notification POST(s)",
		secret.RedactURL(upstream), time.Now().UTC().Format(time.DateOnly), b.requests, b.notes)
	if b.skipped > 0 {
		summary += fmt.Sprintf(" (%d not JSON, left out)", b.skipped)
	}
	if meta.Description == "" {
		meta.Description = strings.ToUpper(summary[:1]) + summary[1:] + "."
	}
	f := &fixture.Fixture{
		ID: meta.ID, Title: meta.Title, Description: meta.Description, Labels: meta.Labels,
		Redaction: &fixture.Redaction{Rules: rulesOf(rules), Note: redactionNote},
	}
	if b.trigger {
		f.Requires = []string{"incoming-call"}
	}
	if len(b.red.values) > 0 {
		f.Vars = b.red.values
	}
	header := "A recording: " + summary + ".\n" +
		"Ids the service minted are captured ({{callId}}, {{opId}}...) and used again as variables;\n" +
		"pseudonyms stand for personal values (see redaction) and those the bot sent are vars.\n" +
		"Each await block holds the notifications that arrived after the request before it;\n" +
		"each answer and exemplar is what the service sent, for replay serve.\n" +
		"Order: an `after` is required (notifications on one resource, in the order observed;\n" +
		"an operation's completion before its effects); any other order was observed, not required."
	return f, header
}

func rulesOf(rs []rule) []fixture.RedactionRule {
	out := make([]fixture.RedactionRule, len(rs))
	for i, r := range rs {
		out[i] = r.RedactionRule
	}
	return out
}
