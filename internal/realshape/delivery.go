package realshape

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// delivery is one notification POST: its body, to the callback url.
type delivery struct {
	url  string
	body []byte
}

// queue POSTs deliveries one at a time, in the order pushed, from one
// goroutine: a flow's notifications arrive in the order its script says,
// across calls too (an invite's completion before the replaced call ends).
type queue struct {
	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{} // buffered: a push while the worker posts is not lost
	done   chan struct{} // closed when the worker returns

	mu     sync.Mutex
	items  []delivery
	closed bool
}

func newQueue() *queue {
	ctx, cancel := context.WithCancel(context.Background())
	q := &queue{ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go q.run()
	return q
}

// push queues ds, after every delivery pushed before; after close it drops
// them.
func (q *queue) push(ds ...delivery) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.items = append(q.items, ds...)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// close stops the worker, abandoning the POST under way, and waits for it.
func (q *queue) close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		q.cancel()
	}
	q.mu.Unlock()
	<-q.done
}

func (q *queue) run() {
	defer close(q.done)
	client := &http.Client{Timeout: 10 * time.Second}
	for {
		select {
		case <-q.ctx.Done():
			return
		case <-q.wake:
		}
		for d, ok := q.pop(); ok; d, ok = q.pop() {
			post(q.ctx, client, d)
		}
	}
}

// pop takes the next delivery, if any and the queue is open.
func (q *queue) pop() (delivery, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || len(q.items) == 0 {
		return delivery{}, false
	}
	d := q.items[0]
	q.items = q.items[1:]
	return d, true
}

// post sends d once, as the service sends a notification; what the
// callback answers is the harness's to judge, not the target's.
func post(ctx context.Context, client *http.Client, d delivery) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}
