package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// buildFixture builds the fixture of what was recorded so far, with the comments
// (by step index) that go with it. The Recorder keeps recording.
func (r *Recorder) buildFixture(meta Meta) (*fixture.Fixture, string, map[int]string, error) {
	xs := r.journal.snapshot()
	appID, tenantID := r.identity()
	// The first pass finds which minted ids are used again; the second
	// captures only those, so that variables are numbered without gaps.
	first := newBuilder(newRedactor(r.rules), r.upstream.Path, appID, tenantID, nil)
	first.build(xs)
	b := newBuilder(newRedactor(r.rules), r.upstream.Path, appID, tenantID, first.used)
	b.build(xs)
	if b.requests == 0 {
		return nil, "", nil, ErrNothingRecorded
	}
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
		secret.RedactURL(r.upstream.String()), time.Now().UTC().Format(time.DateOnly), b.requests, b.notes)
	if b.skipped > 0 {
		summary += fmt.Sprintf(" (%d not JSON, left out)", b.skipped)
	}
	if meta.Description == "" {
		meta.Description = strings.ToUpper(summary[:1]) + summary[1:] + "."
	}
	f := &fixture.Fixture{
		ID: meta.ID, Title: meta.Title, Description: meta.Description, Labels: meta.Labels,
		Redaction: &fixture.Redaction{Rules: rulesOf(r.rules), Note: redactionNote},
		Steps:     b.steps,
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
		"Each await block holds the notifications that arrived after the request before it.\n" +
		"Order: an `after` is required (notifications on one resource, in the order observed;\n" +
		"an operation's completion before its effects); any other order was observed, not required."
	return f, header, b.comments, nil
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
	f, header, comments, err := r.buildFixture(meta)
	if err != nil {
		return nil, err
	}
	data, err := encodeYAML(f, header, comments)
	if err != nil {
		return nil, fmt.Errorf("encode the recorded fixture: %w", err)
	}
	if _, err := fixture.Parse(f.ID+".yaml", data); err != nil {
		return data, fmt.Errorf("the recorded fixture does not load: %w", err)
	}
	return data, nil
}

// WriteFile writes the fixture of what was recorded so far to path,
// atomically (a temporary file in the same folder, synced, then renamed)
// with mode 0600. A fixture that does not load is still written, so that
// nothing recorded is lost, and the error says why.
func (r *Recorder) WriteFile(path string, meta Meta) error {
	data, err := r.Encode(meta)
	if data == nil {
		return err
	}
	if werr := WriteAtomic(path, data, 0o600); werr != nil {
		return werr
	}
	if err == nil {
		if _, lerr := fixture.Load(path); lerr != nil {
			err = fmt.Errorf("the recorded fixture does not load: %w", lerr)
		}
	}
	return err
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
