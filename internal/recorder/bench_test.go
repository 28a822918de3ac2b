package recorder

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkProxy compares, over loopback, a request sent straight to an
// upstream, through a bare httputil.ReverseProxy, and through the recorder
// (recording on), at concurrency 1 and 16: p50 and p99 latency and
// throughput. The request is an invite (a JSON body without a callback),
// the answer 202 with a Location and a small operation body.
func BenchmarkProxy(b *testing.B) {
	body := []byte(`{"participants":[{"@odata.type":"#microsoft.graph.invitationParticipantInfo",` +
		`"identity":{"user":{"id":"550fae72-d251-43ec-868c-373732c2704f","displayName":"Heidi Steen"}}}],` +
		`"clientContext":"d45324c1-fcb5-430a-902c-f20af696537c"}`)
	answer := []byte(`{"@odata.type":"#microsoft.graph.commsOperation","id":"0b9e3c57-1a3f-4c11-9d0e-5f2b6f8a9c10","status":"Running"}`)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", "http://"+r.Host+"/app/calls/57dab8b1-894c-409a-b240-bd8beae78896/operations/0b9e3c57-1a3f-4c11-9d0e-5f2b6f8a9c10")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write(answer)
	}))
	defer up.Close()
	upURL, _ := url.Parse(up.URL)
	bareTransport := newTransport()
	bare := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(upURL) },
		Transport: bareTransport,
	})
	defer bare.Close()
	defer bareTransport.CloseIdleConnections()

	for _, c := range []int{1, 16} {
		for _, target := range []string{"direct", "bare-proxy", "recorder"} {
			b.Run(fmt.Sprintf("%s/c%d", target, c), func(b *testing.B) {
				base := up.URL
				switch target {
				case "bare-proxy":
					base = bare.URL
				case "recorder":
					rec, err := Start("127.0.0.1:0", Config{Upstream: up.URL})
					if err != nil {
						b.Fatal(err)
					}
					defer rec.Close()
					base = rec.URL
				}
				load(b, base+"/app/calls/57dab8b1-894c-409a-b240-bd8beae78896/participants/invite", body, c)
			})
		}
	}
}

// load sends b.N requests from c goroutines and reports p50-µs, p99-µs and
// req/s.
func load(b *testing.B, target string, body []byte, c int) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	send := func() error {
		req, err := http.NewRequest("POST", target, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer bench-token")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	for range c { // warm the connections
		if err := send(); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([][]time.Duration, c)
	var wg sync.WaitGroup
	var failed error
	var mu sync.Mutex
	b.ResetTimer()
	start := time.Now()
	for w := range c {
		n := b.N / c
		if w < b.N%c {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, n)
			for range n {
				t0 := time.Now()
				if err := send(); err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			lat[w] = mine
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if failed != nil {
		b.Fatal(failed)
	}
	reportLatencies(b, slices.Concat(lat...), elapsed)
}

// reportLatencies reports the p50 and p99 of all, in µs, and the requests
// a second that all took elapsed.
func reportLatencies(b *testing.B, all []time.Duration, elapsed time.Duration) {
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Nanoseconds()) / 1e3 }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
}
