// Package realtraffic is test data of real traffic of the Microsoft Graph
// calls API, which this project did not write: notification bodies recorded
// from the service or published with its documentation, and the documented
// answers to requests. SOURCES.md names the source of every file.
//
// The files are embedded (//go:embed testdata), so that any package's tests
// can check what it builds or parses against the shapes the real service
// sends.
package realtraffic

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed testdata
var files embed.FS

// root is the embedded folder; answers is its folder of request/answer
// pairs, every other folder below root is a source of notifications.
const (
	root    = "testdata"
	answers = "answers"
)

// ErrMalformed is wrapped by every error about a body or an answer file
// whose shape is not the one this package reads.
var ErrMalformed = errors.New("malformed")

// Sample is one notification POST body, as its source shows it.
type Sample struct {
	Source   string // folder of the source, e.g. "graph-calling-bots"; SOURCES.md names the repository
	Scenario string // one flow within the source, e.g. "p2p-outgoing"
	Name     string // file name without ".json"; its NN- prefix is the arrival order within the scenario
	Body     []byte // the whole POST body, byte for byte as stored
}

// Path returns the sample's file name under testdata, as SOURCES.md lists it.
func (s Sample) Path() string {
	return s.Source + "/" + s.Scenario + "/" + s.Name + ".json"
}

// Items returns the notifications of the body's "value" array, in order.
// A body that is not a JSON object with a "value" array gives an error
// wrapping ErrMalformed.
func (s Sample) Items() ([]json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(s.Body, &top); err != nil {
		return nil, fmt.Errorf("read items of %s: %w: %v", s.Path(), ErrMalformed, err)
	}
	raw, ok := top["value"]
	if !ok {
		return nil, fmt.Errorf("read items of %s: %w: no \"value\"", s.Path(), ErrMalformed)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, fmt.Errorf("read items of %s: %w: \"value\" is not an array", s.Path(), ErrMalformed)
	}
	return items, nil
}

// Notifications returns every sample, sorted by source, scenario and name:
// within a scenario, in arrival order. Each call returns fresh copies.
func Notifications() []Sample {
	var out []Sample
	for _, p := range jsonFiles() {
		parts := strings.Split(strings.TrimPrefix(p, root+"/"), "/")
		if len(parts) != 3 || parts[0] == answers {
			continue
		}
		out = append(out, Sample{
			Source:   parts[0],
			Scenario: parts[1],
			Name:     strings.TrimSuffix(parts[2], ".json"),
			Body:     mustRead(p),
		})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.Scenario != b.Scenario {
			return a.Scenario < b.Scenario
		}
		return a.Name < b.Name
	})
	return out
}

// Scenario returns the samples of one scenario of one source, in arrival
// order; none if there is no such scenario.
func Scenario(source, scenario string) []Sample {
	var out []Sample
	for _, s := range Notifications() {
		if s.Source == source && s.Scenario == scenario {
			out = append(out, s)
		}
	}
	return out
}

// Answer is a documented request and the service's answer to it.
type Answer struct {
	Source   string // folder of the source under testdata/answers
	Name     string // file name without ".json", e.g. "create-call"
	Request  Request
	Response Response
}

// Request is the request of an Answer.
type Request struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`               // as the source writes it: absolute, or a path; may hold "{id}"
	Headers map[string]string `json:"headers,omitempty"` // nil when the source shows none
	Body    json.RawMessage   `json:"body,omitempty"`    // nil when the request has no body
}

// Response is the answer of an Answer.
type Response struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"` // nil when the source shows none
	Body    json.RawMessage   `json:"body,omitempty"`    // nil when the answer has no body
}

// Answers returns every documented request/answer pair, sorted by source
// and name. An error (wrapping ErrMalformed) names a file that does not
// read as an answer.
func Answers() ([]Answer, error) {
	var out []Answer
	for _, p := range jsonFiles() {
		parts := strings.Split(strings.TrimPrefix(p, root+"/"), "/")
		if len(parts) != 3 || parts[0] != answers {
			continue
		}
		a, err := parseAnswer(mustRead(p))
		if err != nil {
			return nil, fmt.Errorf("read answer %s: %w", strings.TrimPrefix(p, root+"/"), err)
		}
		a.Source, a.Name = parts[1], strings.TrimSuffix(parts[2], ".json")
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// parseAnswer reads one answer file: an object with exactly "request" and
// "response", a method, a URL and a status from 100 to 599.
func parseAnswer(data []byte) (Answer, error) {
	var file struct {
		Request  *Request  `json:"request"`
		Response *Response `json:"response"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return Answer{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return Answer{}, fmt.Errorf("%w: data after the answer object", ErrMalformed)
	}
	switch {
	case file.Request == nil:
		return Answer{}, fmt.Errorf("%w: no request", ErrMalformed)
	case file.Response == nil:
		return Answer{}, fmt.Errorf("%w: no response", ErrMalformed)
	case file.Request.Method == "" || file.Request.URL == "":
		return Answer{}, fmt.Errorf("%w: request without method or url", ErrMalformed)
	case file.Response.Status < 100 || file.Response.Status > 599:
		return Answer{}, fmt.Errorf("%w: status %d is not an HTTP status", ErrMalformed, file.Response.Status)
	}
	return Answer{Request: *file.Request, Response: *file.Response}, nil
}

// jsonFiles lists the embedded .json files, in lexical order.
func jsonFiles() []string {
	var out []string
	err := fs.WalkDir(files, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && path.Ext(p) == ".json" {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		// The tree is compiled into the binary: walking it cannot fail.
		panic("realtraffic: walk embedded testdata: " + err.Error())
	}
	return out
}

// mustRead reads an embedded file that jsonFiles listed.
func mustRead(p string) []byte {
	b, err := files.ReadFile(p)
	if err != nil {
		// p comes from walking the same embedded tree.
		panic("realtraffic: read embedded " + p + ": " + err.Error())
	}
	return b
}
