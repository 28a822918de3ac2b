package recorder

import (
	"bytes"
	"net/http"
	"strings"
)

// upstreamBase is the upstream's base URL without its trailing slash, as
// it writes absolute URLs (https://graph.microsoft.com/beta).
func (r *Recorder) upstreamBase() string {
	u := *r.upstream
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimRight(u.String(), "/")
}

// botBase is the recorder's base URL as the bot reached it: BaseURL, or
// http://{the request's Host}.
func (r *Recorder) botBase(req *http.Request) string {
	if r.cfg.BaseURL != "" {
		return strings.TrimRight(r.cfg.BaseURL, "/")
	}
	scheme := "http"
	if req.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + req.Host
}

// rebasedHeaders are the answer headers that may hold an absolute URL of
// the upstream.
var rebasedHeaders = []string{"Location", "Content-Location"}

// rebaseHeaders writes the recorder's base in place of the upstream's in
// the headers of an answer that carry a URL.
func (r *Recorder) rebaseHeaders(resp *http.Response, base string) {
	if base == "" {
		return
	}
	from := r.upstreamBase()
	for _, h := range rebasedHeaders {
		if v := resp.Header.Get(h); v != "" {
			resp.Header.Set(h, string(rebase([]byte(v), from, base)))
		}
	}
}

// rebase replaces every absolute URL under the base from in b by the same
// URL under to: from followed by the end, '/', '?', '#' or a quote.
func rebase(b []byte, from, to string) []byte {
	if from == "" || to == "" || from == to || !bytes.Contains(b, []byte(from)) {
		return b
	}
	f := []byte(from)
	var out bytes.Buffer
	out.Grow(len(b))
	for {
		i := bytes.Index(b, f)
		if i < 0 {
			out.Write(b)
			return out.Bytes()
		}
		end := i + len(f)
		out.Write(b[:i])
		if end == len(b) || strings.IndexByte(`/?#"'`, b[end]) >= 0 {
			out.WriteString(to)
		} else {
			out.Write(f) // a longer base (.../beta2), not this one
		}
		b = b[end:]
	}
}

// closedSink is a journal's file after Close: nothing more is written.
type closedSink struct{ f *fileSink }

func (c *closedSink) append([]byte) error         { return nil }
func (c *closedSink) size() int64                 { return c.f.size() }
func (c *closedSink) snapshot() (snapshot, error) { return c.f.snapshot() }
