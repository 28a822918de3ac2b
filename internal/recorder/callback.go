package recorder

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/callconform/callconform/internal/secret"
)

// isCallbackKey reports whether a JSON member names a callback URL.
func isCallbackKey(k string) bool {
	return strings.EqualFold(k, "callback") || strings.EqualFold(k, "callbackUri") || strings.EqualFold(k, "callbackUrl")
}

func isHTTPURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// callbackURL returns the recorder's callback URL number n.
func (r *Recorder) callbackURL(n int) string {
	return r.public + CallbackPrefix + strconv.Itoa(n)
}

// register remembers a bot's callback URL and returns its number.
func (r *Recorder) register(bot string) int {
	r.cbMu.Lock()
	defer r.cbMu.Unlock()
	r.cbs = append(r.cbs, bot)
	return len(r.cbs)
}

// botURL returns the bot's callback URL number n.
func (r *Recorder) botURL(n int) (string, bool) {
	r.cbMu.RLock()
	defer r.cbMu.RUnlock()
	if n < 1 || n > len(r.cbs) {
		return "", false
	}
	return r.cbs[n-1], true
}

// callbackIndex reads n from a path {PublicURL's path}/callbacks/{n}, with
// or without the public path (a tunnel may strip it).
func (r *Recorder) callbackIndex(p string) (int, bool) {
	if r.pubPath != "" {
		p = strings.TrimPrefix(p, r.pubPath)
	}
	rest, ok := strings.CutPrefix(p, CallbackPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}

// rewriteCallbacks returns body with every callback URL (a string member
// named callback, callbackUri or callbackUrl, at any depth) replaced by one
// of the recorder's, and the numbers given. The rest of the body is kept
// byte for byte; a body that is not JSON is returned as it is.
func (r *Recorder) rewriteCallbacks(body []byte) ([]byte, []int) {
	spans, ok := callbackSpans(body)
	if !ok || len(spans) == 0 {
		return body, nil
	}
	given := map[string]int{}
	var ns []int
	var out bytes.Buffer
	out.Grow(len(body) + 32*len(spans))
	prev := 0
	for _, s := range spans {
		n, ok := given[s.url]
		if !ok {
			n = r.register(s.url)
			given[s.url] = n
			ns = append(ns, n)
		}
		out.Write(body[prev:s.start])
		out.Write(jsonQuote(r.callbackURL(n)))
		prev = s.end
	}
	out.Write(body[prev:])
	return out.Bytes(), ns
}

// callbackSpan is where a callback URL is written in a body, quotes
// included.
type callbackSpan struct {
	start, end int
	url        string
}

// callbackSpans returns where body writes each callback URL, in order; ok
// is false when body is not JSON.
func callbackSpans(body []byte) (spans []callbackSpan, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct{ obj, wantKey bool }
	var stack []frame
	key := ""
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			return spans, true
		}
		if err != nil {
			return nil, false
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top != nil && top.obj {
					top.wantKey = true
				}
				stack = append(stack, frame{obj: t == '{', wantKey: t == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.obj && top.wantKey {
				key, top.wantKey = t, false
				continue
			}
			if top != nil && top.obj {
				top.wantKey = true
				if isCallbackKey(key) && isHTTPURL(t) {
					start := int(before)
					for start < len(body) && body[start] != '"' {
						start++
					}
					spans = append(spans, callbackSpan{start, int(dec.InputOffset()), t})
				}
			}
		default:
			if top != nil && top.obj {
				top.wantKey = true
			}
		}
	}
}

var callbackNumRE = regexp.MustCompile(`[0-9]+`)

// restoreCallbacks replaces the recorder's callback URLs in a JSON body by
// the bot's own, so that the bot sees what it would have seen without the
// recorder.
func (r *Recorder) restoreCallbacks(body []byte) []byte {
	prefix := []byte(r.public + CallbackPrefix)
	if !bytes.Contains(body, prefix) {
		return body
	}
	var out bytes.Buffer
	for {
		i := bytes.Index(body, prefix)
		if i < 0 {
			out.Write(body)
			return out.Bytes()
		}
		out.Write(body[:i])
		rest := body[i+len(prefix):]
		num := callbackNumRE.Find(rest)
		if len(num) == 0 || !bytes.HasPrefix(rest, num) {
			out.Write(prefix)
			body = rest
			continue
		}
		n, _ := strconv.Atoi(string(num))
		bot, ok := r.botURL(n)
		if !ok {
			out.Write(prefix)
			body = rest
			continue
		}
		q := jsonQuote(bot)
		out.Write(q[1 : len(q)-1])
		body = rest[len(num):]
	}
}

// hopHeaders are not forwarded (RFC 9110 §7.6.1).
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		dst[k] = append([]string(nil), vs...)
	}
	for _, h := range hopHeaders {
		dst.Del(h)
	}
}

// relay records a notification POSTed to callback n and forwards it to the
// bot's own callback, then gives the bot's answer (status, headers, body)
// back to the upstream. The Authorization the upstream signed the
// notification with goes to the bot and is never recorded.
func (r *Recorder) relay(w http.ResponseWriter, req *http.Request, n int) {
	bot, ok := r.botURL(n)
	if !ok {
		http.Error(w, "no such callback", http.StatusNotFound)
		return
	}
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "notifications are POSTed", http.StatusMethodNotAllowed)
		return
	}
	body, ok := readBody(w, req, r.maxBody)
	if !ok {
		return
	}
	toBot := r.restoreCallbacks(body)
	e := &exchange{isNote: true, callback: n, body: toBot}
	r.journal.add(e)
	out, err := http.NewRequestWithContext(req.Context(), http.MethodPost, bot, bytes.NewReader(toBot))
	if err != nil {
		r.journal.botAnswer(e, 0)
		http.Error(w, "bad bot callback url", http.StatusBadGateway)
		return
	}
	copyHeader(out.Header, req.Header)
	out.Header.Del("Content-Length")
	resp, err := r.bot.Do(out)
	if err != nil {
		r.journal.botAnswer(e, 0)
		r.log.Warn("recorder: the bot's callback did not answer", "callback", secret.RedactURL(bot), "error", err)
		http.Error(w, "the bot's callback did not answer", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	// Journaled before the upstream hears the bot's answer: what the
	// upstream saw answered is on disk.
	r.journal.botAnswer(e, resp.StatusCode)
	copyHeader(w.Header(), resp.Header)
	w.Header().Del("Content-Length")
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, io.LimitReader(resp.Body, r.maxBody))
}
