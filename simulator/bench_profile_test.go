package simulator

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkInviteFlowAlone runs the invite flows of BenchmarkInviteFlow
// under one profile and one number of workers at a time, so that a CPU
// profile of one sub-benchmark is the cost of that profile alone (compare
// two with pprof -diff_base). It reports the CPU time per flow of the
// whole process ("cpu-us/flow") and flows/s.
func BenchmarkInviteFlowAlone(b *testing.B) {
	for _, d := range dialects {
		for _, c := range []int{1, 32} {
			b.Run(d.profile+"-c"+strconv.Itoa(c), func(b *testing.B) {
				r := newInviteRig(b, d, c)
				defer r.close()
				b.ResetTimer()
				if err := r.runRound(b.N); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				b.ReportMetric(r.cpuPerFlow(), "cpu-us/flow")
				b.ReportMetric(r.rate(), "flows/s")
			})
		}
	}
}

// BenchmarkSimulatorFlow runs the invite flows of BenchmarkInviteFlow
// without a network: the bots' requests go straight to the Simulator's
// ServeHTTP and its notifications straight to the bots, so that what is
// measured (ns/op, B/op, allocs/op per flow) is the simulator's own work
// under each profile, with the cost of sockets and of the bots' HTTP
// servers left out.
func BenchmarkSimulatorFlow(b *testing.B) {
	for _, d := range dialects {
		for _, c := range []int{1, 32} {
			b.Run(d.profile+"-c"+strconv.Itoa(c), func(b *testing.B) {
				r := newDirectRig(b, d, c)
				defer r.close()
				b.ReportAllocs()
				b.ResetTimer()
				if err := r.runRound(b.N); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				b.ReportMetric(r.cpuPerFlow(), "cpu-us/flow")
			})
		}
	}
}

// BenchmarkBareFlowBytes measures what the size of notification bodies
// costs by itself, beside BenchmarkInviteFlow: bare flows (see
// BenchmarkInviteFlow) whose four notifications carry, between them, the
// notification bytes of one invite flow under each profile (measured on a
// flow first: "beta-2018-note-bytes", "v1.0-note-bytes"), taking turns as
// BenchmarkInviteFlow's configurations do. "v1.0/beta-bytes-cpu-c1|c32" is
// the ratio of their CPU time per flow: the part of v1.0/beta-cpu that no
// change to the simulator can remove, since the v1.0 bodies are fixed.
func BenchmarkBareFlowBytes(b *testing.B) {
	var rigs []*flowRig
	defer func() {
		for _, r := range rigs {
			r.close()
		}
	}()
	sizes := map[string]int{}
	for _, d := range dialects {
		sizes[d.profile] = notificationBytes(b, d)
	}
	for _, c := range []int{1, 32} {
		for _, d := range dialects {
			rigs = append(rigs, newBareRigSending(d.profile+"-bytes", paddedNote(sizes[d.profile]/4), c))
		}
	}
	byKey := measureRigs(b, rigs)
	for p, n := range sizes {
		b.ReportMetric(float64(n), p+"-note-bytes")
	}
	for _, c := range []string{"c1", "c32"} {
		if base := byKey[ProfileBeta2018+"-bytes-"+c].cpuPerFlow(); base > 0 {
			b.ReportMetric(byKey[ProfileV1+"-bytes-"+c].cpuPerFlow()/base, "v1.0/beta-bytes-cpu-"+c)
		}
	}
}

// notificationBytes is the size of the notification bodies of one invite
// flow in dialect d, all of them.
func notificationBytes(b *testing.B, d dialect) int {
	r := newDirectRig(b, d, 1)
	defer r.close()
	if err := r.runRound(1); err != nil {
		b.Fatal(err)
	}
	return int(r.sink.bytes.Load())
}

// paddedNote is bareNote padded to size bytes (or left as it is if it is
// larger), with a member "pad".
func paddedNote(size int) []byte {
	const head, tail = `,"pad":"`, `"}}]}`
	end := len(bareNote) - len(`}}]}`)
	n := max(0, size-end-len(head)-len(tail))
	out := append([]byte(nil), bareNote[:end]...)
	out = append(out, head...)
	out = append(out, bytes.Repeat([]byte("x"), n)...)
	return append(out, tail...)
}

// BenchmarkSimulatorFlowRatio runs the flows of BenchmarkSimulatorFlow
// under both profiles, at c=1 and c=32 workers, taking turns in one
// process as BenchmarkInviteFlow's configurations do, so that the ratio of
// CPU time per flow ("v1.0/beta-cpu-c1|c32") says what the simulator's own
// work for a v1.0 flow costs over a beta-2018 one, whatever else the
// machine was doing.
func BenchmarkSimulatorFlowRatio(b *testing.B) {
	var rigs []*flowRig
	defer func() {
		for _, r := range rigs {
			r.close()
		}
	}()
	for _, c := range []int{1, 32} {
		for _, d := range dialects {
			rigs = append(rigs, newDirectRig(b, d, c))
		}
	}
	byKey := measureRigs(b, rigs)
	for _, c := range []string{"c1", "c32"} {
		if base := byKey[ProfileBeta2018+"-"+c].cpuPerFlow(); base > 0 {
			b.ReportMetric(byKey[ProfileV1+"-"+c].cpuPerFlow()/base, "v1.0/beta-cpu-"+c)
		}
	}
}

// newDirectRig is a rig of workers running flows in dialect d on a
// Simulator reached without a network.
func newDirectRig(b *testing.B, d dialect, workers int) *flowRig {
	sink := &directSink{slots: make([]chan flowEvent, workers)}
	for i := range sink.slots {
		sink.slots[i] = make(chan flowEvent, 64)
	}
	sim, err := New(Config{Profile: d.profile, Delivery: DeliveryConfig{HTTPClient: &http.Client{Transport: sink}}})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := sim.MintAccessToken(sim.Clients()[0].ID, GraphAudience, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: handlerTransport{sim}}
	r := &flowRig{name: d.profile, workers: workers, sink: sink, closers: []func(){func() { _ = sim.Close() }}}
	for w := range workers {
		r.runners = append(r.runners, &benchFlow{d: d, client: client, base: "http://sim.test", tok: tok,
			cb: "http://bot.test/cb/" + strconv.Itoa(w), events: sink.slots[w]})
	}
	return r
}

// handlerTransport answers each request with its handler, in process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

// directSink takes the notifications of a direct rig as the bots'
// callbacks would: /cb/{slot} feeds the channel of one worker. It counts
// the bytes of their bodies.
type directSink struct {
	slots []chan flowEvent
	bytes atomic.Int64
}

func (s *directSink) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readAll(req.Body, req.ContentLength)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	s.bytes.Add(int64(len(body)))
	slot, err := strconv.Atoi(strings.TrimPrefix(req.URL.Path, "/cb/"))
	changeType, resource, ok := pickItem(body)
	if err != nil || slot < 0 || slot >= len(s.slots) || !ok {
		return nil, fmt.Errorf("direct sink: bad notification to %s", req.URL.Path)
	}
	s.slots[slot] <- flowEvent{changeType, resource, bytes.Contains(body, []byte(`"state":"established"`))}
	return &http.Response{StatusCode: http.StatusAccepted, Body: http.NoBody, Header: http.Header{}, Request: req}, nil
}
