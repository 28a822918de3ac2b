package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/internal/guid"
)

// BenchmarkTransferFlow measures full transfer flows over loopback, under
// each profile: create a peer-to-peer call, wait for established, transfer
// it (blind), and wait for transferring, transferAccepted
// (transfer-accepted) and the call's deleted, in that order; the latency
// is the whole flow. Beside them, in the same process and taking turns
// with them as in BenchmarkInviteFlow, "bare" is the floor of a flow on
// this machine (one POST, four notifications). Reported: each
// configuration's flows/s ("v1.0-c32-flows/s"), "<profile>/bare-c1|c32",
// a profile's flows/s over bare's, and the simulators' retries and live
// calls; the log lines add CPU time per flow and latency.
func BenchmarkTransferFlow(b *testing.B) {
	var rigs []*flowRig
	defer func() {
		for _, r := range rigs {
			r.close()
		}
	}()
	for _, c := range []int{1, 32} {
		rigs = append(rigs, newBareRig(c))
		for _, h := range handoffs {
			rigs = append(rigs, newTransferRig(b, h, c))
		}
	}
	byKey := measureRigs(b, rigs)
	for _, c := range []string{"c1", "c32"} {
		for _, h := range handoffs {
			reportRatio(b, byKey, h.d.profile+"/bare-"+c, h.d.profile+"-"+c, "bare-"+c)
		}
	}
}

// newTransferRig is a rig of transfer flows under h on workers goroutines.
func newTransferRig(b *testing.B, h handoff, workers int) *flowRig {
	srv, err := Start("127.0.0.1:0", Config{Profile: h.d.profile})
	if err != nil {
		b.Fatal(err)
	}
	sink := newStateSink(workers)
	client := benchClient(workers)
	r := &flowRig{name: h.d.profile, workers: workers, srv: srv,
		closers: []func(){func() { _ = srv.Close() }, sink.srv.Close, client.CloseIdleConnections}}
	tok := benchToken(b, client, srv)
	accepted := "transferAccepted"
	if h.d.profile == ProfileBeta2018 {
		accepted = "transfer-accepted"
	}
	for w := range workers {
		r.runners = append(r.runners, &transferFlow{benchFlow: benchFlow{d: h.d, client: client, base: srv.URL, tok: tok, cb: sink.url(w)},
			h: h, accepted: accepted, events: sink.slots[w]})
	}
	return r
}

// stateEvent is one notification as a transfer flow needs it.
type stateEvent struct {
	changeType, resource, state string
}

// stateSink is the bots' callback of the transfer benchmark: /cb/{slot}
// feeds the channel of one worker with each notification's changeType,
// resource and state, picked out without decoding the body (see pickItem).
type stateSink struct {
	srv   *httptest.Server
	slots []chan stateEvent
}

func newStateSink(n int) *stateSink {
	s := &stateSink{slots: make([]chan stateEvent, n)}
	for i := range s.slots {
		s.slots[i] = make(chan stateEvent, 64)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slot, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/cb/"))
		body, _ := readAll(r.Body, r.ContentLength)
		changeType, resource, ok := pickItem(body)
		if err != nil || slot < 0 || slot >= n || !ok {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		state, _ := pickString(body, `"state":"`)
		s.slots[slot] <- stateEvent{changeType, resource, state}
		w.WriteHeader(http.StatusAccepted)
	}))
	return s
}

func (s *stateSink) url(slot int) string { return s.srv.URL + "/cb/" + strconv.Itoa(slot) }

// transferFlow runs transfer flows one after the other for one worker.
type transferFlow struct {
	benchFlow
	h        handoff
	accepted string // the state after transferring
	events   chan stateEvent
	transfer []byte
}

// await reads events until want matches one, skipping the rest (late
// notifications of earlier flows).
func (f *transferFlow) await(what string, want func(stateEvent) bool) error {
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

// p2pBody is a peer-to-peer call to one user in dialect d.
func p2pBody(d dialect, cb string) map[string]any {
	if d.profile == ProfileV1 {
		return v1P2PBody(cb)
	}
	return map[string]any{"callback": cb, "requestedModalities": []string{"audio"},
		"targets": []any{map[string]any{"identity": map[string]any{"user": map[string]any{"id": "1d1d0005-0000-4000-8000-000000000005"}}}}}
}

func (f *transferFlow) run() (time.Duration, error) {
	start := time.Now()
	if f.create == nil {
		f.create, _ = json.Marshal(p2pBody(f.d, f.cb))
		f.transfer, _ = json.Marshal(transferBody(f.h, ""))
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
	if err := f.await("established", func(ev stateEvent) bool { return ev.resource == res && ev.state == stateEstablished }); err != nil {
		return 0, err
	}
	resp, err = f.do("POST", pathOf(f.d, c, "transfer"), f.transfer)
	if err != nil || resp.StatusCode != f.h.status {
		return 0, fmt.Errorf("transfer: %v %v", err, resp)
	}
	// A call's notifications arrive in order: each await finds the next.
	for _, state := range []string{stateTransferring, f.accepted} {
		if err := f.await(state, func(ev stateEvent) bool { return ev.resource == res && ev.state == state }); err != nil {
			return 0, err
		}
	}
	if err := f.await("deleted", func(ev stateEvent) bool { return ev.resource == res && ev.changeType == "deleted" }); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
