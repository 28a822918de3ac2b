package recorder

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/atomicfile"
	"github.com/callconform/callconform/internal/secret"
)

// Meta names and describes the fixture a recording becomes.
type Meta struct {
	ID          string   // "" = "recorded"; see FixtureID
	Title       string   // "" = "Recorded scenario"
	Description string   // "" = where and when it was recorded
	Labels      []string // nil = [recorded]
}

// ErrNothingRecorded is returned by Encode and WriteFile when no request
// was recorded: a fixture needs at least one step.
var ErrNothingRecorded = errors.New("nothing was recorded")

// FixtureID turns a file name such as "Join meeting.yaml" into a fixture id
// ("join-meeting").
func FixtureID(file string) string {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(base) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.'
		if !ok {
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteRune(c)
	}
	id := strings.TrimLeft(b.String(), ".")
	if id == "" {
		return "recorded"
	}
	return id
}

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
	res.Notes, res.Redeliveries = notes, len(drops)
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

// Encode returns the fixture of what was recorded so far, as YAML, checked
// to load with the fixture schema. The Recorder keeps recording.
func (r *Recorder) Encode(meta Meta) ([]byte, error) {
	in, err := r.buildInput()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := buildFixture(&buf, in, meta, nil); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if _, err := fixture.Parse(meta.ID+".yaml", data); err != nil {
		return data, fmt.Errorf("the recorded fixture does not load: %w", err)
	}
	return data, nil
}

// buildInput is the recorder's journal so far, exchanges in flight
// included, with its rules.
func (r *Recorder) buildInput() (buildInput, error) {
	j, err := r.journal.pending()
	if err != nil {
		return buildInput{}, fmt.Errorf("read the journal: %w", err)
	}
	return buildInput{journal: j, rules: r.rules, upstream: redactedUpstream(r.upstream.String())}, nil
}

// WriteFile writes the fixture of what was recorded so far to path,
// atomically (a temporary file in the same folder, synced, then renamed)
// with mode 0600. A fixture that does not load is still written, so that
// nothing recorded is lost, and the error says why.
func (r *Recorder) WriteFile(path string, meta Meta) error {
	_, err := r.Write(path, meta)
	return err
}

// Write is WriteFile that says what it wrote: a recording longer than a
// fixture may be is written in parts, path then PartPath(path, 2)...
func (r *Recorder) Write(path string, meta Meta) (BuildResult, error) {
	in, err := r.buildInput()
	if err != nil {
		return BuildResult{}, err
	}
	return writeFixture(path, in, meta)
}

// Finish turns a journal that replay record wrote (Config.JournalPath)
// into a fixture at out, as WriteFile does: the way back from a recorder
// that was killed. A torn last line is skipped and said in the result's
// notes.
func Finish(journalPath, out string, meta Meta) (BuildResult, error) {
	if _, err := os.Stat(journalPath); err != nil {
		return BuildResult{}, fmt.Errorf("finish: %w", err)
	}
	res, err := writeFixture(out, buildInput{journal: fileSnapshot(journalPath)}, meta)
	if err != nil {
		return res, fmt.Errorf("finish %s: %w", journalPath, err)
	}
	return res, nil
}

// fileSnapshot reads a journal file whole.
func fileSnapshot(path string) snapshot {
	return snapshot{open: func() (io.ReadCloser, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read journal: %w", err)
		}
		return f, nil
	}}
}

// writeFixture builds the fixture of in into path, atomically, mode 0600,
// and checks that it loads. A recording longer than a fixture may be is
// written in parts: path, then PartPath(path, 2)...
func writeFixture(path string, in buildInput, meta Meta) (BuildResult, error) {
	res, err := buildFiles(path, in, meta)
	if err != nil {
		return res, err
	}
	if _, err := fixture.Load(res.Files...); err != nil {
		return res, fmt.Errorf("the recorded fixture does not load: %w", err)
	}
	return res, nil
}

// buildFiles builds the fixture of in into path (and its parts),
// atomically, mode 0600.
func buildFiles(path string, in buildInput, meta Meta) (BuildResult, error) {
	var res BuildResult
	var parts []*os.File
	defer func() {
		for _, f := range parts {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	next := func(part int) (io.Writer, error) {
		f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(PartPath(path, part))+".*.tmp")
		if err != nil {
			return nil, fmt.Errorf("write part %d of the fixture: %w", part, err)
		}
		parts = append(parts, f)
		return f, f.Chmod(0o600)
	}
	err := atomicfile.Write(path, 0o600, func(w io.Writer) error {
		var err error
		res, err = buildFixture(w, in, meta, next)
		return err
	})
	if err != nil {
		return res, err
	}
	res.Files = []string{path}
	for i, f := range parts {
		if err := errors.Join(f.Sync(), f.Close()); err != nil {
			return res, fmt.Errorf("write part %d of the fixture: %w", i+2, err)
		}
		if err := os.Rename(f.Name(), PartPath(path, i+2)); err != nil {
			return res, fmt.Errorf("write part %d of the fixture: %w", i+2, err)
		}
		res.Files = append(res.Files, PartPath(path, i+2))
	}
	parts = nil
	return res, nil
}

// WriteAtomic writes data to path through a temporary file in the same
// folder, synced and renamed over path, so that a reader sees the old file
// or the new one, never part of one.
func WriteAtomic(path string, data []byte, perm os.FileMode) error {
	return atomicfile.Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// encodeYAML writes f as YAML in the order of its fields (id, title... steps;
// in a step, name, send, body, expect...), a body in the order the bot wrote
// it, with header above the document and comments above steps.
func encodeYAML(f *fixture.Fixture, header string, comments map[int]string) ([]byte, error) {
	raw, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	v, err := parseJSON(raw)
	if err != nil {
		return nil, err
	}
	if steps := v.get("steps"); steps != nil {
		for _, st := range steps.vals {
			// status: 201 rather than [201].
			if exp := st.get("expect"); exp != nil {
				for i, k := range exp.keys {
					if k == "status" && exp.vals[i].kind == 'a' && len(exp.vals[i].vals) == 1 {
						exp.vals[i] = exp.vals[i].vals[0]
					}
				}
			}
		}
	}
	root := yamlNode(v)
	if header != "" && len(root.Content) > 0 {
		root.Content[0].HeadComment = header
	}
	for i, k := range root.Content {
		if i%2 == 0 && k.Value == "steps" {
			seq := root.Content[i+1]
			for n, c := range comments {
				if n < len(seq.Content) {
					seq.Content[n].HeadComment = c
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// flowWidth is the widest collection of scalars written on one line.
const flowWidth = 72

// yamlNode converts a JSON value; a short collection of scalars is written
// in flow style ({a: 1, b: x} or [audio, video]).
func yamlNode(v *jvalue) *yaml.Node {
	switch v.kind {
	case 'o':
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		width := 0
		flat := true
		for i, k := range v.keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, yamlNode(v.vals[i]))
			width += len(k) + len(v.vals[i].text) + 4
			if !v.vals[i].scalar() {
				flat = false
			}
		}
		if flat && width <= flowWidth {
			n.Style = yaml.FlowStyle
		}
		return n
	case 'a':
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		width := 0
		flat := true
		for _, e := range v.vals {
			n.Content = append(n.Content, yamlNode(e))
			width += len(e.text) + 2
			if !e.scalar() {
				flat = false
			}
		}
		if flat && width <= flowWidth {
			n.Style = yaml.FlowStyle
		}
		return n
	case 's':
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.text}
	case 'n':
		tag := "!!int"
		if strings.ContainsAny(v.text, ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v.text}
	case 'b':
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: v.text}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}

// scalar reports whether v is not a collection, or an empty one.
func (v *jvalue) scalar() bool {
	return (v.kind != 'o' && v.kind != 'a') || len(v.vals) == 0
}

// writeHead writes a fixture's metadata (its steps left out) with header
// above it, and opens its list of steps.
func writeHead(w io.Writer, f *fixture.Fixture, header string) error {
	raw, err := json.Marshal(f)
	if err != nil {
		return err
	}
	v, err := parseJSON(raw)
	if err != nil {
		return err
	}
	for i, k := range v.keys {
		if k == "steps" {
			v.keys = append(v.keys[:i], v.keys[i+1:]...)
			v.vals = append(v.vals[:i], v.vals[i+1:]...)
			break
		}
	}
	root := yamlNode(v)
	if header != "" && len(root.Content) > 0 {
		root.Content[0].HeadComment = header
	}
	if err := encodeNode(w, root); err != nil {
		return err
	}
	_, err = io.WriteString(w, "steps:\n")
	return err
}

// writeStep writes one step as an item of the list writeHead opened, with
// comment above it.
func writeStep(w io.Writer, st fixture.Step, comment string) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode a recorded step: %w", err)
	}
	v, err := parseJSON(raw)
	if err != nil {
		return fmt.Errorf("encode a recorded step: %w", err)
	}
	simplifyStatus(v)
	item := yamlNode(v)
	item.HeadComment = comment
	var buf bytes.Buffer
	if err := encodeNode(&buf, &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{item}}); err != nil {
		return fmt.Errorf("encode a recorded step: %w", err)
	}
	for line := range bytes.Lines(buf.Bytes()) {
		if len(bytes.TrimSpace(line)) > 0 {
			if _, err := io.WriteString(w, "  "); err != nil {
				return err
			}
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// simplifyStatus writes an expected status of one code as the code
// (status: 201 rather than [201]).
func simplifyStatus(st *jvalue) {
	if exp := st.get("expect"); exp != nil {
		for i, k := range exp.keys {
			if k == "status" && exp.vals[i].kind == 'a' && len(exp.vals[i].vals) == 1 {
				exp.vals[i] = exp.vals[i].vals[0]
			}
		}
	}
}

func encodeNode(w io.Writer, n *yaml.Node) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}); err != nil {
		return err
	}
	return enc.Close()
}
