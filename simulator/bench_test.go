package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
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
// latency) and wait for its deleted notification. Beside them, in the same
// process and with the same clients, "bare" measures the floor of such a
// flow on this machine: one POST answered at once, and four notifications
// POSTed in order to the callback, each after the previous one was
// answered.
//
// Each of the six configurations (bare and the two profiles, at c=1 and
// c=32 workers) runs b.N flows, in flowRounds rounds of b.N/flowRounds,
// the configurations taking turns within a round in an order that rotates
// from round to round. On a shared machine the load of other processes
// moves from second to second; taking turns spreads it over all six, so
// that the ratios (a profile over bare, v1.0 over beta-2018, c=32 over c=1)
// say what the code costs rather than when each configuration ran.
//
// Reported, per configuration: flows/s ("v1.0-c32-flows/s"); the ratios
// "v1.0/beta-c1", "v1.0/beta-c32", "<profile>/bare-c1|c32" and
// "<profile>-c32/c1"; "v1.0/beta-cpu-c1|c32", the ratio of CPU time per
// flow (which moves far less with the machine's load); "retries" (notifications the simulator had to send
// again, summed) and "live-calls" (calls still live at the end, summed:
// 0 when every flow ended). The log lines add CPU time per flow (of the
// whole process: simulator, bots and callbacks), p50 and p99 latency.
// ns/op is dropped: it would be the time of six flows.
func BenchmarkInviteFlow(b *testing.B) {
	var rigs []*flowRig
	defer func() {
		for _, r := range rigs {
			r.close()
		}
	}()
	for _, c := range []int{1, 32} {
		rigs = append(rigs, newBareRig(c))
		for _, d := range dialects {
			rigs = append(rigs, newInviteRig(b, d, c))
		}
	}
	heapBefore := heapInUse()
	byKey := measureRigs(b, rigs)
	ratio := func(unit, num, den string) { reportRatio(b, byKey, unit, num, den) }
	for _, c := range []string{"c1", "c32"} {
		ratio("v1.0/beta-"+c, ProfileV1+"-"+c, ProfileBeta2018+"-"+c)
		// CPU time per flow moves far less with the other processes'
		// load than flows/s does: the cost of a v1.0 flow over a
		// beta-2018 one, whatever else the machine was doing.
		if base := byKey[ProfileBeta2018+"-"+c].cpuPerFlow(); base > 0 {
			b.ReportMetric(byKey[ProfileV1+"-"+c].cpuPerFlow()/base, "v1.0/beta-cpu-"+c)
		}
		for _, d := range dialects {
			ratio(d.profile+"/bare-"+c, d.profile+"-"+c, "bare-"+c)
		}
	}
	for _, d := range dialects {
		ratio(d.profile+"-c32/c1", d.profile+"-c32", d.profile+"-c1")
	}
	// Every call ended and its notifications were delivered: what the
	// simulators still hold is their steady state.
	b.ReportMetric((float64(heapInUse())-float64(heapBefore))/1024, "heap-growth-KB")
}

// reportRatio reports the flows/s of the rig num over the rig den's.
func reportRatio(b *testing.B, byKey map[string]*flowRig, unit, num, den string) {
	if d := byKey[den].rate(); d > 0 {
		b.ReportMetric(byKey[num].rate()/d, unit)
	}
}

// measureRigs runs b.N flows on each rig, in flowRounds rounds in which the
// rigs take turns, starting each round one rig further; it reports each
// rig's flows/s, the simulators' retries and live calls, logs the rest,
// and returns the rigs by key.
func measureRigs(b *testing.B, rigs []*flowRig) map[string]*flowRig {
	b.ResetTimer()
	for round := range flowRounds {
		n := b.N*(round+1)/flowRounds - b.N*round/flowRounds
		for i := range rigs {
			if err := rigs[(i+round)%len(rigs)].runRound(n); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	return reportRigs(b, rigs)
}

// flowRounds is how many turns each configuration of BenchmarkInviteFlow
// takes.
const flowRounds = 6

// flowRig is one configuration of BenchmarkInviteFlow: a server, the
// bots' callbacks and one runner per worker, kept from round to round,
// and what its rounds measured.
type flowRig struct {
	name    string // "bare", "beta-2018", "v1.0"
	workers int
	runners []flowRunner
	srv     *Server     // nil for bare
	sink    *directSink // the notifications' sink of a rig without a network; nil otherwise
	closers []func()

	elapsed time.Duration
	cpu     time.Duration
	cpuOK   bool
	lat     []time.Duration
}

func newBareRig(workers int) *flowRig { return newBareRigSending("bare", bareNote, workers) }

// newBareRigSending is a bare rig, named name, whose notifications are note.
func newBareRigSending(name string, note []byte, workers int) *flowRig {
	bare := newBareServer(note)
	sink := newFlowSink(workers)
	client := benchClient(workers)
	r := &flowRig{name: name, workers: workers,
		closers: []func(){bare.close, sink.srv.Close, client.CloseIdleConnections}}
	for w := range workers {
		r.runners = append(r.runners, &bareFlow{client: client, url: bare.srv.URL, cb: sink.url(w), events: sink.slots[w]})
	}
	return r
}

func newInviteRig(b *testing.B, d dialect, workers int) *flowRig {
	srv, err := Start("127.0.0.1:0", Config{Profile: d.profile})
	if err != nil {
		b.Fatal(err)
	}
	sink := newFlowSink(workers)
	client := benchClient(workers)
	r := &flowRig{name: d.profile, workers: workers, srv: srv,
		closers: []func(){func() { _ = srv.Close() }, sink.srv.Close, client.CloseIdleConnections}}
	tok := benchToken(b, client, srv)
	for w := range workers {
		r.runners = append(r.runners, &benchFlow{d: d, client: client, base: srv.URL, tok: tok, cb: sink.url(w), events: sink.slots[w]})
	}
	return r
}

func (r *flowRig) close() {
	for _, c := range r.closers {
		c()
	}
}

// key names the rig in metrics: "v1.0-c32".
func (r *flowRig) key() string { return r.name + "-c" + strconv.Itoa(r.workers) }

// runRound runs n flows on the rig's workers and adds up what they took.
func (r *flowRig) runRound(n int) error {
	var next atomic.Int64
	lat := make([][]time.Duration, r.workers)
	errs := make([]error, r.workers)
	var wg sync.WaitGroup
	cpuStart, cpuOK := processCPU()
	start := time.Now()
	for w, f := range r.runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				d, err := f.run()
				if err != nil {
					errs[w] = fmt.Errorf("%s: %w", r.key(), err)
					return
				}
				lat[w] = append(lat[w], d)
			}
		}()
	}
	wg.Wait()
	r.elapsed += time.Since(start)
	cpuEnd, _ := processCPU()
	r.cpu += cpuEnd - cpuStart
	r.cpuOK = cpuOK
	for _, l := range lat {
		r.lat = append(r.lat, l...)
	}
	return errors.Join(errs...)
}

// rate is the rig's flows per second over all its rounds.
func (r *flowRig) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(len(r.lat)) / r.elapsed.Seconds()
}

// reportRigs reports every rig's flows/s, the simulators' retries and
// live calls (summed), logs CPU time and latency, and returns the rigs by
// key.
func reportRigs(b *testing.B, rigs []*flowRig) map[string]*flowRig {
	b.ReportMetric(0, "ns/op")
	byKey := map[string]*flowRig{}
	var retries, live uint64
	for _, r := range rigs {
		byKey[r.key()] = r
		b.ReportMetric(r.rate(), r.key()+"-flows/s")
		if r.srv != nil {
			st := r.srv.Sim.Stats()
			retries += st.Retried
			live += uint64(st.LiveCalls)
		}
		if b.N >= flowRounds { // not the framework's first, one-flow run
			b.Logf("%-14s %6.0f flows/s %6.0f cpu-us/flow  p50 %6.3f ms  p99 %6.3f ms",
				r.key(), r.rate(), r.cpuPerFlow(), r.percentile(0.50), r.percentile(0.99))
		}
	}
	b.ReportMetric(float64(retries), "retries")
	b.ReportMetric(float64(live), "live-calls")
	return byKey
}

func (r *flowRig) cpuPerFlow() float64 {
	if !r.cpuOK || len(r.lat) == 0 {
		return 0
	}
	return float64(r.cpu) / float64(time.Microsecond) / float64(len(r.lat))
}

// percentile is the latency at p (0.5 = median) in milliseconds.
func (r *flowRig) percentile(p float64) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	all := slices.Clone(r.lat)
	slices.Sort(all)
	return float64(all[min(len(all)-1, int(p*float64(len(all))))]) / float64(time.Millisecond)
}

// benchClient is the bots' client of a benchmark with workers goroutines.
func benchClient(workers int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 4 * workers, MaxIdleConnsPerHost: 4 * workers}}
}

// flowRunner runs one flow and returns its latency.
type flowRunner interface {
	run() (time.Duration, error)
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

// bareNote is the notification a bare flow sends: a beta-2018 state
// change, of the size of the simulator's.
var bareNote = []byte(`{"value":[{"changeType":"updated","resource":"/app/calls/57DAB8B1894C409AB240BD8BEAE78896",` +
	`"resourceData":{"@odata.type":"#microsoft.graph.call","@odata.id":"/app/calls/57DAB8B1894C409AB240BD8BEAE78896",` +
	`"@odata.etag":"W/\"1\"","state":"established"}}]}`)

// bareServer answers a POST of {"callback"} with 201 at once, then POSTs
// four notifications (note) to the callback in order, each once the
// previous one was answered, with a client like the simulator's notifier.
type bareServer struct {
	srv    *httptest.Server
	client *http.Client
	note   []byte
	wg     sync.WaitGroup
}

func newBareServer(note []byte) *bareServer {
	s := &bareServer{note: note, client: &http.Client{Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 256}}}
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
		resp, err := s.client.Post(cb, "application/json", bytes.NewReader(s.note))
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
