package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callconform/callconform/internal/faketarget"
)

// flowFixture is FlowFixture plus two call-state notifications: four
// notifications received and judged.
var flowFixture = strings.Replace(faketarget.FlowFixture, "      within: 1s\n", "      within: 5s\n", 1) +
	"        - {name: states, count: 2, changeType: updated, resource: /app/calls/c1, where: {resourceData.state: established}}\n"

// BenchmarkFlow runs one full flow (send, 202 + Location, 4 notifications
// received and judged) with bare net/http, then through the harness, against
// the same loopback target; the harness sub-benchmark reports harness/bare.
func BenchmarkFlow(b *testing.B) {
	srv := faketarget.Start(faketarget.Faults{Storm: 2})
	defer srv.Close()
	var bareNs float64

	b.Run("bare", func(b *testing.B) {
		var got atomic.Int64
		arrived := make(chan struct{}, 1)
		cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body struct {
				Value []json.RawMessage `json:"value"`
			}
			_ = json.NewDecoder(r.Body).Decode(&body)
			w.WriteHeader(http.StatusAccepted)
			if got.Add(int64(len(body.Value))) >= 4 {
				arrived <- struct{}{}
			}
		}))
		defer cb.Close()
		client := &http.Client{Timeout: 5 * time.Second}
		req := []byte(`{"callback":"` + cb.URL + `","participants":[{"identity":{"user":{"id":"u1"}}}]}`)
		for b.Loop() {
			got.Store(0)
			resp, err := client.Post(srv.URL+"/app/calls/c1/participants/invite", "application/json", bytes.NewReader(req))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Location") == "" {
				b.Fatalf("status %d", resp.StatusCode)
			}
			select {
			case <-arrived:
			case <-time.After(5 * time.Second):
				b.Fatal("notifications did not arrive")
			}
		}
		bareNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(bareNs/1e3, "µs/flow")
	})

	b.Run("harness", func(b *testing.B) {
		r := newRunner(b, srv.URL)
		f := parse(b, flowFixture)
		ctx := context.Background()
		for b.Loop() {
			if res := r.Run(ctx, f); res.Status != Passed {
				b.Fatalf("flow failed: %s", res.Reason)
			}
		}
		harnessNs := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(harnessNs/1e3, "µs/flow")
		if bareNs > 0 {
			b.ReportMetric(harnessNs/bareNs, "harness/bare")
		}
	})

}
