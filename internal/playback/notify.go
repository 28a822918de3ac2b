package playback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/judge"
	"github.com/callconform/callconform/harness/match"
	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/excerpt"
	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/internal/secret"
)

// post is one notification POST waiting in a scenario's queue.
type post struct {
	step       int    // index of the step it belongs to
	name       string // the expectation it plays
	changeType string
	resource   string
	url        string
	body       []byte
	delay      time.Duration   // recorded pause before it; 0 = DefaultGap
	trigger    bool            // it places a call to the bot's webhook: retried until the bot answers (Config.BotWait)
	ready      <-chan struct{} // closed once the answer it follows was written
}

// triggerCall is the call a trigger placed: its created notification is
// the first `created` expectation of the block that follows the trigger.
type triggerCall struct {
	id   string
	data map[string]any // resourceData of the created notification
	used bool
}

// playTrigger places an incoming call to the bot's webhook: the await block
// that follows (when one does) is POSTed to the webhook, its first created
// notification announcing the new call; otherwise a created notification of
// the call alone. It returns how many steps it played.
func (s *scenario) playTrigger(i int, ready <-chan struct{}) (int, error) {
	st := &s.f.Steps[i]
	if st.Trigger != "incoming-call" {
		return s.playCallEvent(i)
	}
	if s.m.cfg.BotWebhook == "" {
		return 0, ErrNoBotWebhook
	}
	tc := &triggerCall{id: guid.NewString(), data: map[string]any{}}
	data, err := s.triggerBody(st)
	if err != nil {
		return 0, err
	}
	if data != nil {
		tc.data = data
	}
	delete(tc.data, "callback")
	tc.data["@odata.type"] = "#microsoft.graph.call"
	tc.data["state"] = "incoming"
	tc.data["direction"] = "incoming"
	resource := "/app/calls/" + tc.id
	// What the test-control API answers, for the trigger's own captures.
	ctl := answer{status: http.StatusCreated, header: http.Header{"Location": {strings.TrimSuffix(s.m.lastBase, "/") + resource}}}
	ctl.body, _ = jsonMarshal(map[string]any{"id": tc.id, "resource": resource})
	for _, n := range match.SortedKeys(st.Capture) {
		v, err := captureAnswer(st.Capture[n], ctl)
		if err != nil {
			return 0, fmt.Errorf("capture %q: %w", n, err)
		}
		s.vars[n] = v
	}
	s.steps[i].played = true
	s.callPath = resource
	if i+1 < len(s.f.Steps) && s.f.Steps[i+1].Await != nil {
		if err := s.playAwait(i+1, tc, ready); err != nil {
			s.fail(i+1, err)
			return 1, nil
		}
		return 2, nil
	}
	item, err := jsonMarshal(map[string]any{"changeType": "created", "resource": resource, "resourceData": tc.data})
	if err != nil {
		return 0, err
	}
	p := s.newPost(i, "incoming call", item, s.m.cfg.BotWebhook, ready)
	p.trigger = true
	s.enqueue(p)
	return 1, nil
}

// playAwait synthesizes await block i and queues its notifications in the
// block's order. tc is the call a trigger just placed, or nil. An
// expectation with an exemplar is served as recorded (exemplarItem).
func (s *scenario) playAwait(i int, tc *triggerCall, ready <-chan struct{}) error {
	a := s.f.Steps[i].Await
	type built struct {
		name  string
		raw   []byte
		delay time.Duration
	}
	var items []built
	for _, k := range sendOrder(a) {
		e := &a.Expect[k]
		for range max(e.Count, 1) {
			raw, err := s.itemOf(e, tc)
			if err != nil {
				return fmt.Errorf("expectation %q: %w", e.Name, err)
			}
			items = append(items, built{e.Name, raw, time.Duration(e.Delay)})
		}
	}
	var raws [][]byte
	var posts []*post
	for _, b := range items {
		dest := s.m.cfg.BotWebhook
		if tc == nil {
			dest = s.callbackFor(itemResource(b.raw))
		}
		if dest == "" {
			return fmt.Errorf("expectation %q: the bot gave no callback URL to post it to", b.name)
		}
		p := s.newPost(i, b.name, b.raw, dest, ready)
		p.delay = b.delay
		p.trigger = tc != nil
		posts = append(posts, p)
		raws = append(raws, b.raw)
	}
	if note := s.checkBlock(a, raws); note != "" {
		s.steps[i].notes = append(s.steps[i].notes, note)
		s.m.logf("%s step %d: note: %s", s.f.ID, i+1, note)
	}
	s.steps[i].played = true
	s.enqueue(posts...)
	return nil
}

// itemOf returns one notification item of e: its exemplar, or one built
// from its conditions.
func (s *scenario) itemOf(e *fixture.Expectation, tc *triggerCall) ([]byte, error) {
	if len(e.Exemplar) > 0 {
		raw, err := s.exemplarItem(e)
		if err == nil && tc != nil && !tc.used && gjson.GetBytes(raw, "changeType").Str == "created" {
			tc.used = true
		}
		return raw, err
	}
	item, err := s.buildItem(e, tc)
	if err != nil {
		return nil, err
	}
	return jsonMarshal(item)
}

// itemResource returns the resource path of an item: resourceUrl, else
// resource.
func itemResource(item []byte) string {
	if r := gjson.GetBytes(item, "resourceUrl"); r.Type == gjson.String && r.Str != "" {
		return r.Str
	}
	return gjson.GetBytes(item, "resource").Str
}

// callbackFor returns where a notification on resource goes: the callback
// the bot gave for that call, else the last one it gave, else its webhook.
func (s *scenario) callbackFor(resource string) string {
	if id := callIDIn(resource); id != "" {
		if cb, ok := s.callbacks[guid.Normalize(id)]; ok {
			return cb
		}
	}
	if s.lastCallback != "" {
		return s.lastCallback
	}
	return s.m.cfg.BotWebhook
}

// newPost makes the POST of one notification item: a commsNotifications
// body whose value holds the item as it is.
func (s *scenario) newPost(step int, name string, item []byte, dest string, ready <-chan struct{}) *post {
	body := make([]byte, 0, len(item)+64)
	body = append(body, `{"@odata.type":"#microsoft.graph.commsNotifications","value":[`...)
	body = append(body, item...)
	body = append(body, "]}"...)
	return &post{step: step, name: name, changeType: gjson.GetBytes(item, "changeType").Str, resource: itemResource(item), url: dest, body: body, ready: ready}
}

// buildItem makes one notification item that expectation e matches: its
// change type, a resource its matcher accepts (with the bot's ids), and a
// field for each where-condition. Each capture gets a fresh id (or the
// trigger's call id), written where the capture reads it, and is taken.
func (s *scenario) buildItem(e *fixture.Expectation, tc *triggerCall) (map[string]any, error) {
	announces := tc != nil && !tc.used && e.ChangeType == "created"
	fills := newFills(e.Capture, func(n string) string {
		switch v, ok := s.vars[n]; {
		case ok:
			return v
		case announces:
			return tc.id
		}
		return guid.NewString()
	})
	resource, err := s.itemResource(e, fills, tc, announces)
	if err != nil {
		return nil, err
	}
	var doc any = map[string]any{"changeType": orDefault(e.ChangeType, "updated"), "resource": resource}
	if announces {
		doc.(map[string]any)["resourceData"] = maps.Clone(tc.data)
		tc.used = true
	}
	if doc, err = s.fillWhere(doc, e.Where, fills); err != nil {
		return nil, err
	}
	item, ok := doc.(map[string]any)
	if !ok {
		return nil, errors.New("a where-condition replaced the whole item")
	}
	if _, ok := item["resourceData"]; !ok {
		item["resourceData"] = map[string]any{}
	}
	if err := s.takeItemCaptures(item, fills); err != nil {
		return nil, err
	}
	return item, nil
}

// itemResource returns the resource of an item of e: one its matcher
// accepts, with the id a capture of it takes; without a matcher, the call
// the bot named last (or the trigger's call, or a fresh one).
func (s *scenario) itemResource(e *fixture.Expectation, fills captureFills, tc *triggerCall, announces bool) (string, error) {
	resFill := orDefault(fills.forJSON("resource"), fills.forJSON("resourceUrl"))
	if resFill == "" && announces {
		resFill = tc.id
	}
	if len(e.Resource) == 0 {
		return orDefault(s.callPath, "/app/calls/"+orDefault(resFill, guid.NewString())), nil
	}
	raw, err := fixture.ExpandJSON(e.Resource, s.lookup)
	if err != nil {
		return "", err
	}
	resource, err := s.sampleResource(raw, resFill)
	if err != nil {
		return "", fmt.Errorf("resource: %w", err)
	}
	return resource, nil
}

// fillWhere sets in doc a value for each where-condition, in the order
// orderedPaths gives, and returns the new document.
func (s *scenario) fillWhere(doc any, where map[string]json.RawMessage, fills captureFills) (any, error) {
	for _, p := range orderedPaths(where) {
		path, err := fixture.Expand(p, s.lookup)
		if err != nil {
			return nil, fmt.Errorf("where %s: %w", p, err)
		}
		raw, err := fixture.ExpandJSON(where[p], s.lookup)
		if err != nil {
			return nil, fmt.Errorf("where %s: %w", p, err)
		}
		if doc, err = fillField(doc, path, raw, fills.forJSON(path)); err != nil {
			return nil, fmt.Errorf("where %s: %w", p, err)
		}
	}
	return doc, nil
}

// takeItemCaptures writes each capture's fill where the capture reads it,
// unless a where-condition already put a value there, and takes the
// capture from the item as the harness will.
func (s *scenario) takeItemCaptures(item map[string]any, fills captureFills) error {
	for _, n := range fills.names {
		c := fills.caps[n]
		if !exists(item, c.JSON) {
			v, err := captureValue(c, fills.value[n])
			if err != nil {
				return fmt.Errorf("capture %q: %w", n, err)
			}
			if _, err := setPath(item, c.JSON, v); err != nil {
				return fmt.Errorf("capture %q: %w", n, err)
			}
		}
		b, _ := jsonMarshal(item)
		v, err := applyRegex(c.Regex, gjson.GetBytes(b, c.JSON).String())
		if err != nil {
			return fmt.Errorf("capture %q: %w", n, err)
		}
		s.vars[n] = v
	}
	return nil
}

// sampleResource returns a resource matcher raw accepts. A pattern such as
// "~/participants$" is put under the call the bot named last when it still
// matches there.
func (s *scenario) sampleResource(raw json.RawMessage, fill string) (string, error) {
	v, err := sampleValue(raw, fill)
	if err != nil {
		return "", err
	}
	res, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("want a string resource, the matcher gives %s", showValue(v))
	}
	if s.callPath != "" && !strings.Contains(res, "/calls/") && strings.HasPrefix(res, "/") {
		if m, err := match.CompileResource(raw); err == nil && m.Match(gjson.Parse(strconv.Quote(s.callPath+res))) == "" {
			return s.callPath + res, nil
		}
	}
	return res, nil
}

// sendOrder returns the indices of a block's expectations in an order that
// satisfies their after edges, as listed otherwise.
func sendOrder(a *fixture.Await) []int {
	n := len(a.Expect)
	out := make([]int, 0, n)
	if a.Order == "listed" || a.Order == "any" {
		for k := range n {
			out = append(out, k)
		}
		return out
	}
	local := map[string]int{}
	for k, e := range a.Expect {
		local[e.Name] = k
	}
	done := make([]bool, n)
	for len(out) < n {
		picked := -1
		for k := 0; k < n && picked < 0; k++ {
			if done[k] {
				continue
			}
			ready := true
			for _, name := range a.Expect[k].After {
				if p, ok := local[name]; ok && !done[p] {
					ready = false
				}
			}
			if ready {
				picked = k
			}
		}
		if picked < 0 { // a cycle, refused by the loader; keep the listed order
			for k := range n {
				if !done[k] {
					picked = k
					break
				}
			}
		}
		done[picked] = true
		out = append(out, picked)
	}
	return out
}

// checkBlock judges the synthesized items with the harness's own judge and
// returns what they miss, or "".
func (s *scenario) checkBlock(a *fixture.Await, items [][]byte) string {
	b, err := harness.CompileBlock(a, s.lookup)
	if err != nil {
		return fmt.Sprintf("the block cannot be judged: %v", err)
	}
	j := judge.New(b, nil)
	for k, it := range items {
		j.Offer(timeline.Notification{Index: k, Item: it})
	}
	if v := j.Verdict(false); !v.OK {
		return "the synthesized notifications miss the block's own expectations:\n" + v.String()
	}
	return ""
}

// deliver POSTs p after its answer was written and the pace gap, with a
// signed bearer token, and returns how the bot answered. A refused
// connection (the bot not listening yet) is tried again a few times; an
// answer, whatever its status, is not.
func (m *Player) deliver(p *post) Delivery {
	d := Delivery{Expectation: p.name, ChangeType: p.changeType, Resource: p.resource, URL: secret.RedactURL(p.url)}
	select {
	case <-p.ready:
	case <-m.ctx.Done():
		d.Error = "not posted: the mock stopped first"
		return d
	}
	if !m.sleep(pauseBefore(p, m.cfg.Speed)) {
		d.Error = "not posted: the mock stopped first"
		return d
	}
	tok, err := m.sign.Token(m.appID)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	if p.trigger {
		return m.deliverTrigger(p, tok, d)
	}
	backoff := 100 * time.Millisecond
	for d.Attempts = 1; ; d.Attempts++ {
		d.At = time.Now()
		status, err := m.postOnce(p, tok)
		if err == nil {
			d.Status = status
			return d
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" && d.Attempts < 5 && m.sleep(backoff) {
			backoff *= 2
			continue
		}
		d.Error = err.Error()
		return d
	}
}

// deliverTrigger POSTs a trigger's notification to the bot's webhook until
// the bot answers 2xx or Config.BotWait passes, pausing Config.Backoff
// between attempts; the error then names the webhook and the last failure.
func (m *Player) deliverTrigger(p *post, tok string, d Delivery) Delivery {
	deadline := time.Now().Add(m.cfg.BotWait)
	for d.Attempts = 1; ; d.Attempts++ {
		d.At = time.Now()
		status, err := m.postOnce(p, tok)
		if err == nil && status >= 200 && status < 300 {
			d.Status, d.Error = status, ""
			return d
		}
		last := fmt.Sprintf("answered %d", status)
		if err != nil {
			last = err.Error()
		}
		d.Status = status
		pause := m.cfg.Backoff(d.Attempts)
		if m.cfg.BotWait < 0 || time.Now().Add(pause).After(deadline) {
			d.Error = fmt.Sprintf("the bot's webhook %s did not answer 2xx within %s (%s); the last %s", d.URL, max(m.cfg.BotWait, 0), plural(d.Attempts, "attempt", "attempts"), last)
			return d
		}
		if !m.sleep(pause) {
			d.Error = fmt.Sprintf("the mock stopped while waiting for the bot's webhook %s; the last attempt %s", d.URL, last)
			return d
		}
	}
}

// postOnce sends p once within the notify timeout.
func (m *Player) postOnce(p *post, tok string) (int, error) {
	ctx, cancel := context.WithTimeout(m.ctx, m.cfg.NotifyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(p.body))
	if err != nil {
		return 0, fmt.Errorf("bad callback url: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "callconform-mock")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := m.client.Do(req)
	if err != nil {
		switch {
		case m.ctx.Err() != nil:
			return 0, errors.New("no answer before the mock stopped")
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			return 0, fmt.Errorf("no answer within %s", m.cfg.NotifyTimeout)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL
		}
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// pauseBefore is the wait before p: its recorded delay (DefaultGap when the
// fixture recorded none) scaled by speed.
func pauseBefore(p *post, speed float64) time.Duration {
	gap := p.delay
	if gap == 0 {
		gap = DefaultGap
	}
	return time.Duration(float64(gap) * speed)
}

// sleep waits d, or returns false as soon as the mock closes.
func (m *Player) sleep(d time.Duration) bool {
	if d <= 0 {
		return m.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-m.ctx.Done():
		return false
	}
}

// redactBody returns a request body for a report: tokens scrubbed, long
// bodies clipped.
func redactBody(b []byte) string {
	return excerpt.Clip(timeline.RedactString(string(b)), maxExcerpt)
}
