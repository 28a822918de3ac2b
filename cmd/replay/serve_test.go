package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness/receiver"
	"github.com/callconform/callconform/internal/guid"
)

const (
	botAppID   = "5e0b1a2c-3d4e-4f50-8a61-7b72c8d9e0f1"
	inviteeID  = "11111111-2222-4333-8444-555555555555" // not the fixture's default: the mock must take it
	waitBound  = 15 * time.Second
	groupCall  = "../../fixtures/invite/invite-group-call.yaml"
	joinCall   = "../../fixtures/calls/join-channel-meeting-without-media.yaml"
	answerCall = "../../fixtures/calls/answer-incoming-voip-call.yaml"
)

// serveSession is `replay serve` running in-process.
type serveSession struct {
	out, errOut *watchedOutput
	cancel      context.CancelFunc
	exited      chan struct{}
	code        int
	url         string
}

// startServe runs `replay serve --listen 127.0.0.1:0 args...` and returns
// once it serves.
func startServe(t *testing.T, args ...string) *serveSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	s := &serveSession{out: newWatchedOutput(), errOut: newWatchedOutput(), cancel: cancel, exited: make(chan struct{})}
	go func() {
		defer close(s.exited)
		s.code = run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0", "--app-id", botAppID}, args...), s.out, s.errOut)
	}()
	t.Cleanup(func() {
		cancel()
		<-s.exited
	})
	s.url = s.waitFor(t, regexp.MustCompile(`for a bot at (http://\S+)\n`))[1]
	return s
}

// waitFor returns the first match of re in the output, waiting at most
// waitBound; it fails the test if serve exits first.
func (s *serveSession) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	bound := time.NewTimer(waitBound)
	defer bound.Stop()
	for {
		s.out.mu.Lock()
		m := re.FindStringSubmatch(s.out.buf.String())
		changed := s.out.changed
		s.out.mu.Unlock()
		if m != nil {
			return m
		}
		select {
		case <-changed:
		case <-s.exited:
			if m := re.FindStringSubmatch(s.out.String()); m != nil {
				return m
			}
			t.Fatalf("serve exited (%d) before printing %q:\n%s\n%s", s.code, re, s.out, s.errOut)
		case <-bound.C:
			t.Fatalf("serve did not print %q within %s:\n%s", re, waitBound, s.out)
		}
	}
}

// wait returns serve's exit code once it exits by itself.
func (s *serveSession) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-s.exited:
		return s.code
	case <-time.After(waitBound):
		t.Fatalf("serve did not exit within %s:\n%s", waitBound, s.out)
	}
	return -1
}

// stop interrupts serve (as Ctrl-C does) and returns its exit code.
func (s *serveSession) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	return s.wait(t)
}

// arrival is one notification item the bot received, and where.
type arrival struct {
	path string
	item gjson.Result
}

// sampleBot is a calling bot: it verifies each notification's token with
// the mock's keys, and answers notifications with status (or never, when
// hang is set).
type sampleBot struct {
	t        *testing.T
	srv      *httptest.Server
	mock     string
	status   int
	hang     bool
	inbox    chan arrival
	ready    chan struct{} // closed once the bot knows the mock
	stop     chan struct{}
	verifier *receiver.Verifier
	authErrs atomic.Int32
}

func newSampleBot(t *testing.T, status int, hang bool) *sampleBot {
	b := &sampleBot{t: t, status: status, hang: hang, inbox: make(chan arrival, 64), ready: make(chan struct{}), stop: make(chan struct{})}
	b.srv = httptest.NewServer(http.HandlerFunc(b.notified))
	t.Cleanup(func() {
		close(b.stop)
		b.srv.Close()
	})
	return b
}

// knows tells the bot where the mock is, for its requests and its keys.
func (b *sampleBot) knows(mockURL string) {
	b.mock = mockURL
	b.verifier = &receiver.Verifier{OpenIDConfigURL: mockURL + "/.well-known/openid-configuration", Audience: botAppID}
	close(b.ready)
}

func (b *sampleBot) notified(w http.ResponseWriter, r *http.Request) {
	select {
	case <-b.ready:
	case <-r.Context().Done():
		return
	}
	body, _ := io.ReadAll(r.Body)
	if err := b.verifier.Verify(r.Context(), r.Header.Get("Authorization")); err != nil {
		b.authErrs.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	for _, it := range gjson.GetBytes(body, "value").Array() {
		select {
		case b.inbox <- arrival{r.URL.Path, it}:
		default:
			b.t.Errorf("bot inbox full")
		}
	}
	if b.hang {
		select {
		case <-r.Context().Done():
		case <-b.stop:
		}
		return
	}
	w.WriteHeader(b.status)
}

// await returns the first notification that satisfies pred, skipping
// others, within waitBound.
func (b *sampleBot) await(what string, pred func(gjson.Result) bool) arrival {
	b.t.Helper()
	bound := time.NewTimer(waitBound)
	defer bound.Stop()
	for {
		select {
		case a := <-b.inbox:
			if pred(a.item) {
				return a
			}
		case <-bound.C:
			b.t.Fatalf("bot: no %s notification within %s", what, waitBound)
		}
	}
}

func on(resource, changeType string, conds map[string]string) func(gjson.Result) bool {
	return func(it gjson.Result) bool {
		if it.Get("changeType").Str != changeType || guid.Normalize(it.Get("resource").Str) != guid.Normalize(resource) {
			return false
		}
		for path, want := range conds {
			if it.Get(path).String() != want {
				return false
			}
		}
		return true
	}
}

// call sends a request to the mock and returns its answer.
func (b *sampleBot) call(method, path string, body any) (*http.Response, []byte) {
	b.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, b.mock+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer bot-access-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatalf("bot: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return resp, got
}

// joinMeeting joins a channel meeting without media and waits until the
// call is established; it returns the call id.
func (b *sampleBot) joinMeeting() string {
	b.t.Helper()
	resp, body := b.call("POST", "/app/calls", map[string]any{
		"subject":  "Test Call",
		"callback": b.srv.URL + "/callback",
		"source": map[string]any{"@odata.type": "#microsoft.graph.participantInfo",
			"identity": map[string]any{"application": map[string]any{"id": botAppID}}},
		"targetDisposition":   "default",
		"requestedModalities": []string{},
		"chatInfo":            map[string]any{"threadId": "19:meeting_abc@thread.v2", "messageId": "1507228578052", "replyChainMessageId": "1507228578052"},
		"meetingInfo": map[string]any{"@odata.type": "#microsoft.graph.organizerMeetingInfo",
			"organizer": map[string]any{"user": map[string]any{"id": "aaaaaaaa-0000-4000-8000-000000000001", "tenantId": "bbbbbbbb-0000-4000-8000-000000000002"}}},
	})
	if resp.StatusCode != http.StatusCreated {
		b.t.Fatalf("bot: join answered %d %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	callID := loc[strings.LastIndex(loc, "/")+1:]
	call := "/app/calls/" + callID
	b.await("establishing", on(call, "updated", map[string]string{"resourceData.state": "establishing"}))
	b.await("established", on(call, "updated", map[string]string{"resourceData.state": "established"}))
	return callID
}

// invite invites the participant into the call and, when the mock accepts
// it, waits for the operation to complete and the roster to list them. It
// returns the invite's status.
func (b *sampleBot) invite(callID, languageID string) int {
	b.t.Helper()
	resp, body := b.call("POST", "/app/calls/"+callID+"/participants/invite", map[string]any{
		"participants": []any{map[string]any{
			"endpointType": "default",
			"identity":     map[string]any{"user": map[string]any{"id": inviteeID, "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "displayName": "Heidi Steen"}},
			"languageId":   languageID,
			"region":       "westus",
		}},
	})
	if resp.StatusCode != 200 && resp.StatusCode != 202 {
		b.t.Logf("bot: invite answered %d %s", resp.StatusCode, body)
		return resp.StatusCode
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, b.mock+"/app/calls/"+callID+"/operations/") {
		b.t.Fatalf("bot: invite Location %q does not name an operation of the call", loc)
	}
	op := loc[strings.LastIndex(loc, "/")+1:]
	b.await("operation completed", on("/app/calls/"+callID+"/operations/"+op, "deleted", map[string]string{"resourceData.status": "completed"}))
	b.await("roster", on("/app/calls/"+callID+"/participants", "updated", map[string]string{
		`resourceData.#(info.identity.user.id=="` + inviteeID + `").info.identity.user.id`: inviteeID,
	}))
	return resp.StatusCode
}

func TestServeBotFollowsScenario(t *testing.T) {
	bot := newSampleBot(t, http.StatusAccepted, false)
	s := startServe(t, joinCall, groupCall)
	bot.knows(s.url)
	call := bot.joinMeeting()
	bot.invite(call, "en-US")
	if code := s.wait(t); code != 0 {
		t.Fatalf("exit %d, want 0:\n%s\n%s", code, s.out, s.errOut)
	}
	out := s.out.String()
	for _, want := range []string{
		"serving 1 scenario(s) for a bot at",
		"scenarios       invite-group-call\n",
		"stopping: every step is done",
		"step 3 POST /app/calls/{{meetingCallId}}/participants/invite (invite, ../../fixtures/invite/invite-group-call.yaml:16): DONE, answered 200",
		"notification roster (updated /app/calls/" + call + "/participants) → " + bot.srv.URL + "/callback: bot answered 202 [ok]",
		"result: the bot followed every scenario",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := bot.authErrs.Load(); n != 0 {
		t.Errorf("%d notification tokens did not verify against the mock's OpenID configuration", n)
	}
}

func TestServeReportsWhatTheBotGotWrong(t *testing.T) {
	tests := []struct {
		name   string
		status int
		hang   bool
		args   []string
		bot    func(t *testing.T, b *sampleBot, s *serveSession)
		want   []string
		absent []string
	}{
		{
			name: "skips the invite", status: 202,
			bot: func(t *testing.T, b *sampleBot, s *serveSession) {
				b.joinMeeting()
				s.waitFor(t, regexp.MustCompile(`notification meetingEstablished → \S+: bot answered 202`))
				if code := s.stop(t); code != 1 {
					t.Errorf("exit %d, want 1", code)
				}
			},
			want: []string{
				"stopping: interrupted",
				"step 3 POST /app/calls/{{meetingCallId}}/participants/invite (invite, ../../fixtures/invite/invite-group-call.yaml:16): NEVER MADE",
				"step 4 await opDone, roster (the operation completes, then the roster shows the invitee, ../../fixtures/invite/invite-group-call.yaml:29): NOT REACHED",
				"result: the bot did not follow the scenario: 1 step never made\n",
			},
			absent: []string{"matched no step", "NOT OK"},
		},
		{
			name: "sends a wrong body", status: 202,
			bot: func(t *testing.T, b *sampleBot, s *serveSession) {
				call := b.joinMeeting()
				if got := b.invite(call, "fr-FR"); got != http.StatusBadRequest {
					t.Errorf("a wrong invite answered %d, want 400", got)
				}
				s.waitFor(t, regexp.MustCompile(`notification meetingEstablished → \S+: bot answered 202`))
				if code := s.stop(t); code != 1 {
					t.Errorf("exit %d, want 1", code)
				}
			},
			want: []string{
				"bot requests that matched no step:\n  POST /app/calls/",
				"    closest: invite-group-call step 3 (invite, ../../fixtures/invite/invite-group-call.yaml:16): POST /app/calls/{{meetingCallId}}/participants/invite\n    (-want +got)\n" +
					"    - body.participants.0.languageId: \"en-US\"\n    + body.participants.0.languageId: \"fr-FR\"\n",
				"NEVER MADE",
				"result: the bot did not follow the scenario: 1 step never made, 1 request matched no step\n",
			},
		},
		{
			name: "answers notifications 500", status: 500,
			bot: func(t *testing.T, b *sampleBot, s *serveSession) {
				b.invite(b.joinMeeting(), "en-US")
				if code := s.wait(t); code != 1 {
					t.Errorf("exit %d, want 1", code)
				}
			},
			want: []string{
				"stopping: every step is done",
				"notification meetingEstablishing (updated /app/calls/",
				"bot answered 500 [NOT OK]",
				"result: the bot did not follow the scenario: 4 notifications not answered 2xx\n",
			},
			absent: []string{"NEVER MADE", "answered 202"},
		},
		{
			name: "never answers a notification", hang: true, args: []string{"--notify-timeout", "300ms"},
			bot: func(t *testing.T, b *sampleBot, s *serveSession) {
				b.invite(b.joinMeeting(), "en-US")
				if code := s.wait(t); code != 1 {
					t.Errorf("exit %d, want 1", code)
				}
			},
			want: []string{
				"notification opDone (deleted /app/calls/",
				": no answer within 300ms [NOT OK]",
				"result: the bot did not follow the scenario: 4 notifications not answered 2xx\n",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bot := newSampleBot(t, tt.status, tt.hang)
			s := startServe(t, append(tt.args, joinCall, groupCall)...)
			bot.knows(s.url)
			tt.bot(t, bot, s)
			out := s.out.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(out, a) {
					t.Errorf("output has %q:\n%s", a, out)
				}
			}
			if !strings.Contains(s.errOut.String(), "replay: serve: the bot did not follow the scenario") {
				t.Errorf("stderr: %q", s.errOut)
			}
		})
	}
}

func TestServeIncomingCallGoesToTheWebhook(t *testing.T) {
	bot := newSampleBot(t, http.StatusOK, false)
	s := startServe(t, "--bot-webhook", bot.srv.URL+"/webhook", "--speed", "0", answerCall)
	bot.knows(s.url)
	in := bot.await("incoming call", func(it gjson.Result) bool {
		return it.Get("changeType").Str == "created" && it.Get("resourceData.state").Str == "incoming"
	})
	if in.path != "/webhook" || in.item.Get("resourceData.source.identity.user.displayName").Str != "Test User" {
		t.Fatalf("incoming call at %s: %s", in.path, in.item.Raw)
	}
	call := in.item.Get("resource").Str
	resp, body := bot.call("POST", call+"/answer", map[string]any{
		"callback":         bot.srv.URL + "/calls-callback",
		"acceptModalities": []string{"audio", "video"},
		"mediaConfig": map[string]any{
			"@odata.type": "#microsoft.graph.serviceHostedMediaConfig",
			"preFetchMedia": []any{
				map[string]any{"url": "https://cdn.contoso.com/beep.wav", "resourceId": "1D6DE2D4-CD51-4309-8DAA-70768651088E"},
				map[string]any{"url": "https://cdn.contoso.com/cool.wav", "resourceId": "1D6DE2D4-CD51-4309-8DAA-70768651088F"},
			},
		},
	})
	if resp.StatusCode != 200 || gjson.GetBytes(body, "status").Str != "running" || gjson.GetBytes(body, "id").Str == "" {
		t.Fatalf("answer: %d %s", resp.StatusCode, body)
	}
	est := bot.await("established", on(call, "updated", map[string]string{"resourceData.state": "established"}))
	if est.path != "/calls-callback" {
		t.Errorf("established went to %s, want the callback the answer gave", est.path)
	}
	if code := s.wait(t); code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", code, s.out)
	}
}

func TestServeUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "name at least one fixture"},
		{[]string{"--speed", "-1", joinCall}, "--speed must be 0 or more"},
		{[]string{"--bot-webhook", "localhost:3978", joinCall}, `--bot-webhook "localhost:3978": want an http(s) URL`},
		{[]string{"no-such-file.yaml"}, "no-such-file.yaml"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"serve"}, tt.args...), &out, &errOut)
		if code != exitUsage || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("serve %v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut.String(), tt.want)
		}
	}
}

// A scenario that starts with an incoming call cannot be played without the
// bot's webhook: serve says which flag gives it, in the CLI's words.
func TestServeNamesTheWebhookFlag(t *testing.T) {
	s := startServe(t, "--timeout", "30s", answerCall)
	s.waitFor(t, regexp.MustCompile(`NOT PLAYABLE\n.*needs the bot's webhook \(--bot-webhook\)`))
}
