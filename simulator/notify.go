package simulator

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// closeWait bounds how long Close waits for delivery workers.
const closeWait = 5 * time.Second

// Delivery defaults; DeliveryConfig says why.
const (
	defaultAttempts        = 5
	defaultBackoff         = 100 * time.Millisecond
	defaultMaxBackoff      = 2 * time.Second
	defaultDeliveryTimeout = 15 * time.Second
)

// delivery is one notification POST and what happens around it.
type delivery struct {
	url  string // the call's callback
	aud  string // app id the notification token is for
	body []byte // commsNotifications JSON
	// before runs in the call's worker just before the first attempt: the
	// state change the notification announces becomes visible then. When
	// it returns false the notification is obsolete (its call ended before
	// its turn) and is not sent.
	before func() bool
	// after runs once the notification was delivered or given up (not when
	// the simulator closes): what must follow it causally, on another call.
	after func()
}

// queue is the ordered notifications of one call. One worker goroutine per
// non-empty queue delivers them one at a time and exits when it is empty.
type queue struct {
	mu      sync.Mutex
	items   []*delivery
	running bool
}

// notifier delivers notifications with retries and counts the outcome.
type notifier struct {
	client     *http.Client
	ownClient  bool
	attempts   int
	backoff    time.Duration
	maxBackoff time.Duration
	timeout    time.Duration
	step       time.Duration
	log        *slog.Logger
	auth       func(aud string) (string, error)

	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.RWMutex // guards closed against wg.Add
	closed bool
	wg     sync.WaitGroup

	queued    atomic.Int64
	workers   atomic.Int64
	delivered atomic.Uint64
	retried   atomic.Uint64
	lost      atomic.Uint64
	skipped   atomic.Uint64
}

func newNotifier(d DeliveryConfig, step time.Duration, log *slog.Logger, auth func(string) (string, error)) *notifier {
	n := &notifier{
		client: d.HTTPClient, attempts: d.Attempts, backoff: d.Backoff, maxBackoff: d.MaxBackoff,
		timeout: d.Timeout, step: step, log: log, auth: auth,
	}
	if n.attempts == 0 {
		n.attempts = defaultAttempts
	}
	if n.backoff == 0 {
		n.backoff = defaultBackoff
	}
	if n.maxBackoff == 0 {
		n.maxBackoff = defaultMaxBackoff
	}
	if n.timeout == 0 {
		n.timeout = defaultDeliveryTimeout
	}
	if n.client == nil {
		n.ownClient = true
		n.client = &http.Client{
			Transport: &http.Transport{
				Proxy:                 http.ProxyFromEnvironment,
				DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				MaxIdleConns:          1024,
				MaxIdleConnsPerHost:   256,
				IdleConnTimeout:       90 * time.Second,
				TLSHandshakeTimeout:   5 * time.Second,
				ExpectContinueTimeout: time.Second,
				ForceAttemptHTTP2:     true,
			},
			// A bot may answer 302 to move a call to another region; the
			// simulator does not follow, it counts the notification as refused.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	return n
}

// enqueue appends ds to q and starts q's worker if it is idle. After close,
// the notifications are counted as lost.
func (n *notifier) enqueue(q *queue, ds ...*delivery) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.closed {
		n.lost.Add(uint64(len(ds)))
		return
	}
	q.mu.Lock()
	q.items = append(q.items, ds...)
	n.queued.Add(int64(len(ds)))
	start := !q.running
	if start {
		q.running = true
		n.wg.Add(1)
		n.workers.Add(1)
	}
	q.mu.Unlock()
	if start {
		go n.run(q)
	}
}

// run delivers q's notifications in order until q is empty.
func (n *notifier) run(q *queue) {
	defer n.wg.Done()
	for i := 0; ; i++ {
		q.mu.Lock()
		if len(q.items) == 0 || n.ctx.Err() != nil {
			dropped := len(q.items)
			q.items = nil
			q.running = false
			n.workers.Add(-1)
			q.mu.Unlock()
			n.queued.Add(-int64(dropped))
			n.lost.Add(uint64(dropped))
			return
		}
		d := q.items[0]
		q.items[0] = nil
		q.items = q.items[1:]
		q.mu.Unlock()
		if i > 0 && n.step > 0 && !n.sleep(n.step) {
			n.queued.Add(-1)
			n.lost.Add(1)
			continue
		}
		if d.before == nil || d.before() {
			n.deliver(d)
		} else {
			n.queued.Add(-1)
			n.skipped.Add(1)
		}
		if d.after != nil && n.ctx.Err() == nil {
			d.after()
		}
	}
}

// deliver POSTs d, retrying failures (connection errors, timeouts, 408, 429,
// 5xx) with a doubling, jittered backoff, and counts it delivered or lost.
// A POST that timed out may have reached the bot: the retry is then a
// redelivery, which is what at least once means.
func (n *notifier) deliver(d *delivery) {
	defer n.queued.Add(-1)
	wait := n.backoff
	for attempt := 1; ; attempt++ {
		status, err := n.post(d)
		if err == nil && status >= 200 && status < 300 {
			n.delivered.Add(1)
			if n.log.Enabled(context.Background(), slog.LevelDebug) {
				n.log.Debug("simulator: notification delivered", "callback", redactURL(d.url), "attempts", attempt)
			}
			return
		}
		if n.ctx.Err() != nil {
			n.lost.Add(1)
			return
		}
		retryable := err != nil || status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests
		if !retryable || attempt >= n.attempts {
			n.lost.Add(1)
			n.log.Warn("simulator: notification lost", "callback", redactURL(d.url), "attempts", attempt,
				"status", status, "error", errString(err))
			return
		}
		n.retried.Add(1)
		n.log.Debug("simulator: notification retry", "callback", redactURL(d.url), "attempt", attempt,
			"status", status, "error", errString(err))
		if !n.sleep(jitter(wait)) {
			n.lost.Add(1)
			return
		}
		wait = min(2*wait, n.maxBackoff)
	}
}

// post sends d once and returns the callback's status.
func (n *notifier) post(d *delivery) (int, error) {
	ctx, cancel := context.WithTimeout(n.ctx, n.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "callconform-simulator")
	auth, err := n.auth(d.aud)
	if err != nil {
		return 0, fmt.Errorf("sign notification token: %w", err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// jitter returns a wait drawn at random in [d/2, d].
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d-d/2+1)
}

// sleep waits d, or returns false as soon as the notifier closes.
func (n *notifier) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-n.ctx.Done():
		return false
	}
}

// close stops the workers (in-flight POSTs are cancelled, queued
// notifications dropped and counted lost) and waits for them, at most
// closeWait. It closes the idle connections of its own client first and
// last, whatever happens: the bots' servers must not wait for them when
// they shut down (a spare connection that never carried a request holds
// an http.Server's Shutdown for 5 s).
func (n *notifier) close() error {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	n.cancel()
	n.closeIdle()
	defer n.closeIdle()
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	t := time.NewTimer(closeWait)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
		return fmt.Errorf("simulator: close: %d delivery workers still running after %v", n.workers.Load(), closeWait)
	}
}

// closeIdle closes the idle connections of the notifier's own client; a
// client the caller gave is the caller's to manage.
func (n *notifier) closeIdle() {
	if n.ownClient {
		n.client.CloseIdleConnections()
	}
}

// redactURL keeps scheme, host and path: a callback's query may carry secrets.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
