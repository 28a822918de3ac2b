package judge

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/callconform/callconform/harness/match"

	"github.com/callconform/callconform/harness/timeline"
)

// BenchmarkJudge judges N notifications against 100 expectations: one
// "start" that every other expectation comes after, and 99 that each take
// an equal share of the rest, on their own resource, arriving round-robin.
// The ns/notification metric must stay flat as N grows (not quadratic),
// with literal resources (indexed) and regex ones (cached per resource).
func BenchmarkJudge(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		for _, kind := range []string{"literal", "regex"} {
			b.Run(fmt.Sprintf("resources=%s/notifications=%d", kind, n), func(b *testing.B) {
				benchJudge(b, n, kind == "regex")
			})
		}
	}
}

// benchJudge judges n notifications; with regex, every expectation's
// resource is a regular expression, as many fixtures write them.
func benchJudge(b *testing.B, n int, regex bool) {
	const exps = 100
	per := (n - 1) / (exps - 1)
	block := Block{Expect: []Expectation{exp("start", "updated", call, "established")}}
	for i := 1; i < exps; i++ {
		e := exp(fmt.Sprintf("e%d", i), "updated", fmt.Sprintf("%s/participants/%d", call, i), "established", "start")
		if regex {
			m, err := match.CompileResource(json.RawMessage(fmt.Sprintf(`"~/participants/%d$"`, i)))
			if err != nil {
				b.Fatal(err)
			}
			e.Resource = m
		}
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
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/judge")
}
