// Package mastodontest is an in-process fake of the Mastodon client API (tag timelines,
// statuses, context, history, boosts and favourites, instance, OAuth) that answers like a
// real Mastodon 4.x or GoToSocial server: same JSON shape, ids, Link paging, rate-limit
// headers and error bodies. Tests, benchmarks and the demo command seed it with statuses,
// mutate them (edit, delete, counts), inject faults and read its request log.
//
// It has no dependency on package testing, so non-test code may start it.
package mastodontest

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Flavors of server behaviour.
const (
	FlavorMastodon   = "mastodon"
	FlavorGoToSocial = "gotosocial"
)

// Options configure a fake server. The zero value is an anonymous-access Mastodon with
// snowflake ids and Mastodon's default limits.
type Options struct {
	// IDs says how new ids are minted: Snowflake (Mastodon) or ULID (GoToSocial).
	IDs IDKind
	// Flavor is "mastodon" (default) or "gotosocial". GoToSocial answers an unknown tag with
	// 404 instead of [], leaves all replies out of tag timelines and has its own 404 body.
	Flavor string
	// OmitReplies leaves replies out of tag timelines even on the mastodon flavor.
	OmitReplies bool
	// Token, when set, is required as "Authorization: Bearer <Token>" on every /api request
	// except the ones that are public on real servers (instance, app registration).
	Token string
	// RateLimit is the number of requests per window per token (per IP without one); 0 = 300.
	RateLimit int
	// RateWindow is the fixed rate-limit window, starting at a key's first request; 0 = 5m.
	RateWindow time.Duration
	// Now is the server clock for Date headers, reset times and minted timestamps; nil = time.Now.
	Now func() time.Time
	// MaxLimit caps the limit parameter of timelines; 0 = 40.
	MaxLimit int
	// Seed makes minted ULIDs reproducible; 0 = 1.
	Seed uint64
	// RemoteHashtagFeed is Mastodon 4.5's timelines_access.hashtag_feeds.remote:
	// "public" (default), "authenticated" (anonymous clients get local posts
	// only, quietly) or "disabled" (local posts only for everyone).
	RemoteHashtagFeed string
}

// Request is one logged request, including faults and rate-limited ones. Status is 0 when
// the connection was reset or abandoned without a response.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Status   int
	Auth     bool // a non-empty bearer token was sent
	Time     time.Time
}

// Server is a running fake Mastodon server. All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL of the server, e.g. http://127.0.0.1:41234 (no trailing slash).
	URL string

	opts    Options
	httpSrv *httptest.Server
	mux     *http.ServeMux
	closing chan struct{}
	closed  sync.Once

	mu        sync.RWMutex // guards the data below
	minter    *idMinter
	entries   map[string]*entry
	order     []string            // every id, ascending, deleted ones too
	tagIndex  map[string][]string // lower-cased tag -> ascending ids
	children  map[string][]string // parent id -> ascending reply ids
	accounts  map[string]Account  // by id
	byAcct    map[string]string   // lower-cased acct -> account id
	recordSeq int                 // ids of favourite and reblog records
	apps      map[string]string   // registered client id -> secret

	logMu    sync.Mutex
	inflight atomic.Int64 // handlers running; the log waits for them
	log      []Request

	rateMu  sync.Mutex
	windows map[string]*rateWindow

	faultMu sync.Mutex
	faults  []*queuedFault

	htmlEverywhere atomic.Bool
}

type rateWindow struct {
	reset time.Time
	count int
}

// NewServer starts a fake server on a loopback port. Call Close when done.
func NewServer(opts Options) *Server {
	if opts.Flavor == "" {
		opts.Flavor = FlavorMastodon
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = 300
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = 5 * time.Minute
	}
	if opts.MaxLimit <= 0 {
		opts.MaxLimit = 40
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	s := &Server{
		opts:     opts,
		closing:  make(chan struct{}),
		minter:   newIDMinter(opts.IDs, opts.Seed),
		entries:  map[string]*entry{},
		tagIndex: map[string][]string{},
		children: map[string][]string{},
		accounts: map[string]Account{},
		byAcct:   map[string]string{},
		windows:  map[string]*rateWindow{},
	}
	s.mux = s.routes()
	s.httpSrv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.httpSrv.URL
	return s
}

// Close stops the server, first releasing requests held by a Hang fault.
func (s *Server) Close() {
	s.closed.Do(func() {
		close(s.closing)
		s.httpSrv.CloseClientConnections()
		s.httpSrv.Close()
	})
}

// Client returns an HTTP client for the server (the httptest one).
func (s *Server) Client() *http.Client { return s.httpSrv.Client() }

// Host is the server's host:port, as it appears in ids of its own accounts and in /instance.
func (s *Server) Host() string { return strings.TrimPrefix(s.URL, "http://") }

func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

func (s *Server) gotosocial() bool { return s.opts.Flavor == FlavorGoToSocial }

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/timelines/tag/{hashtag}", s.handleTagTimeline)
	mux.HandleFunc("GET /api/v1/statuses/{id}", s.handleStatus)
	mux.HandleFunc("GET /api/v1/statuses/{id}/context", s.handleContext)
	mux.HandleFunc("GET /api/v1/statuses/{id}/history", s.handleHistory)
	mux.HandleFunc("GET /api/v1/statuses/{id}/reblogged_by", s.handleRebloggedBy)
	mux.HandleFunc("GET /api/v1/statuses/{id}/favourited_by", s.handleFavouritedBy)
	mux.HandleFunc("GET /api/v1/instance", s.handleInstanceV1)
	mux.HandleFunc("GET /api/v2/instance", s.handleInstanceV2)
	mux.HandleFunc("POST /api/v1/apps", s.handleApps)
	mux.HandleFunc("POST /oauth/token", s.handleToken)
	mux.HandleFunc("GET /api/v1/accounts/verify_credentials", s.handleVerifyCredentials)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, s.notFoundMessage())
	})
	return mux
}

// publicAPI lists the /api endpoints real servers answer without a token.
func publicAPI(r *http.Request) bool {
	switch r.URL.Path {
	case "/api/v1/instance", "/api/v2/instance", "/api/v1/apps":
		return true
	}
	return false
}

// serveHTTP is the outer handler: log, rate limit, faults, then the API itself.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	started := s.now()
	rec := &statusRecorder{ResponseWriter: w}
	s.inflight.Add(1)
	defer func() {
		s.appendLog(Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			Status: rec.status, Auth: bearerToken(r) != "", Time: started})
		s.inflight.Add(-1)
	}()

	if s.htmlEverywhere.Load() {
		serveHTMLPage(rec)
		return
	}

	limited := s.setStandardHeaders(rec.Header(), rateKey(r), started)
	if f, ok := s.takeFault(r.URL.Path); ok {
		s.serveFault(rec, r, f)
		return
	}
	if limited {
		writeError(rec, http.StatusTooManyRequests, "Too many requests")
		return
	}
	s.serveAPI(rec, r)
}

// serveAPI checks the token and dispatches; faults that need a real body call it too.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if s.opts.Token != "" && strings.HasPrefix(r.URL.Path, "/api/") && !publicAPI(r) {
		switch token := bearerToken(r); {
		case token == "":
			writeError(w, http.StatusUnauthorized, "Unauthorized: token not supplied")
			return
		case token != s.opts.Token:
			w.Header().Set("WWW-Authenticate", `Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"`)
			writeError(w, http.StatusUnauthorized, "The access token is invalid")
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// setStandardHeaders sets the headers every response carries and counts the request
// against its key's window; it reports whether the key is over its limit.
func (s *Server) setStandardHeaders(h http.Header, key string, now time.Time) (limited bool) {
	s.rateMu.Lock()
	win := s.windows[key]
	if win == nil || !now.Before(win.reset) {
		win = &rateWindow{reset: now.Add(s.opts.RateWindow)}
		s.windows[key] = win
	}
	win.count++
	remaining := max(s.opts.RateLimit-win.count, 0)
	limited = win.count > s.opts.RateLimit
	reset := win.reset
	s.rateMu.Unlock()

	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.opts.RateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", reset.UTC().Format(TimeLayout))
	return limited
}

// rateKey is the bearer token, or the remote IP for anonymous requests.
func rateKey(r *http.Request) string {
	if token := bearerToken(r); token != "" {
		return "token:" + token
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}

// bearerToken returns the token of an "Authorization: Bearer" header; go-mastodon sends the
// header with an empty token when it has none, which counts as no token.
func bearerToken(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if len(auth) < 7 || !strings.EqualFold(auth[:7], "bearer ") {
		return ""
	}
	return strings.TrimSpace(auth[7:])
}

func (s *Server) notFoundMessage() string {
	if s.gotosocial() {
		return "Not Found: target status not found"
	}
	return "Record not found"
}

// writeError writes {"error": msg} with the status code.
func writeError(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(map[string]string{"error": msg})
	writeJSONBytes(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encode response: "+err.Error())
		return
	}
	writeJSONBytes(w, status, body)
}

func writeJSONBytes(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func serveHTMLPage(w http.ResponseWriter) {
	const page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Welcome</title></head>" +
		"<body><h1>Welcome to our website</h1><p>This is not a Mastodon server.</p></body></html>\n"
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(page))
}

// ServeHTMLEverywhere makes every path answer 200 text/html, like a website that is not a
// Mastodon server (a mistyped instance URL); off restores the API.
func (s *Server) ServeHTMLEverywhere(on bool) { s.htmlEverywhere.Store(on) }

// statusRecorder remembers the status code for the log and passes hijacking through.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// settle waits (up to a second) for handlers still running: a client can read a whole
// response before its handler has returned and logged it.
func (s *Server) settle() {
	for deadline := time.Now().Add(time.Second); s.inflight.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}

// Requests returns a copy of the request log, oldest first. A request is logged when its
// response is finished; requests still being answered are waited for (up to a second).
func (s *Server) Requests() []Request {
	s.settle()
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]Request(nil), s.log...)
}

// CountRequests counts logged requests whose path starts with pathPrefix.
func (s *Server) CountRequests(pathPrefix string) int {
	s.settle()
	s.logMu.Lock()
	defer s.logMu.Unlock()
	n := 0
	for _, req := range s.log {
		if strings.HasPrefix(req.Path, pathPrefix) {
			n++
		}
	}
	return n
}

// Count429 counts logged responses with status 429, real or injected.
func (s *Server) Count429() int {
	s.settle()
	s.logMu.Lock()
	defer s.logMu.Unlock()
	n := 0
	for _, req := range s.log {
		if req.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}

// ResetLog empties the request log (rate-limit windows are kept).
func (s *Server) ResetLog() {
	s.settle()
	s.logMu.Lock()
	s.log = nil
	s.logMu.Unlock()
}

func (s *Server) appendLog(req Request) {
	s.logMu.Lock()
	s.log = append(s.log, req)
	s.logMu.Unlock()
}

// waitOrClose blocks until the request is abandoned or the server closes.
func (s *Server) waitOrClose(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.closing:
	}
}
