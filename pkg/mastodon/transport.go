package mastodon

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// WaitReason says why the transport paused before a request.
type WaitReason string

const (
	WaitRateLimit  WaitReason = "rate limit"      // quota used up: wait for the window to reset
	WaitTooMany    WaitReason = "429"             // the server refused: wait for its reset / Retry-After
	WaitServer     WaitReason = "server error"    // 5xx: back off and retry
	WaitNetwork    WaitReason = "network error"   // connection refused/reset, timeout, truncated body
	WaitBadPayload WaitReason = "malformed reply" // 2xx with a body that is not valid JSON
)

// Wait is reported to the caller for every pause, so no wait is ever silent.
type Wait struct {
	Reason   WaitReason
	Duration time.Duration
	Attempt  int    // 1-based retry number (0 for pacing waits)
	Path     string // request path, never the query or headers (the token is in a header)
	Detail   string
}

// maxBody caps what one response may hold; a page of 40 statuses is ~100 KB.
const maxBody = 64 << 20

// transport is the http.RoundTripper under go-mastodon's client. It paces
// requests from the server's X-RateLimit-* headers so that a normal run never
// sees a 429, waits out the reset when one comes anyway, and retries 5xx and
// network failures with capped, jittered exponential backoff. It buffers each
// body so that a body cut off mid-way is retried like any network error.
type transport struct {
	base       http.RoundTripper
	userAgent  string
	token      string
	origin     string // scheme://host the token belongs to; sent nowhere else
	maxRetries int
	minBackoff time.Duration
	maxBackoff time.Duration
	maxWait    time.Duration // longest single rate-limit wait we accept
	timeout    time.Duration // per attempt, body included
	onWait     func(Wait)
	now        func() time.Time
	sleep      func(ctx context.Context, d time.Duration) error

	mu         sync.Mutex
	limit      int           // X-RateLimit-Limit last seen (0 = unknown)
	remaining  int           // local count of requests left in this window
	reset      time.Time     // end of the window, in server time
	skew       time.Duration // the server's clock minus ours, at most (see observe)
	haveSkew   bool
	haveQuota  bool
	requests   int64
	inflight   int           // requests sent whose answer is not yet observed
	waited     time.Duration // on the clock: overlapping waits count once
	waitUntil  time.Time     // end of the latest wait
	waitEvents int
}

func sleepCtx(ctx context.Context, d time.Duration) error {
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

// RoundTrip implements http.RoundTripper. Only GETs are retried; other
// methods (app registration, token exchange) go through once.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", t.userAgent)
	req.Header.Set("Accept", "application/json")
	// go-mastodon always sends "Bearer <token>", even an empty one, which some
	// servers answer with 401 "invalid token" instead of serving anonymously.
	// The token goes only to the instance it was given for, over the same
	// scheme: a redirect must never carry it elsewhere or to plain http.
	if t.token == "" || req.URL.Scheme+"://"+req.URL.Host != t.origin {
		req.Header.Del("Authorization")
	} else if req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	ctx := req.Context()
	retriable := req.Method == http.MethodGet || req.Method == http.MethodHead

	for attempt := 0; ; attempt++ {
		if err := t.pace(ctx, req.URL.Path); err != nil {
			return nil, err
		}
		sent := t.now()
		resp, body, err := t.do(req)
		if err != nil {
			t.mu.Lock()
			t.inflight--
			t.mu.Unlock()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if why := tlsFailure(req.URL, err); why != nil {
				// Retrying cannot fix a server that does not speak TLS or
				// a certificate we do not trust.
				return nil, &NetworkError{Path: req.URL.Path, Attempts: attempt + 1, Err: fmt.Errorf("%w; %w", err, why)}
			}
			if !retriable || attempt >= t.maxRetries {
				return nil, &NetworkError{Path: req.URL.Path, Attempts: attempt + 1, Err: err}
			}
			if err := t.backoff(ctx, WaitNetwork, attempt, req.URL.Path, err.Error()); err != nil {
				return nil, err
			}
			continue
		}
		t.observe(resp, sent)

		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			if !retriable || attempt >= t.maxRetries {
				// Never hand a 429 to go-mastodon: it would retry on its own
				// for up to an hour, silently.
				return nil, &RateLimitError{Path: req.URL.Path, Wait: t.retryAfter(resp), Attempts: attempt + 1}
			}
			d := t.retryAfter(resp)
			if d > t.maxWait {
				return nil, &RateLimitError{Path: req.URL.Path, Wait: d}
			}
			if err := t.wait(ctx, Wait{Reason: WaitTooMany, Duration: d, Attempt: attempt + 1, Path: req.URL.Path}); err != nil {
				return nil, err
			}
			if resp.Header.Get("Retry-After") != "" {
				// The server said exactly when to come back: that beats
				// the window headers, which may describe a longer window.
				t.mu.Lock()
				t.haveQuota = false
				t.mu.Unlock()
			}
			continue
		case resp.StatusCode >= 500:
			if !retriable || attempt >= t.maxRetries {
				return rebuild(resp, body), nil
			}
			if err := t.backoff(ctx, WaitServer, attempt, req.URL.Path, resp.Status); err != nil {
				return nil, err
			}
			continue
		case resp.StatusCode >= 200 && resp.StatusCode < 300 && strings.HasPrefix(req.URL.Path, "/api/"):
			if isHTML(resp.Header.Get("Content-Type")) {
				return nil, &NotMastodonError{Path: req.URL.Path, ContentType: resp.Header.Get("Content-Type")}
			}
			if !looksComplete(body) {
				if !retriable || attempt >= t.maxRetries {
					return nil, &MalformedError{Path: req.URL.Path, Size: len(body)}
				}
				if err := t.backoff(ctx, WaitBadPayload, attempt, req.URL.Path, fmt.Sprintf("%d bytes of invalid JSON", len(body))); err != nil {
					return nil, err
				}
				continue
			}
		}
		return rebuild(resp, body), nil
	}
}

// do sends one request and reads the whole body, so a connection dropped
// mid-body surfaces here as an error rather than later in the JSON decoder.
func (t *transport) do(req *http.Request) (*http.Response, []byte, error) {
	t.mu.Lock()
	t.requests++
	t.inflight++
	t.mu.Unlock()
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	defer cancel()
	r := req.Clone(ctx)
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return nil, nil, err
		}
		r.Body = b
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read body: %w", err)
	}
	if len(body) > maxBody {
		return nil, nil, fmt.Errorf("response larger than %d bytes", maxBody)
	}
	return resp, body, nil
}

func rebuild(resp *http.Response, body []byte) *http.Response {
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp
}

// looksComplete is a cheap check that a JSON body was not cut off: it opens
// and closes with a matching bracket. A full scan would triple the decoding
// work; a body broken in the middle still fails in the decoder, clearly.
func looksComplete(body []byte) bool {
	b := bytes.TrimSpace(body)
	if len(b) < 2 {
		return false
	}
	first, last := b[0], b[len(b)-1]
	return (first == '[' && last == ']') || (first == '{' && last == '}')
}

func isHTML(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// observe updates the quota from the headers of a response to a request
// sent at sent. The reset time is in the server's clock; the Date header
// tells us how far that is from ours.
func (t *transport) observe(resp *http.Response, sent time.Time) {
	h := resp.Header
	t.mu.Lock()
	defer t.mu.Unlock()
	// The requests still in flight may have been counted after this one:
	// the remaining this response gives is that many too high.
	others := max(t.inflight-1, 0)
	t.inflight = max(t.inflight-1, 0)
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		// Date has whole seconds, cut off: when the server wrote it, its
		// clock read between d and d+1s, at a moment between our sending
		// and now. Pacing must never run ahead of the server, so it uses
		// the greatest lower bound of the skew seen so far: one response
		// alone may leave us waiting up to a second more than needed at
		// each reset, many responses close that gap. A response that
		// rules the bound out (the server's clock went back, or ours
		// forward) starts it afresh.
		lo, hi := d.Sub(t.now()), d.Add(time.Second).Sub(sent)
		if !t.haveSkew || lo > t.skew || hi < t.skew {
			t.skew, t.haveSkew = lo, true
		}
	}
	limit, errL := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	remaining, errR := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	reset, errT := parseResetTime(h.Get("X-RateLimit-Reset"), t.serverNow())
	if errL != nil || errR != nil || errT != nil {
		return
	}
	if t.haveQuota && reset.Before(t.reset) {
		// A late answer from a window already over: taking its quota
		// would make pace think the current window over too, and start
		// it afresh with a full quota.
		return
	}
	remaining = max(remaining-others, 0)
	// Responses to concurrent requests arrive out of order: within one
	// window the smaller remaining is the truer one.
	if t.haveQuota && reset.Equal(t.reset) && remaining > t.remaining {
		remaining = t.remaining
	}
	t.limit, t.remaining, t.reset, t.haveQuota = limit, remaining, reset, true
}

// parseResetTime reads X-RateLimit-Reset: Mastodon sends an ISO 8601 time;
// a few servers send seconds until reset or a Unix time.
func parseResetTime(v string, serverNow time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, errors.New("no reset")
	}
	if ts, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return ts, nil
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return time.Time{}, err
	}
	if n > 1e9 { // a Unix time
		return time.Unix(int64(n), 0), nil
	}
	return serverNow.Add(time.Duration(n * float64(time.Second))), nil
}

func (t *transport) serverNow() time.Time { return t.now().Add(t.skew) }

type yieldingKey struct{}

// Yielding marks the requests made with ctx, until until is closed, as ones
// that can wait: they leave the last quarter of each rate-limit window to
// the other requests. A harvester asks ahead with them what it would
// otherwise ask later, without holding up the requests that must follow
// one another (timeline pages); once those are done, it closes until and
// the requests waiting go on as any other.
func Yielding(ctx context.Context, until <-chan struct{}) context.Context {
	return context.WithValue(ctx, yieldingKey{}, until)
}

// yielding: ctx's requests still leave a share of the window.
func yielding(ctx context.Context) (until <-chan struct{}, ok bool) {
	until, _ = ctx.Value(yieldingKey{}).(<-chan struct{})
	if until == nil {
		return nil, false
	}
	select {
	case <-until:
		return nil, false
	default:
		return until, true
	}
}

// pace blocks while the local quota is used up (for a yielding request,
// down to the quarter it leaves). Each request takes one unit before it is
// sent, so concurrent workers never overrun the window.
func (t *transport) pace(ctx context.Context, path string) error {
	for {
		until, yields := yielding(ctx)
		t.mu.Lock()
		reserve := 0
		if yields {
			reserve = t.limit / 4
		}
		if !t.haveQuota || t.remaining > reserve {
			if t.haveQuota {
				t.remaining--
			}
			t.mu.Unlock()
			return nil
		}
		d := t.reset.Sub(t.serverNow()) + resetMargin
		if d <= 0 {
			// The window has passed: assume a fresh quota until the next
			// response says otherwise.
			t.remaining = t.limit - 1
			t.mu.Unlock()
			return nil
		}
		t.mu.Unlock()
		if d > t.maxWait {
			return &RateLimitError{Path: path, Wait: d}
		}
		wctx := ctx
		if yields {
			// The wait ends when the request no longer yields: the
			// quarter it left may be there to take.
			var cancel context.CancelFunc
			wctx, cancel = context.WithCancel(ctx)
			defer cancel()
			go func() {
				select {
				case <-until:
					cancel()
				case <-wctx.Done():
				}
			}()
		}
		if err := t.wait(wctx, Wait{Reason: WaitRateLimit, Duration: d, Path: path}); err != nil && ctx.Err() != nil {
			return err
		}
		t.mu.Lock()
		if !t.reset.After(t.serverNow()) {
			t.remaining = t.limit
		}
		t.mu.Unlock()
	}
}

// resetMargin absorbs the server's own rounding of its window boundaries.
const resetMargin = 100 * time.Millisecond

func (t *transport) retryAfter(resp *http.Response) time.Duration {
	if v := resp.Header.Get("Retry-After"); v != "" {
		if secs, err := strconv.Atoi(v); err == nil {
			return time.Duration(secs) * time.Second
		}
		if at, err := http.ParseTime(v); err == nil {
			t.mu.Lock()
			defer t.mu.Unlock()
			return max(at.Sub(t.serverNow()), 0)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.haveQuota {
		if d := t.reset.Sub(t.serverNow()) + resetMargin; d > 0 {
			return d
		}
	}
	return t.minBackoff
}

func (t *transport) backoff(ctx context.Context, reason WaitReason, attempt int, path, detail string) error {
	d := t.minBackoff << attempt
	if d > t.maxBackoff || d <= 0 {
		d = t.maxBackoff
	}
	// Full jitter between half and the whole delay keeps retries of several
	// harvesters from arriving in lockstep.
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	return t.wait(ctx, Wait{Reason: reason, Duration: d, Attempt: attempt + 1, Path: path, Detail: detail})
}

func (t *transport) wait(ctx context.Context, w Wait) error {
	// Parallel workers often wait out the same reset: count the time on
	// the clock during which something waited, not the sum of the waits.
	t.mu.Lock()
	start := t.now()
	end := start.Add(w.Duration)
	switch {
	case !start.Before(t.waitUntil):
		t.waited += w.Duration
		t.waitUntil = end
	case end.After(t.waitUntil):
		t.waited += end.Sub(t.waitUntil)
		t.waitUntil = end
	}
	t.waitEvents++
	t.mu.Unlock()
	if t.onWait != nil {
		t.onWait(w)
	}
	return t.sleep(ctx, w.Duration)
}

// Stats is what the transport has done so far.
type Stats struct {
	Requests int64
	Waits    int
	Waited   time.Duration
}

func (t *transport) stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Stats{Requests: t.requests, Waits: t.waitEvents, Waited: t.waited}
}

// PlainHTTPError: the server answered https with plain http.
type PlainHTTPError struct{ Host string }

func (e *PlainHTTPError) Error() string {
	return fmt.Sprintf("the server at %s speaks plain http, not https", e.Host)
}

// tlsFailure explains the TLS failures that no retry can fix (nil for others).
func tlsFailure(u *url.URL, err error) error {
	var header tls.RecordHeaderError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &header) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return &PlainHTTPError{Host: u.Host}
	case errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &verify):
		return fmt.Errorf("the certificate of %s cannot be trusted; check the address", u.Host)
	}
	return nil
}
