package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callconform/callconform/internal/guid"
)

// BenchmarkInviteFlow measures full invite flows over loopback, under each
// profile: create a call (join a meeting), wait for established, invite,
// wait for the operation's completion and then the roster (the latency
// measured), then delete the call (counted in flows/s, not in the
// latency) and wait for its deleted notification; heap-growth-KB is the
// live heap after every call ended, less the heap before the first. Beside
// them, in the same process and with the same clients, "bare" measures the
// floor of such a flow on this machine: one POST answered at once, and
// four notifications POSTed in order to the callback, each after the
// previous one was answered. x-bare is a profile's flows/s over bare's,
// x-beta is v1.0's over beta-2018's (both from the runs just before).
// cpu-us/flow is the CPU time of the whole process (simulator, bots and
// callbacks) per flow: on a shared machine, where flows/s moves with the
// other processes' load, it says what a flow costs. ns/op is dropped:
// flows/s says the same thing without reading as a per-flow latency.
func BenchmarkInviteFlow(b *testing.B) {
	for _, c := range []int{1, 32} {
		rates := map[string]float64{}
		b.Run("c="+strconv.Itoa(c), func(b *testing.B) {
			b.Run("bare", func(b *testing.B) { rates["bare"] = benchBareFlow(b, c) })
			for _, d := range dialects {
				b.Run("profile="+d.profile, func(b *testing.B) {
					rate := benchInviteFlow(b, d, c)
					reportRatio(b, "x-bare", rate, rates["bare"])
					if d.profile != ProfileBeta2018 {
						reportRatio(b, "x-beta", rate, rates[ProfileBeta2018])
					}
					rates[d.profile] = rate
				})
			}
		})
	}
}

func reportRatio(b *testing.B, unit string, rate, base float64) {
	if base > 0 {
		b.ReportMetric(rate/base, unit)
	}
}

// benchInviteFlow runs b.N flows in dialect d on workers goroutines and
// returns the flows per second.
func benchInviteFlow(b *testing.B, d dialect, workers int) float64 {
	srv, err := Start("127.0.0.1:0", Config{Profile: d.profile})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	sink := newFlowSink(workers)
	defer sink.srv.Close()
	client := benchClient(workers)
	defer client.CloseIdleConnections()
	tok := benchToken(b, client, srv)

	heapBefore := heapInUse()
	rate, lat := runFlows(b, workers, func(w int) flowRunner {
		return &benchFlow{d: d, client: client, base: srv.URL, tok: tok, cb: sink.url(w), events: sink.slots[w]}
	})
	reportFlows(b, rate, lat)
	st := srv.Sim.Stats()
	b.ReportMetric(float64(st.LiveCalls), "live-calls")
	b.ReportMetric(float64(st.Retried), "retries")
	// Every call ended and its notifications were delivered: what the
	// simulator still holds is its steady state.
	b.ReportMetric((float64(heapInUse())-float64(heapBefore))/1024, "heap-growth-KB")
	return rate
}

// benchClient is the bots' client of a benchmark with workers goroutines.
func benchClient(workers int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 4 * workers, MaxIdleConnsPerHost: 4 * workers}}
}

// flowRunner runs one flow and returns its latency.
type flowRunner interface {
	run() (time.Duration, error)
}

// runFlows runs b.N flows on workers goroutines, each with its runner, and
// returns the flows per second and every flow's latency, sorted. It
// reports the process's CPU time per flow.
func runFlows(b *testing.B, workers int, runner func(w int) flowRunner) (float64, []time.Duration) {
	var next atomic.Int64
	lat := make([][]time.Duration, workers)
	var wg sync.WaitGroup
	b.ResetTimer()
	cpuStart, cpuKnown := processCPU()
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := runner(w)
			for next.Add(1) <= int64(b.N) {
				d, err := f.run()
				if err != nil {
					b.Error(err)
					return
				}
				lat[w] = append(lat[w], d)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpuEnd, _ := processCPU()
	b.StopTimer()
	all := slices.Concat(lat...)
	if cpuKnown && len(all) > 0 {
		b.ReportMetric(float64(cpuEnd-cpuStart)/float64(time.Microsecond)/float64(len(all)), "cpu-us/flow")
	}
	slices.Sort(all)
	return float64(len(all)) / elapsed.Seconds(), all
}

// reportFlows reports flows/s and the latency percentiles.
func reportFlows(b *testing.B, rate float64, all []time.Duration) {
	b.ReportMetric(0, "ns/op")
	if len(all) == 0 {
		return
	}
	pct := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(rate, "flows/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func benchToken(b *testing.B, client *http.Client, srv *Server) string {
	c := srv.Sim.Clients()[0]
	resp, err := client.PostForm(srv.TokenURL, url.Values{"grant_type": {"client_credentials"},
		"client_id": {c.ID}, "client_secret": {c.Secret}, "scope": {GraphAudience + "/.default"}})
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&t); err != nil {
		b.Fatal(err)
	}
	return t.AccessToken
}

// flowEvent is one notification as a flow needs it.
type flowEvent struct {
	changeType, resource string
	established          bool
}

// flowSink is the bots' callback: /cb/{slot} feeds the channel of one
// benchmark worker.
type flowSink struct {
	srv   *httptest.Server
	slots []chan flowEvent
}

func newFlowSink(n int) *flowSink {
	s := &flowSink{slots: make([]chan flowEvent, n)}
	for i := range s.slots {
		s.slots[i] = make(chan flowEvent, 64)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slot, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/cb/"))
		body, _ := readAll(r.Body, r.ContentLength)
		changeType, resource, ok := pickItem(body)
		if err != nil || slot < 0 || slot >= n || !ok {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.slots[slot] <- flowEvent{changeType, resource, bytes.Contains(body, []byte(`"state":"established"`))}
		w.WriteHeader(http.StatusAccepted)
	}))
	return s
}

// pickItem picks out of a notification body what a flow needs: the
// changeType and the resource (its resourceUrl when it has one) of its one
// item. It does not decode the body: decoding is the bot's work, which the
// benchmark does not measure, and which would weigh twice as much under
// v1.0, whose bodies, as the real service's, are twice the size. Whether
// the body says established is read the same way (the simulator sends one
// item per POST).
func pickItem(body []byte) (changeType, resource string, ok bool) {
	changeType, ok = pickString(body, `"changeType":"`)
	if !ok {
		return "", "", false
	}
	if resource, ok = pickString(body, `"resourceUrl":"`); ok {
		return changeType, resource, true
	}
	resource, ok = pickString(body, `"resource":"`)
	return changeType, resource, ok
}

// pickString returns the string value that follows the first prefix in
// body, a member whose value has no escapes.
func pickString(body []byte, prefix string) (string, bool) {
	i := bytes.Index(body, []byte(prefix))
	if i < 0 {
		return "", false
	}
	rest := body[i+len(prefix):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 || bytes.IndexByte(rest[:j], '\\') >= 0 {
		return "", false
	}
	return string(rest[:j]), true
}

func (s *flowSink) url(slot int) string { return s.srv.URL + "/cb/" + strconv.Itoa(slot) }

// benchFlow runs flows in dialect d one after the other for one worker.
type benchFlow struct {
	d      dialect
	client *http.Client
	base   string
	tok    string
	cb     string
	events chan flowEvent
	create []byte // the body that creates a call, the same for every flow of the worker
}

func (f *benchFlow) do(method, path string, body []byte) (*http.Response, error) {
	req, err := http.NewRequest(method, f.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+f.tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, nil
}

// await reads events until want matches one, skipping the rest (late
// notifications of earlier flows).
func (f *benchFlow) await(what string, want func(flowEvent) bool) error {
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	for {
		select {
		case ev := <-f.events:
			if want(ev) {
				return nil
			}
		case <-timer.C:
			return fmt.Errorf("timed out waiting for %s", what)
		}
	}
}

func (f *benchFlow) run() (time.Duration, error) {
	start := time.Now()
	if f.create == nil {
		f.create, _ = json.Marshal(f.d.meetingBody(f.cb))
	}
	resp, err := f.do("POST", f.d.root, f.create)
	if err != nil || resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("create: %v %v", err, resp)
	}
	c, ok := guid.Parse(lastSegment(resp.Header.Get("Location")))
	if !ok {
		return 0, fmt.Errorf("create: Location %q", resp.Header.Get("Location"))
	}
	res := f.d.res(c)
	if err := f.await("established", func(ev flowEvent) bool { return ev.resource == res && ev.established }); err != nil {
		return 0, err
	}
	resp, err = f.do("POST", invitePathIn(f.d, c), []byte(`{"participants":[{"identity":{"user":{"id":"550fae72-d251-43ec-868c-373732c2704f"}}}],"clientContext":"bench"}`))
	if err != nil || resp.StatusCode != f.d.inviteStatus {
		return 0, fmt.Errorf("invite: %v %v", err, resp)
	}
	op, ok := guid.Parse(lastSegment(resp.Header.Get("Location")))
	if !ok {
		return 0, fmt.Errorf("invite: Location %q", resp.Header.Get("Location"))
	}
	// The roster that follows the completion (a v1.0 join has one before).
	opRes, rosterRes := res+"/operations/"+f.d.noteID(op), res+"/participants"
	var opDone, roster bool
	if err := f.await("operation completion and roster", func(ev flowEvent) bool {
		roster = roster || (opDone && ev.resource == rosterRes)
		opDone = opDone || (ev.resource == opRes && ev.changeType == "deleted")
		return opDone && roster
	}); err != nil {
		return 0, err
	}
	d := time.Since(start)
	resp, err = f.do("DELETE", f.d.root+"/"+c.String(), nil)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		return 0, fmt.Errorf("delete: %v %v", err, resp)
	}
	// The call's last notification: its queue is drained after this.
	if err := f.await("deleted", func(ev flowEvent) bool { return ev.resource == res && ev.changeType == "deleted" }); err != nil {
		return 0, err
	}
	return d, nil
}

// benchBareFlow runs b.N bare flows on workers goroutines and returns the
// flows per second: the same clients, callbacks and flow sink as
// benchInviteFlow, against a server that does nothing but answer and
// notify.
func benchBareFlow(b *testing.B, workers int) float64 {
	bare := newBareServer()
	defer bare.close()
	sink := newFlowSink(workers)
	defer sink.srv.Close()
	client := benchClient(workers)
	defer client.CloseIdleConnections()
	rate, lat := runFlows(b, workers, func(w int) flowRunner {
		return &bareFlow{client: client, url: bare.srv.URL, cb: sink.url(w), events: sink.slots[w]}
	})
	reportFlows(b, rate, lat)
	return rate
}

// bareNote is the notification a bare flow sends: a beta-2018 state
// change, of the size of the simulator's.
var bareNote = []byte(`{"value":[{"changeType":"updated","resource":"/app/calls/57DAB8B1894C409AB240BD8BEAE78896",` +
	`"resourceData":{"@odata.type":"#microsoft.graph.call","@odata.id":"/app/calls/57DAB8B1894C409AB240BD8BEAE78896",` +
	`"@odata.etag":"W/\"1\"","state":"established"}}]}`)

// bareServer answers a POST of {"callback"} with 201 at once, then POSTs
// four notifications to the callback in order, each once the previous one
// was answered, with a client like the simulator's notifier.
type bareServer struct {
	srv    *httptest.Server
	client *http.Client
	wg     sync.WaitGroup
}

func newBareServer() *bareServer {
	s := &bareServer{client: &http.Client{Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 256}}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Callback string }
		if json.NewDecoder(r.Body).Decode(&req) != nil || req.Callback == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.wg.Add(1)
		go s.notify(req.Callback)
		w.WriteHeader(http.StatusCreated)
	}))
	return s
}

func (s *bareServer) notify(cb string) {
	defer s.wg.Done()
	for range 4 {
		resp, err := s.client.Post(cb, "application/json", bytes.NewReader(bareNote))
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func (s *bareServer) close() {
	s.wg.Wait()
	s.srv.Close()
	s.client.CloseIdleConnections()
}

// bareFlow is one worker's bare flows: one POST, then the four
// notifications it causes.
type bareFlow struct {
	client *http.Client
	url    string
	cb     string
	events chan flowEvent
	body   []byte
}

func (f *bareFlow) run() (time.Duration, error) {
	start := time.Now()
	if f.body == nil {
		f.body, _ = json.Marshal(map[string]string{"callback": f.cb})
	}
	resp, err := f.client.Post(f.url, "application/json", bytes.NewReader(f.body))
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("bare POST: %s", resp.Status)
	}
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	for range 4 {
		select {
		case <-f.events:
		case <-timer.C:
			return 0, fmt.Errorf("bare flow: timed out waiting for its notifications")
		}
	}
	return time.Since(start), nil
}
