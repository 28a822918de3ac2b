// Package apiclient is the HTTP client the harness talks to the implementation
// under test with: URL joining, auth, client-request-id, bounded retries on
// 429/503, and a timeline record of every exchange.
//
// It is meant to be imported, as part of harness.Target.
package apiclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/guid"
)

// ErrTimeout is wrapped by Do's error when the target did not answer one
// try within Config.Timeout.
var ErrTimeout = errors.New("target did not answer in time")

// ErrBodyTooLarge is wrapped by Do's error when a response body exceeds
// MaxResponseBody.
var ErrBodyTooLarge = errors.New("response body too large")

// Defaults and bounds of a Client.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxRetries   = 3
	DefaultMaxRetryWait = 30 * time.Second
	MaxResponseBody     = 8 << 20 // 8 MiB: a larger response body is an error
)

// maxRecordedText bounds the text of a non-JSON body in the timeline: 64 KiB.
const maxRecordedText = 64 << 10

// Config configures a Client.
type Config struct {
	// BaseURL is required: the target's base, such as http://127.0.0.1:8480
	// or https://graph.microsoft.com/beta. Request paths are appended to it.
	BaseURL string
	// Auth says how to authenticate; the zero value sends no Authorization.
	Auth Auth
	// Timeout bounds one try of a request, reading the body included; 0 (or
	// less) means 10 s.
	Timeout time.Duration
	// MaxRetries is how many times a 429 or 503 answer is retried; 0 means 3,
	// negative means never.
	MaxRetries int
	// MaxRetryWait bounds one wait before a retry, whatever Retry-After asks;
	// 0 (or less) means 30 s.
	MaxRetryWait time.Duration
	// HTTPClient sends the requests and fetches OAuth2 tokens; nil means a
	// keep-alive client (up to 64 idle connections per host) that does not
	// follow redirects, so that a 3xx is judged as the target answered it.
	HTTPClient *http.Client
}

// Client sends requests to the target. It is safe for concurrent use.
type Client struct {
	base       string
	timeout    time.Duration
	maxRetries int
	maxWait    time.Duration
	hc         *http.Client
	auth       tokenSource
}

// Request is one request to the target.
type Request struct {
	Method string // "" means GET
	// Path is relative to the base URL ("/app/calls", with or without the
	// leading slash) or an absolute http(s) URL.
	Path string
	// Header is sent as given, plus: a fresh client-request-id unless it
	// sets one; Content-Type application/json when there is a body, unless
	// it sets one; the client's bearer token unless it sets Authorization
	// (an empty Authorization value sends none).
	Header http.Header
	Body   []byte
}

// Response is the target's final answer to a Request.
type Response struct {
	Status          int
	Header          http.Header
	Body            []byte
	Retries         int           // how many times the request was retried after 429/503
	Elapsed         time.Duration // from the first try to the final answer, retry waits included
	ClientRequestID string        // the client-request-id sent (the same on every retry)
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("new target client: no base url")
	}
	base, err := parseBase(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("new target client: %w", err)
	}
	c := &Client{
		base:       base,
		timeout:    cfg.Timeout,
		maxRetries: cfg.MaxRetries,
		maxWait:    cfg.MaxRetryWait,
		hc:         cfg.HTTPClient,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.maxWait <= 0 {
		c.maxWait = DefaultMaxRetryWait
	}
	if c.hc == nil {
		c.hc = defaultHTTPClient()
	}
	if c.auth, err = newTokenSource(cfg.Auth, c.hc, c.timeout); err != nil {
		return nil, fmt.Errorf("new target client: %w", err)
	}
	return c, nil
}

// defaultHTTPClient is a keep-alive client that does not follow redirects.
func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Token returns the bearer token the client currently sends, fetching one
// when needed; "" when the client has no auth.
func (c *Client) Token(ctx context.Context) (string, error) {
	return c.auth.token(ctx)
}

// Do sends req, retrying after 429 and 503 as configured, and returns the
// final answer; a 429 or 503 left after the last retry is returned as a
// Response, not an error. Every try, answer and wait is recorded in tl (which
// may be nil), redacted. Errors wrap ErrTimeout, ErrBodyTooLarge, ErrToken or
// ctx's error, and never contain a token.
func (c *Client) Do(ctx context.Context, tl *timeline.Timeline, req Request) (*Response, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	u, err := joinURL(c.base, req.Path)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, timeline.RedactString(req.Path), err)
	}
	header := canonical(req.Header)
	id := header.Get("Client-Request-Id")
	if _, set := header["Client-Request-Id"]; !set {
		id = guid.NewString()
		header.Set("Client-Request-Id", id)
	}
	if _, set := header["Content-Type"]; !set && len(req.Body) > 0 {
		header.Set("Content-Type", "application/json")
	}
	_, ownAuth := header["Authorization"]
	if ownAuth && header.Get("Authorization") == "" {
		header.Del("Authorization")
	}

	rec := recorder{tl: tl, method: method, secrets: c.auth.secrets()}
	rec.url = rec.scrub(u)
	start := time.Now()
	for retry := 0; ; retry++ {
		if !ownAuth {
			tok, err := c.auth.token(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, rec.url, err)
			}
			if tok != "" {
				header.Set("Authorization", "Bearer "+tok)
				rec.token = tok
			}
		}
		resp, err := c.try(ctx, &rec, u, header, req.Body)
		if err != nil {
			return nil, err
		}
		resp.Retries, resp.ClientRequestID = retry, id
		if !retryable(resp.Status) || retry >= c.maxRetries {
			resp.Elapsed = time.Since(start)
			return resp, nil
		}
		wait, asked, fromHeader := retryWait(resp.Header, retry, time.Now(), c.maxWait)
		if err := sleep(ctx, wait); err != nil {
			rec.add(timeline.Event{Kind: timeline.Note, Status: resp.Status, Text: fmt.Sprintf("%d: retry %d of %d abandoned while waiting: %v", resp.Status, retry+1, c.maxRetries, err)})
			return nil, fmt.Errorf("%s %s: wait to retry after %d: %w", method, rec.url, resp.Status, err)
		}
		rec.add(timeline.Event{Kind: timeline.Retry, Status: resp.Status, Elapsed: wait, Text: retryText(resp.Status, wait, asked, fromHeader, retry, c.maxRetries)})
	}
}

// try sends one request and reads its answer within c.timeout.
func (c *Client) try(ctx context.Context, rec *recorder, u string, header http.Header, body []byte) (*Response, error) {
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(tctx, rec.method, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", rec.method, rec.url, err)
	}
	hreq.Header = header.Clone()
	if host := header.Get("Host"); host != "" {
		hreq.Host = host
	}
	rec.add(rec.withBody(timeline.Event{Kind: timeline.Request, Header: header}, body))

	start := time.Now()
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, c.tryError(ctx, tctx, rec, err)
	}
	defer hresp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(hresp.Body, MaxResponseBody+1))
	elapsed := time.Since(start)
	if err != nil {
		return nil, c.tryError(ctx, tctx, rec, err)
	}
	e := timeline.Event{Kind: timeline.Response, Status: hresp.StatusCode, Header: hresp.Header, Elapsed: elapsed}
	if len(b) > MaxResponseBody {
		e.Text = fmt.Sprintf("body larger than %d bytes; first bytes: %s", MaxResponseBody, rec.truncate(b))
		rec.add(e)
		return nil, fmt.Errorf("%s %s: answered %d: %w (more than %d bytes)", rec.method, rec.url, hresp.StatusCode, ErrBodyTooLarge, MaxResponseBody)
	}
	rec.add(rec.withBody(e, b))
	return &Response{Status: hresp.StatusCode, Header: hresp.Header, Body: b}, nil
}

// tryError records and returns the error of one try: ErrTimeout when the
// try's own deadline passed, ctx's error when ctx ended.
func (c *Client) tryError(ctx, tctx context.Context, rec *recorder, err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err // its text repeats the URL, unredacted
	}
	switch {
	case ctx.Err() != nil:
		err = fmt.Errorf("%s %s: %w", rec.method, rec.url, ctx.Err())
	case errors.Is(tctx.Err(), context.DeadlineExceeded):
		err = fmt.Errorf("%s %s: %w (timeout %s)", rec.method, rec.url, ErrTimeout, c.timeout)
	default:
		err = fmt.Errorf("%s %s: %w", rec.method, rec.url, err)
	}
	rec.add(timeline.Event{Kind: timeline.Note, Text: err.Error()})
	return err
}

// canonical returns a copy of h with canonical keys.
func canonical(h http.Header) http.Header {
	out := make(http.Header, len(h)+3)
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		out[ck] = append(out[ck], vs...)
	}
	return out
}
