package apiclient

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// firstBackoff is the wait before the first retry when the answer has no
// Retry-After; each further retry doubles it.
const firstBackoff = 200 * time.Millisecond

// retryable reports whether an answer with this status is retried.
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// retryWait returns how long to wait before retry number retry (from 0):
// Retry-After when h has a valid one, else exponential backoff; bounded by
// limit. asked is the unbounded wait, and fromHeader says where it came from.
func retryWait(h http.Header, retry int, now time.Time, limit time.Duration) (wait, asked time.Duration, fromHeader bool) {
	asked, fromHeader = parseRetryAfter(h.Get("Retry-After"), now)
	if !fromHeader {
		asked = backoff(retry)
	}
	return min(asked, limit), asked, fromHeader
}

// parseRetryAfter reads a Retry-After value: seconds, possibly fractional
// ("2.128"), or an HTTP date. A date in the past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(secs) || secs < 0 {
			return 0, false
		}
		if secs >= float64(math.MaxInt64/int64(time.Second)) {
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// backoff is firstBackoff doubled retry times.
func backoff(retry int) time.Duration {
	if retry >= 32 {
		return time.Duration(math.MaxInt64)
	}
	return firstBackoff << retry
}

// retryText describes one wait for the timeline, such as
// "429: waited 2.128s (retry 1 of 3)".
func retryText(status int, wait, asked time.Duration, fromHeader bool, retry, of int) string {
	s := fmt.Sprintf("%d: waited %s (retry %d of %d", status, wait, retry+1, of)
	switch {
	case !fromHeader:
		s += "; no Retry-After: backoff"
	case asked > wait:
		s += fmt.Sprintf("; Retry-After asked %s, capped", asked)
	}
	return s + ")"
}

// sleep waits d, or until ctx is done, and then returns ctx.Err().
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
