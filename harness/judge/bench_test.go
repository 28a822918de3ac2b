package judge

import (
	"fmt"
	"testing"

	"github.com/callconform/callconform/harness/timeline"
)

// BenchmarkJudge judges N notifications against 100 expectations: one
// "start" that every other expectation comes after, and 99 that each take
// an equal share of the rest, on their own resource, arriving round-robin.
// The ns/notification metric must stay flat as N grows (not quadratic).
func BenchmarkJudge(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("notifications=%d", n), func(b *testing.B) {
			const exps = 100
			per := (n - 1) / (exps - 1)
			block := Block{Expect: []Expectation{exp("start", "updated", call, "established")}}
			for i := 1; i < exps; i++ {
				e := exp(fmt.Sprintf("e%d", i), "updated", fmt.Sprintf("%s/participants/%d", call, i), "established", "start")
				e.Count = per
				block.Expect = append(block.Expect, e)
			}
			items := []timeline.Notification{{Index: 0, Item: established}}
			for k := 0; k < per; k++ {
				for i := 1; i < exps; i++ {
					items = append(items, timeline.Notification{Index: len(items), Item: note("updated", fmt.Sprintf("%s/participants/%d", call, i), "established")})
				}
			}
			b.ResetTimer()
			for b.Loop() {
				j := New(block, nil)
				for _, it := range items {
					j.Offer(it)
				}
				if v := j.Verdict(false); !v.OK {
					b.Fatalf("verdict: %s", v)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(items)), "ns/notification")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/judge")
		})
	}
}
