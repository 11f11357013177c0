package mastodon

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func newClient(t *testing.T, url, token string, waits *[]Wait) *Client {
	t.Helper()
	c, err := New(Options{Instance: url, Token: token, UserAgent: "copharvest/test", MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		OnWait: func(w Wait) {
			if waits != nil {
				*waits = append(*waits, w)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHeadersUserAgentAndToken(t *testing.T) {
	var gotUA, gotAuth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA.Store(r.Header.Get("User-Agent"))
		gotAuth.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("[]"))
	}))
	defer srv.Close()
	if _, err := newClient(t, srv.URL, "", nil).TagPage(context.Background(), "cop", Newest, "", 40); err != nil {
		t.Fatal(err)
	}
	if gotUA.Load() != "copharvest/test" {
		t.Errorf("User-Agent = %q", gotUA.Load())
	}
	if gotAuth.Load() != "" {
		t.Errorf("anonymous request sent Authorization %q", gotAuth.Load())
	}
	if _, err := newClient(t, srv.URL, "tok", nil).TagPage(context.Background(), "cop", Newest, "", 40); err != nil {
		t.Fatal(err)
	}
	if gotAuth.Load() != "Bearer tok" {
		t.Errorf("Authorization = %q", gotAuth.Load())
	}
}

// The server's clock is an hour ahead of ours: pacing must read the reset
// time in the server's clock (its Date header), not wait an hour.
func TestPacingUsesServerClock(t *testing.T) {
	skew := time.Hour
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serverNow := time.Now().Add(skew)
		w.Header().Set("Date", serverNow.UTC().Format(http.TimeFormat))
		w.Header().Set("X-RateLimit-Limit", "300")
		remaining := "0"
		if n.Add(1) > 1 {
			remaining = "299"
		}
		w.Header().Set("X-RateLimit-Remaining", remaining)
		// Date has whole seconds: the reset is 1.5 s after it.
		date, _ := http.ParseTime(w.Header().Get("Date"))
		w.Header().Set("X-RateLimit-Reset", date.Add(1500*time.Millisecond).UTC().Format("2006-01-02T15:04:05.000Z"))
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("[]"))
	}))
	defer srv.Close()
	var waits []Wait
	c := newClient(t, srv.URL, "", &waits)
	for range 2 {
		if _, err := c.TagPage(context.Background(), "cop", Newest, "", 40); err != nil {
			t.Fatal(err)
		}
	}
	if len(waits) != 1 || waits[0].Reason != WaitRateLimit {
		t.Fatalf("waits = %+v, want one rate-limit wait", waits)
	}
	if waits[0].Duration > 2*time.Second {
		t.Errorf("waited %v: the reset was read in our clock, not the server's", waits[0].Duration)
	}
}

func Test429WaitsUntilResetThenSucceeds(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
		w.Header().Set("Content-Type", "application/json")
		if n.Add(1) == 1 {
			w.Header().Set("X-RateLimit-Limit", "300")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", time.Now().Add(300*time.Millisecond).UTC().Format(time.RFC3339Nano))
			w.WriteHeader(429)
			w.Write([]byte(`{"error":"Too many requests"}`))
			return
		}
		w.Write([]byte("[]"))
	}))
	defer srv.Close()
	var waits []Wait
	if _, err := newClient(t, srv.URL, "", &waits).TagPage(context.Background(), "cop", Newest, "", 40); err != nil {
		t.Fatal(err)
	}
	if len(waits) == 0 || waits[0].Reason != WaitTooMany {
		t.Fatalf("waits = %+v", waits)
	}
	if n.Load() != 2 {
		t.Errorf("%d requests, want 2", n.Load())
	}
}

func TestErrorsTranslated(t *testing.T) {
	cases := []struct {
		status int
		ctype  string
		body   string
		check  func(error) bool
	}{
		{401, "application/json", `{"error":"The access token is invalid"}`, func(err error) bool { return errors.Is(err, ErrUnauthorized) }},
		{404, "application/json", `{"error":"Record not found"}`, func(err error) bool { return errors.Is(err, ErrNotFound) }},
		{200, "text/html", `<html>Welcome to my blog</html>`, func(err error) bool { var e *NotMastodonError; return errors.As(err, &e) }},
		{200, "application/json", `[{"id":`, func(err error) bool { var e *MalformedError; return errors.As(err, &e) }},
		{503, "application/json", `{"error":"down"}`, func(err error) bool { var e *StatusError; return errors.As(err, &e) && e.Code == 503 }},
	}
	for _, tc := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", tc.ctype)
			w.WriteHeader(tc.status)
			w.Write([]byte(tc.body))
		}))
		_, err := newClient(t, srv.URL, "", nil).TagPage(context.Background(), "cop", Newest, "", 40)
		if !tc.check(err) {
			t.Errorf("status %d %s: unexpected error %v", tc.status, tc.ctype, err)
		}
		srv.Close()
	}
}

func TestRedirectToOtherHostRefused(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("followed a redirect to another host with %q", r.Header.Get("Authorization"))
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+r.URL.Path, http.StatusFound)
	}))
	defer srv.Close()
	if _, err := newClient(t, srv.URL, "secret", nil).TagPage(context.Background(), "cop", Newest, "", 40); err == nil {
		t.Fatal("redirect to another host was followed")
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"#COP": "cop", " Cop ": "cop", "ds4oers": "ds4oers", "#ÉducationOuverte": "éducationouverte"} {
		if got, err := NormalizeTag(in); err != nil || got != want {
			t.Errorf("NormalizeTag(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "#", "co p", "cop/../x", "a?b"} {
		if _, err := NormalizeTag(bad); err == nil {
			t.Errorf("NormalizeTag(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{"mastodon.oeru.org": "https://mastodon.oeru.org", "https://Mastodon.OERU.org/": "https://mastodon.oeru.org", "http://127.0.0.1:8080": "http://127.0.0.1:8080"} {
		if got, err := NormalizeInstance(in); err != nil || got != want {
			t.Errorf("NormalizeInstance(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "ftp://x.org", "https://x.org/tags/cop"} {
		if _, err := NormalizeInstance(bad); err == nil {
			t.Errorf("NormalizeInstance(%q) accepted", bad)
		}
	}
	if CompareIDs("99", "100") >= 0 || CompareIDs("01M83JN9RD8ZGGE98JQHT9A52D", "01M83JN9T9X5CWZ3JTM2CH23EF") >= 0 {
		t.Error("CompareIDs does not order snowflakes or ULIDs")
	}
}

// An https instance redirecting to http on the same host must never send the
// token in clear text. The two servers both answer as example.com (the name
// in httptest's certificate): https on 443, plain http on 80.
func TestRedirectToHTTPSameHostRefused(t *testing.T) {
	var leaked atomic.Value
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("[]"))
	}))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://example.com"+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	defer secure.Close()
	base := secure.Client().Transport.(*http.Transport).Clone()
	base.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		target := strings.TrimPrefix(plain.URL, "http://")
		if strings.HasSuffix(addr, ":443") {
			target = strings.TrimPrefix(secure.URL, "https://")
		}
		return (&net.Dialer{}).DialContext(ctx, network, target)
	}
	c, err := New(Options{Instance: "https://example.com", Token: "secret-token", HTTP: base, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.TagPage(context.Background(), "cop", Newest, "", 40)
	if got, _ := leaked.Load().(string); strings.Contains(got, "secret-token") {
		t.Fatalf("the token went over plain http: %q", got)
	}
	if err == nil || !strings.Contains(err.Error(), "http") {
		t.Errorf("a downgrade redirect gave %v, want a clear refusal", err)
	}
}

// host:port without a scheme means https; a plain-http server there gets a
// clear explanation at once, not six TLS failures over ten seconds.
func TestPlainHTTPServerGivenWithoutSchemeExplainedAtOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("[]"))
	}))
	defer srv.Close()
	hostPort := strings.TrimPrefix(srv.URL, "http://")
	c, err := New(Options{Instance: hostPort, MinBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.TagPage(context.Background(), "cop", Newest, "", 40)
	// The error says so in a type the command layer turns into "give
	// --instance http://host:port" (cmdutil.Explain).
	var plain *PlainHTTPError
	if !errors.As(err, &plain) || plain.Host != hostPort {
		t.Fatalf("https to a plain-http server: %v, want a PlainHTTPError naming %s", err, hostPort)
	}
	if took := time.Since(start); took > time.Second || c.Stats().Requests > 1 {
		t.Errorf("took %s and %d requests: the error was retried", took, c.Stats().Requests)
	}
}

// Waits of parallel workers overlap: the time spent waiting is their union
// on the clock, not their sum.
func TestWaitedIsWallClockNotSumOfParallelWaits(t *testing.T) {
	clock := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	tr := &transport{now: func() time.Time { return clock }, sleep: func(context.Context, time.Duration) error { return nil }}
	for range 4 { // four workers meet the same 10s reset at once
		tr.wait(context.Background(), Wait{Duration: 10 * time.Second})
	}
	clock = clock.Add(5 * time.Second) // one more, overlapping by 5s
	tr.wait(context.Background(), Wait{Duration: 10 * time.Second})
	if s := tr.stats(); s.Waits != 5 || s.Waited != 15*time.Second {
		t.Errorf("%d waits, waited %s; want 5 waits and 15s", s.Waits, s.Waited)
	}
}

// The skew is read from Date headers of whole seconds: it converges on the
// server's clock from below as responses come (so a wait for a reset ends
// no more than a little after it, never before), and starts afresh when
// the server's clock goes back.
func TestSkewBoundFromWholeSecondDates(t *testing.T) {
	clock := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	tr := &transport{now: func() time.Time { return clock }}
	serverAhead := 2300 * time.Millisecond
	respond := func(latency time.Duration) {
		sent := clock
		clock = clock.Add(latency)
		date := clock.Add(serverAhead).Truncate(time.Second) // what a server writes
		tr.observe(&http.Response{Header: http.Header{"Date": {date.Format(http.TimeFormat)}}}, sent)
	}
	respond(time.Millisecond)
	if tr.skew > serverAhead || tr.skew < serverAhead-time.Second {
		t.Fatalf("after one response: skew %v, want within a second below %v", tr.skew, serverAhead)
	}
	for range 40 { // responses spread over two seconds
		clock = clock.Add(49 * time.Millisecond)
		respond(time.Millisecond)
		if tr.skew > serverAhead {
			t.Fatalf("skew %v is past the server's %v: pacing would run early", tr.skew, serverAhead)
		}
	}
	if tr.skew < serverAhead-60*time.Millisecond {
		t.Errorf("after 41 responses: skew %v, want within 60ms below %v", tr.skew, serverAhead)
	}
	serverAhead = -5 * time.Second // the server's clock is set back
	respond(time.Millisecond)
	if tr.skew > serverAhead || tr.skew < serverAhead-time.Second {
		t.Errorf("after the server's clock went back: skew %v, want within a second below %v", tr.skew, serverAhead)
	}
}

// The quota a response gives is corrected for the requests still in
// flight (the server may have counted them after it), and a late answer
// from a window already over changes nothing: pace would otherwise take the
// current window for over and start it afresh with a full quota.
func TestQuotaCountsRequestsInFlightAndIgnoresStaleWindows(t *testing.T) {
	clock := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	tr := &transport{now: func() time.Time { return clock }}
	answer := func(remaining int, reset time.Time) {
		tr.observe(&http.Response{Header: http.Header{
			"X-Ratelimit-Limit":     {"300"},
			"X-Ratelimit-Remaining": {strconv.Itoa(remaining)},
			"X-Ratelimit-Reset":     {reset.Format(time.RFC3339Nano)},
		}}, clock)
	}
	w1, w2 := clock.Add(time.Second), clock.Add(2*time.Second)
	tr.inflight = 5 // five workers' requests out at once, in a new window
	answer(299, w1) // the first one counted answers first
	if tr.remaining > 295 {
		t.Errorf("remaining %d after the first of five answers, want at most 295", tr.remaining)
	}
	clock = w1.Add(time.Millisecond) // the next window
	tr.inflight = 2
	answer(250, w2)
	before := tr.remaining
	answer(0, w1) // sent in the first window, answered late
	if !tr.reset.Equal(w2) || tr.remaining != before {
		t.Errorf("after a late answer: reset %v, remaining %d; want %v and %d", tr.reset, tr.remaining, w2, before)
	}
	if tr.inflight != 0 {
		t.Errorf("%d requests still counted in flight, want 0", tr.inflight)
	}
}

// A yielding request leaves the last quarter of the window to the others,
// and stops yielding, even mid-wait, once its until is closed.
func TestYieldingRequestsLeaveAQuarterOfTheWindow(t *testing.T) {
	clock := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	slept := make(chan context.Context, 1)
	tr := &transport{now: func() time.Time { return clock }, maxWait: time.Hour,
		sleep: func(ctx context.Context, d time.Duration) error {
			slept <- ctx
			<-ctx.Done() // the window never resets in this test
			return ctx.Err()
		}}
	tr.limit, tr.remaining, tr.reset, tr.haveQuota = 300, 76, clock.Add(time.Minute), true
	until := make(chan struct{})
	yield := Yielding(context.Background(), until)
	if err := tr.pace(yield, "/api/v1/statuses/1/context"); err != nil || tr.remaining != 75 {
		t.Fatalf("above the quarter: %v, remaining %d; want the request to go, 75 left", err, tr.remaining)
	}
	done := make(chan error, 1)
	go func() { done <- tr.pace(yield, "/api/v1/statuses/2/context") }()
	select { // at the quarter: it waits
	case <-slept:
	case err := <-done:
		t.Fatalf("at the quarter the yielding request went at once (%v)", err)
	}
	if err := tr.pace(context.Background(), "/api/v1/timelines/tag/cop"); err != nil || tr.remaining != 74 {
		t.Fatalf("a request that does not yield: %v, remaining %d; want it to go, 74 left", err, tr.remaining)
	}
	close(until)
	select {
	case err := <-done:
		if err != nil || tr.remaining != 73 {
			t.Errorf("once until is closed: %v, remaining %d; want the waiting request to go, 73 left", err, tr.remaining)
		}
	case <-time.After(10 * time.Second): // only a guard against hanging
		t.Fatal("closing until did not end the wait")
	}
}
