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

// BenchmarkInviteFlow measures full invite flows over loopback: create a
// call, wait for established, invite, wait for the operation's completion
// and the roster (the latency measured), then delete the call (counted in
// flows/s, not in the latency) and wait for its deleted notification;
// heap-growth-KB is the live heap after every call ended, less the heap
// before the first. ns/op is dropped: flows/s says the same
// thing without reading as a per-flow latency.
func BenchmarkInviteFlow(b *testing.B) {
	for _, c := range []int{1, 32} {
		b.Run("c="+strconv.Itoa(c), func(b *testing.B) { benchInviteFlow(b, c) })
	}
}

func benchInviteFlow(b *testing.B, workers int) {
	srv, err := Start("127.0.0.1:0", Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	sink := newFlowSink(workers)
	defer sink.srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 4 * workers, MaxIdleConnsPerHost: 4 * workers}}
	defer client.CloseIdleConnections()
	tok := benchToken(b, client, srv)

	heapBefore := heapInUse()
	var next atomic.Int64
	lat := make([][]time.Duration, workers)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := &benchFlow{client: client, base: srv.URL, tok: tok, cb: sink.url(w), events: sink.slots[w]}
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
	b.StopTimer()

	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	pct := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "flows/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	st := srv.Sim.Stats()
	b.ReportMetric(float64(st.LiveCalls), "live-calls")
	b.ReportMetric(float64(st.Retried), "retries")
	// Every call ended and its notifications were delivered: what the
	// simulator still holds is its steady state.
	b.ReportMetric((float64(heapInUse())-float64(heapBefore))/1024, "heap-growth-KB")
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
		body, _ := io.ReadAll(r.Body)
		var env struct {
			Value []struct {
				ChangeType   string          `json:"changeType"`
				Resource     string          `json:"resource"`
				ResourceData json.RawMessage `json:"resourceData"`
			} `json:"value"`
		}
		if err != nil || slot < 0 || slot >= n || json.Unmarshal(body, &env) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		for _, v := range env.Value {
			s.slots[slot] <- flowEvent{v.ChangeType, v.Resource,
				bytes.Contains(v.ResourceData, []byte(`"state":"established"`))}
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	return s
}

func (s *flowSink) url(slot int) string { return s.srv.URL + "/cb/" + strconv.Itoa(slot) }

// benchFlow runs flows one after the other for one worker.
type benchFlow struct {
	client *http.Client
	base   string
	tok    string
	cb     string
	events chan flowEvent
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
	body, _ := json.Marshal(meetingBody(f.cb))
	resp, err := f.do("POST", "/app/calls", body)
	if err != nil || resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("create: %v %v", err, resp)
	}
	c, ok := guid.Parse(lastSegment(resp.Header.Get("Location")))
	if !ok {
		return 0, fmt.Errorf("create: Location %q", resp.Header.Get("Location"))
	}
	res := callRes(c)
	if err := f.await("established", func(ev flowEvent) bool { return ev.resource == res && ev.established }); err != nil {
		return 0, err
	}
	resp, err = f.do("POST", invitePath(c), []byte(`{"participants":[{"identity":{"user":{"id":"550fae72-d251-43ec-868c-373732c2704f"}}}],"clientContext":"bench"}`))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		return 0, fmt.Errorf("invite: %v %v", err, resp)
	}
	op, ok := guid.Parse(lastSegment(resp.Header.Get("Location")))
	if !ok {
		return 0, fmt.Errorf("invite: Location %q", resp.Header.Get("Location"))
	}
	opRes, rosterRes := res+"/operations/"+op.Compact(), res+"/participants"
	var opDone, roster bool
	if err := f.await("operation completion and roster", func(ev flowEvent) bool {
		opDone = opDone || (ev.resource == opRes && ev.changeType == "deleted")
		roster = roster || ev.resource == rosterRes
		return opDone && roster
	}); err != nil {
		return 0, err
	}
	d := time.Since(start)
	resp, err = f.do("DELETE", "/app/calls/"+c.String(), nil)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		return 0, fmt.Errorf("delete: %v %v", err, resp)
	}
	// The call's last notification: its queue is drained after this.
	if err := f.await("deleted", func(ev flowEvent) bool { return ev.resource == res && ev.changeType == "deleted" }); err != nil {
		return 0, err
	}
	return d, nil
}
