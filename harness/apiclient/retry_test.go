package apiclient

import (
	"context"
	"errors"
	"math"
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"2.128", 2128 * time.Millisecond, true},
		{"0.01", 10 * time.Millisecond, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"Sun, 01 Mar 2026 12:00:30 GMT", 30 * time.Second, true},
		{"1e30", time.Duration(math.MaxInt64), true},
		{"", 0, false},
		{"-1", 0, false},
		{"NaN", 0, false},
		{"soon", 0, false},
	}
	for _, c := range cases {
		got, ok := parseRetryAfter(c.v, now)
		if got != c.want || ok != c.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", c.v, got, ok, c.want, c.ok)
		}
	}
}

func TestRetryWait(t *testing.T) {
	now := time.Now()
	cases := []struct {
		retryAfter string
		retry      int
		limit      time.Duration
		wait       time.Duration
		asked      time.Duration
		fromHeader bool
	}{
		{"", 0, time.Minute, 200 * time.Millisecond, 200 * time.Millisecond, false},
		{"", 1, time.Minute, 400 * time.Millisecond, 400 * time.Millisecond, false},
		{"", 3, time.Minute, 1600 * time.Millisecond, 1600 * time.Millisecond, false},
		{"", 3, time.Second, time.Second, 1600 * time.Millisecond, false},
		{"", 80, time.Second, time.Second, time.Duration(math.MaxInt64), false},
		{"bogus", 0, time.Minute, 200 * time.Millisecond, 200 * time.Millisecond, false},
		{"2.128", 2, time.Minute, 2128 * time.Millisecond, 2128 * time.Millisecond, true},
		{"3600", 0, 30 * time.Second, 30 * time.Second, time.Hour, true},
	}
	for _, c := range cases {
		h := http.Header{}
		if c.retryAfter != "" {
			h.Set("Retry-After", c.retryAfter)
		}
		wait, asked, fromHeader := retryWait(h, c.retry, now, c.limit)
		if wait != c.wait || asked != c.asked || fromHeader != c.fromHeader {
			t.Errorf("retryWait(Retry-After %q, retry %d, limit %v) = %v, %v, %v; want %v, %v, %v",
				c.retryAfter, c.retry, c.limit, wait, asked, fromHeader, c.wait, c.asked, c.fromHeader)
		}
	}
}

func TestRetryText(t *testing.T) {
	cases := []struct {
		got, want string
	}{
		{retryText(429, 2128*time.Millisecond, 2128*time.Millisecond, true, 0, 3), "429: waited 2.128s (retry 1 of 3)"},
		{retryText(503, 400*time.Millisecond, 400*time.Millisecond, false, 1, 3), "503: waited 400ms (retry 2 of 3; no Retry-After: backoff)"},
		{retryText(429, 30*time.Second, time.Hour, true, 2, 3), "429: waited 30s (retry 3 of 3; Retry-After asked 1h0m0s, capped)"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("retryText = %q, want %q", c.got, c.want)
		}
	}
}

func TestSleepRespectsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	done := make(chan error, 1)
	go func() { done <- sleep(ctx, time.Hour) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("sleep(canceled ctx, 1h) = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sleep ignored its context")
	}
	if err := sleep(t.Context(), 0); err != nil {
		t.Errorf("sleep(ctx, 0) = %v, want nil", err)
	}
}
