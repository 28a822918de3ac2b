package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness/apiclient"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/match"
	"github.com/callconform/callconform/internal/excerpt"
)

func (s *scenario) stepTimeout(st *fixture.Step) time.Duration {
	if st.Timeout > 0 {
		return time.Duration(st.Timeout)
	}
	if s.r.StepTimeout > 0 {
		return s.r.StepTimeout
	}
	return 30 * time.Second
}

// do sends req within the step's timeout; a step that runs out of time says
// so as the target's timeout, not as a bare context error.
func (s *scenario) do(ctx context.Context, st *fixture.Step, req apiclient.Request) (*apiclient.Response, error) {
	limit := s.stepTimeout(st)
	sctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	resp, err := s.r.Target.Client.Do(sctx, s.tl, req)
	if err != nil && ctx.Err() == nil && errors.Is(sctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("%w (step timeout %s)", apiclient.ErrTimeout, limit)
	}
	return resp, err
}

func (s *scenario) send(ctx context.Context, st *fixture.Step) error {
	method, rawPath := fixture.SplitSend(st.Send)
	path, err := fixture.Expand(rawPath, s.lookup)
	if err != nil {
		return err
	}
	body, err := fixture.ExpandJSON(st.Body, s.lookup)
	if err != nil {
		return err
	}
	if st.RawBody != "" {
		raw, err := fixture.Expand(st.RawBody, s.lookup)
		if err != nil {
			return err
		}
		body = []byte(raw)
	}
	header := http.Header{}
	for k, v := range st.Headers {
		ev, err := fixture.Expand(v, s.lookup)
		if err != nil {
			return err
		}
		header.Set(k, ev)
	}
	if auth, ok, err := s.authorization(ctx, st); err != nil {
		return err
	} else if ok {
		header.Set("Authorization", auth) // "" sends none
	}
	resp, err := s.do(ctx, st, apiclient.Request{Method: method, Path: path, Header: header, Body: body})
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return s.checkResponse(fmt.Sprintf("%s %s", method, path), st, resp)
}

// triggerPaths maps a trigger to its test-control endpoint.
// Every trigger but incoming-call names an existing call in its body
// ({"callId": ...}); the README's test-control section lists the bodies.
var triggerPaths = map[string]string{
	"incoming-call":       "/_control/incoming-calls",
	"participant-answer":  "/_control/participant-answer",
	"participant-decline": "/_control/participant-decline",
	"participant-hang-up": "/_control/participant-hang-up",
	"transfer-accept":     "/_control/transfer-accept",
	"transfer-reject":     "/_control/transfer-reject",
	"redirect-accept":     "/_control/redirect-accept",
	"redirect-reject":     "/_control/redirect-reject",
	"tone":                "/_control/tone",
	"meeting-join":        "/_control/meeting-join",
}

func (s *scenario) trigger(ctx context.Context, st *fixture.Step) error {
	p, ok := triggerPaths[st.Trigger]
	if !ok {
		return fmt.Errorf("unknown trigger %q", st.Trigger)
	}
	body, err := fixture.ExpandJSON(st.Body, s.lookup)
	if err != nil {
		return err
	}
	// The callback defaults to this run's: the whole point of the trigger.
	var obj map[string]any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &obj); err != nil {
			return fmt.Errorf("trigger %s: body must be an object: %w", st.Trigger, err)
		}
	}
	if obj == nil {
		obj = map[string]any{}
	}
	if _, ok := obj["callback"]; !ok && st.Trigger == "incoming-call" {
		obj["callback"] = s.run.URL()
	}
	body, _ = json.Marshal(obj)
	base := s.r.Target.ControlURL
	if base == "" {
		base = s.r.Target.BaseURL
	}
	url := strings.TrimRight(base, "/") + p
	resp, err := s.do(ctx, st, apiclient.Request{Method: http.MethodPost, Path: url, Body: body})
	if err != nil {
		return fmt.Errorf("trigger %s: %w", st.Trigger, err)
	}
	return s.checkResponse("trigger "+st.Trigger, st, resp)
}

// checkResponse judges an answer against the step's expect and takes its
// captures. Without expect.status any 2xx passes.
func (s *scenario) checkResponse(what string, st *fixture.Step, resp *apiclient.Response) error {
	var problems []string
	exp := st.Expect
	if exp == nil {
		exp = &fixture.Response{}
	}
	if len(exp.Status) > 0 {
		if !exp.Status.Contains(resp.Status) {
			problems = append(problems, fmt.Sprintf("status: want %s, got %d", statusList(exp.Status), resp.Status))
		}
	} else if resp.Status < 200 || resp.Status > 299 {
		problems = append(problems, fmt.Sprintf("status: want 2xx, got %d", resp.Status))
	}
	for _, name := range match.SortedKeys(exp.Headers) {
		m, err := s.matcher(exp.Headers[name])
		if err != nil {
			return fmt.Errorf("header %s: %w", name, err)
		}
		if r := m.Match(headerValue(resp.Header, name)); r != "" {
			problems = append(problems, fmt.Sprintf("header %s: %s", name, r))
		}
	}
	if len(exp.Body) > 0 {
		if !gjson.ValidBytes(resp.Body) {
			problems = append(problems, fmt.Sprintf("body: want JSON, got %q", excerpt.Clip(string(resp.Body), 200)))
		} else {
			for _, p := range match.SortedKeys(exp.Body) {
				path, err := fixture.Expand(p, s.lookup)
				if err != nil {
					return err
				}
				m, err := s.matcher(exp.Body[p])
				if err != nil {
					return fmt.Errorf("body %s: %w", p, err)
				}
				if r := m.Match(gjson.GetBytes(resp.Body, path)); r != "" {
					problems = append(problems, fmt.Sprintf("body %s: %s", p, r))
				}
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: the answer is not as expected:\n  %s\n  answer: %d %s", what, strings.Join(problems, "\n  "), resp.Status, excerpt.Clip(string(resp.Body), 400))
	}
	for _, name := range match.SortedKeys(st.Capture) {
		v, err := takeCapture(st.Capture[name], captureInput{resp: resp})
		if err != nil {
			return fmt.Errorf("%s: capture %q: %w", what, name, err)
		}
		s.captures[name] = v
	}
	return nil
}

func (s *scenario) matcher(raw json.RawMessage) (match.Matcher, error) {
	exp, err := fixture.ExpandJSON(raw, s.lookup)
	if err != nil {
		return nil, err
	}
	return match.Compile(exp)
}

func headerValue(h http.Header, name string) gjson.Result {
	vs := h.Values(name)
	if len(vs) == 0 {
		return gjson.Result{}
	}
	return gjson.Parse(strconv.Quote(strings.Join(vs, ", ")))
}

func statusList(s fixture.StatusSet) string {
	if len(s) == 1 {
		return strconv.Itoa(s[0])
	}
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = strconv.Itoa(c)
	}
	return "one of " + strings.Join(parts, ", ")
}

// captureInput is what a capture reads: the answer of a send or trigger
// step, or the notification item an expectation matched.
type captureInput struct {
	resp *apiclient.Response // nil for a notification
	item []byte              // the item, when resp is nil
}

// takeCapture takes capture c's value from in: from its one source, or
// from the first of its first list that gives one.
func takeCapture(c fixture.Capture, in captureInput) (string, error) {
	if len(c.First) > 0 {
		return takeFirst(c.First, in)
	}
	var v string
	switch {
	case c.Resource != "":
		return captureResource(in.item, c.Resource)
	case c.Status && in.resp != nil:
		v = strconv.Itoa(in.resp.Status)
	case c.Header != "" && in.resp != nil:
		if len(in.resp.Header.Values(c.Header)) == 0 {
			return "", fmt.Errorf("the answer has no %s header", c.Header)
		}
		v = in.resp.Header.Get(c.Header)
	case c.JSON != "":
		doc := in.item
		if in.resp != nil {
			doc = in.resp.Body
		}
		var err error
		if v, err = captureJSON(doc, c.JSON); err != nil {
			return "", err
		}
	default:
		// The loader refuses such a capture; a fixture built in code may
		// still hold one.
		return "", errors.New("the capture has no source that reads here")
	}
	return applyRegex(c.Regex, v)
}

// takeFirst takes the value of the first source in alts that gives one;
// when none does, the error says why each did not, in order.
func takeFirst(alts []fixture.Capture, in captureInput) (string, error) {
	why := make([]string, 0, len(alts))
	for i, alt := range alts {
		v, err := takeCapture(alt, in)
		if err == nil {
			return v, nil
		}
		why = append(why, fmt.Sprintf("(%d) %v", i+1, err))
	}
	return "", fmt.Errorf("first: no source gave a value: %s", strings.Join(why, "; "))
}

// captureResource takes the group of expr (or its whole match) from the
// item's resource path, whichever field carries it: resourceUrl when expr
// matches it, else resource. When both match, resourceUrl, the v1.0 name,
// wins.
func captureResource(item []byte, expr string) (string, error) {
	re, err := match.Regexp(expr)
	if err != nil {
		return "", fmt.Errorf("resource %q: %w", expr, err)
	}
	var seen []string
	for _, field := range []string{"resourceUrl", "resource"} {
		r := gjson.GetBytes(item, field)
		if r.Type != gjson.String {
			continue
		}
		if m := re.FindStringSubmatch(r.Str); m != nil {
			return m[len(m)-1], nil
		}
		seen = append(seen, fmt.Sprintf("%s %q", field, excerpt.Clip(r.Str, 200)))
	}
	if len(seen) == 0 {
		return "", fmt.Errorf("resource %q: the notification has no resourceUrl or resource string", expr)
	}
	return "", fmt.Errorf("resource %q matches no resource path of the notification: %s", expr, strings.Join(seen, ", "))
}

// captureJSON reads a gjson path; a missing path is an error, never "".
func captureJSON(doc []byte, path string) (string, error) {
	if !gjson.ValidBytes(doc) {
		return "", fmt.Errorf("json %s: the body is not JSON", path)
	}
	r := gjson.GetBytes(doc, path)
	if !r.Exists() {
		return "", fmt.Errorf("json %s: no such field in %s", path, excerpt.Clip(string(doc), 200))
	}
	if r.Type == gjson.String {
		return r.Str, nil
	}
	return r.Raw, nil
}

func applyRegex(expr, v string) (string, error) {
	if expr == "" {
		return v, nil
	}
	re, err := match.Regexp(expr)
	if err != nil {
		return "", fmt.Errorf("regex %q: %w", expr, err)
	}
	m := re.FindStringSubmatch(v)
	if m == nil {
		return "", fmt.Errorf("regex %q does not match %q", expr, excerpt.Clip(v, 200))
	}
	if len(m) > 1 {
		return m[1], nil
	}
	return m[0], nil
}
