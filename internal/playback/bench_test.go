package playback

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/guid"
)

// benchShapes are the send steps a long recorded session repeats: each a
// method, a path and a body, with the fields that identify it (match).
var benchShapes = []struct{ send, body, match string }{
	{"POST /communications/calls", `{"@odata.type":"#microsoft.graph.call","callbackUri":"{{callbackUrl}}","requestedModalities":["audio"],"mediaConfig":{"@odata.type":"#microsoft.graph.serviceHostedMediaConfig"},"chatInfo":{"threadId":"19:meeting_N2E3ZTM4@thread.v2","messageId":"0"},"meetingInfo":{"@odata.type":"#microsoft.graph.organizerMeetingInfo","organizer":{"user":{"id":"{{userId}}","tenantId":"{{tenantId}}"}}},"tenantId":"{{tenantId}}"}`, `[requestedModalities, meetingInfo.organizer.user.id, chatInfo.threadId]`},
	{"POST /communications/calls/{{callId}}/participants/invite", `{"participants":[{"@odata.type":"#microsoft.graph.invitationParticipantInfo","identity":{"@odata.type":"#microsoft.graph.identitySet","user":{"@odata.type":"#microsoft.graph.identity","id":"{{userId}}"}}}],"clientContext":"{{uuid}}"}`, `[participants.0.identity.user.id]`},
	{"POST /communications/calls/{{callId}}/playPrompt", `{"clientContext":"{{uuid}}","prompts":[{"@odata.type":"#microsoft.graph.mediaPrompt","mediaInfo":{"uri":"https://bot.example.com/prompt.wav","resourceId":"1d1d0000-0000-4000-8000-000000000001"}}]}`, `[prompts.#]`},
	{"POST /communications/calls/{{callId}}/keepAlive", ``, ``},
	{"POST /communications/calls/{{callId}}/participants/{{participantId}}/mute", `{"clientContext":"{{uuid}}"}`, `[]`},
	{"DELETE /communications/calls/{{callId}}", ``, ``},
}

// benchFixture is a send-only scenario of n steps cycling through
// benchShapes.
func benchFixture(b *testing.B, n int) *fixture.Fixture {
	var y strings.Builder
	y.WriteString("id: long\ntitle: Long\nvars: {userId: 05e10000-0000-4000-8000-000000000001}\nsteps:\n")
	for i := range n {
		sh := benchShapes[i%len(benchShapes)]
		fmt.Fprintf(&y, "  - send: %s\n", sh.send)
		if sh.body != "" {
			fmt.Fprintf(&y, "    body: %s\n", sh.body)
		}
		if sh.match != "" {
			fmt.Fprintf(&y, "    match: %s\n", sh.match)
		}
	}
	f, err := fixture.Parse("long.yaml", []byte(y.String()))
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// benchRequest is what a bot sends for step i of benchFixture.
func benchRequest(i int, vars map[string]string) *request {
	sh := benchShapes[i%len(benchShapes)]
	method, path := fixture.SplitSend(sh.send)
	fill := func(s string) string {
		return templateRE.ReplaceAllStringFunc(s, func(m string) string {
			name := templateRE.FindStringSubmatch(m)[1]
			if v, ok := vars[name]; ok {
				return v
			}
			return guid.NewString()
		})
	}
	return &request{method: method, path: "/v1.0" + fill(path), body: []byte(fill(sh.body))}
}

// BenchmarkServeMatch measures the match of a bot's request with the step
// it makes, in process: a scenario of 100, 1,000 and 10,000 send steps,
// each request the step next in line at a position spread over the whole
// scenario. It reports the median and the 99th percentile per request in
// µs, and the same for a request that matches no step (its closest step is
// searched, bounded, for the diff).
func BenchmarkServeMatch(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("steps=%d", n), func(b *testing.B) {
			m, err := New(Config{}, benchFixture(b, n))
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			s := m.scenarios[0]
			vars := map[string]string{"callId": guid.NewString(), "participantId": guid.NewString(), "userId": "05e10000-0000-4000-8000-000000000001", "tenantId": m.tenantID, "callbackUrl": "https://bot.example.com/callback"}
			maps := []string{"callId", "participantId", "tenantId"}
			for _, k := range maps {
				s.vars[k] = vars[k]
			}
			reqs := make([]*request, 64)
			for i := range reqs {
				reqs[i] = benchRequest(i, vars)
			}
			miss := &request{method: "POST", path: "/v1.0/communications/calls/" + vars["callId"] + "/participants/invite", body: []byte(`{"participants":[{"identity":{"user":{"id":"someone-else"}}}]}`)}
			hit := make([]time.Duration, 0, b.N)
			missed := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				// A position spread over the scenario, its shape that of
				// the request.
				k := (i * 7919) % n
				req := reqs[k%len(benchShapes)]
				req.checked, req.decoded = false, nil
				m.mu.Lock()
				s.next = k
				m.place(s)
				t0 := time.Now()
				got, _, ok := m.findNext(req)
				t1 := time.Now()
				if !ok || got != s {
					m.mu.Unlock()
					b.Fatalf("step %d (%s) did not match", k, req)
				}
				miss.checked, miss.decoded = false, nil
				t2 := time.Now()
				if _, _, ok := m.findNext(miss); !ok {
					closest(s.candidates(miss))
				}
				t3 := time.Now()
				m.mu.Unlock()
				hit = append(hit, t1.Sub(t0))
				missed = append(missed, t3.Sub(t2))
			}
			b.StopTimer()
			b.ReportMetric(percentile(hit, 50), "p50-µs")
			b.ReportMetric(percentile(hit, 99), "p99-µs")
			b.ReportMetric(percentile(missed, 50), "unmatched-p50-µs")
		})
	}
}

// percentile returns the p-th percentile of ds in µs.
func percentile(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[(len(s)-1)*p/100]) / float64(time.Microsecond)
}
