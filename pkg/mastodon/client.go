// Package mastodon is copharvest's client for the Mastodon client API. It sits
// on github.com/mattn/go-mastodon with a transport of its own that paces
// requests from the rate-limit headers, retries what is worth retrying and
// keeps every status's JSON as the server sent it.
package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	gomastodon "github.com/mattn/go-mastodon"
)

// PageLimit is the most statuses Mastodon returns in one timeline page.
const PageLimit = 40

// Options configure a Client. Zero values get sensible defaults.
type Options struct {
	Instance   string // base URL, e.g. https://mastodon.oeru.org
	Token      string // user access token; empty = anonymous
	UserAgent  string
	Timeout    time.Duration // per attempt; default 30s
	MaxRetries int           // default 5
	MinBackoff time.Duration // default 500ms
	MaxBackoff time.Duration // default 30s
	MaxWait    time.Duration // longest rate-limit wait accepted; default 16m (Mastodon's paging window is 15m)
	OnWait     func(Wait)    // told of every pause
	Now        func() time.Time
	// Sleep waits out a pause (nil = a real timer that Ctrl-C cuts short).
	// Tests pair it with Now to run rate-limit windows on a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
	HTTP  http.RoundTripper // underlying transport; default http.DefaultTransport
}

// Client talks to one instance with one token. It is safe for concurrent use;
// all goroutines share one rate-limit budget.
type Client struct {
	instance string
	host     string
	cfg      *gomastodon.Config
	http     http.Client
	tr       *transport
}

// Status is a status as go-mastodon decodes it, with the JSON as served.
type Status struct {
	*gomastodon.Status
	Raw json.RawMessage
}

// Account is an account with its JSON as served (go-mastodon's struct lacks
// fields such as indexable and noindex that research ethics needs).
type Account struct {
	*gomastodon.Account
	Raw json.RawMessage
}

// New builds a client for opts.Instance.
func New(opts Options) (*Client, error) {
	inst, err := NormalizeInstance(opts.Instance)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(inst)
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 5
	}
	if opts.MinBackoff == 0 {
		opts.MinBackoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	if opts.MaxWait == 0 {
		opts.MaxWait = 16 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	if opts.HTTP == nil {
		opts.HTTP = http.DefaultTransport
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "copharvest"
	}
	tr := &transport{
		base:       opts.HTTP,
		userAgent:  opts.UserAgent,
		token:      opts.Token,
		origin:     inst,
		maxRetries: opts.MaxRetries,
		minBackoff: opts.MinBackoff,
		maxBackoff: opts.MaxBackoff,
		maxWait:    opts.MaxWait,
		timeout:    opts.Timeout,
		onWait:     opts.OnWait,
		now:        opts.Now,
		sleep:      opts.Sleep,
	}
	c := &Client{
		instance: inst,
		host:     u.Host,
		cfg:      &gomastodon.Config{Server: inst, AccessToken: opts.Token},
		tr:       tr,
	}
	// No http.Client.Timeout: it would also cut rate-limit waits short. The
	// transport gives each attempt its own deadline instead.
	c.http = http.Client{
		Transport: tr,
		// Never follow a redirect to another host with our token.
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != u.Host {
				return fmt.Errorf("refusing redirect to another host (%s)", req.URL.Host)
			}
			if req.URL.Scheme != u.Scheme {
				return fmt.Errorf("refusing redirect from %s to %s (the token must not travel unencrypted)", u.Scheme, req.URL.Scheme)
			}
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
	return c, nil
}

// Instance is the normalised base URL; Host its host name.
func (c *Client) Instance() string { return c.instance }
func (c *Client) Host() string     { return c.host }

// Stats reports requests sent and waits so far.
func (c *Client) Stats() Stats { return c.tr.stats() }

// api returns a go-mastodon client sharing our transport; raw receives the
// response body (go-mastodon's JSONWriter). One per call, so concurrent calls
// never share a buffer.
func (c *Client) api(raw *bytes.Buffer) *gomastodon.Client {
	mc := &gomastodon.Client{Client: c.http, Config: c.cfg, UserAgent: c.tr.userAgent}
	if raw != nil {
		mc.JSONWriter = raw
	}
	return mc
}

// Direction of a timeline page.
type Direction int

const (
	Newest Direction = iota // no cursor: the newest page
	Older                   // max_id: strictly older than the cursor (backfill)
	Newer                   // min_id: the page immediately newer than the cursor (forward)
)

// Page is one page of a tag timeline, newest first.
type Page struct {
	Statuses []Status
	// HasOlder is false when the server sent no rel="next" link: nothing older.
	HasOlder bool
}

// TagPage fetches one page of a tag timeline. Ids are opaque: the cursor is
// passed back exactly as the server gave it.
func (c *Client) TagPage(ctx context.Context, tag string, dir Direction, cursor string, limit int) (Page, error) {
	if limit <= 0 || limit > PageLimit {
		limit = PageLimit
	}
	pg := &gomastodon.Pagination{Limit: int64(limit)}
	switch dir {
	case Older:
		pg.MaxID = gomastodon.ID(cursor)
	case Newer:
		pg.MinID = gomastodon.ID(cursor)
	}
	var raw bytes.Buffer
	list, err := c.api(&raw).GetTimelineHashtag(ctx, tag, false, pg)
	if err != nil {
		return Page{}, fmt.Errorf("tag #%s: %w", tag, translate(err, c.cfg.AccessToken != ""))
	}
	statuses, err := withRaw(list, raw.Bytes())
	if err != nil {
		return Page{}, fmt.Errorf("tag #%s: %w", tag, err)
	}
	// go-mastodon leaves pg with the rel="next" values and zeroes it when the
	// Link header is missing; only the presence of max_id matters to us. We
	// never follow the link's URL, so a Link pointing elsewhere is harmless.
	return Page{Statuses: statuses, HasOlder: pg.MaxID != ""}, nil
}

func withRaw(list []*gomastodon.Status, body []byte) ([]Status, error) {
	raws, err := splitArray(body)
	if err != nil {
		return nil, fmt.Errorf("split statuses: %w", err)
	}
	if len(raws) != len(list) {
		return nil, fmt.Errorf("decoded %d statuses from %d JSON values", len(list), len(raws))
	}
	out := make([]Status, len(list))
	for i, s := range list {
		if s == nil {
			return nil, fmt.Errorf("status %d of the page is null", i)
		}
		out[i] = Status{Status: s, Raw: raws[i]}
	}
	return out, nil
}

// Thread is what /context returns around a status.
type Thread struct {
	Ancestors   []Status // root first
	Descendants []Status
}

// Context fetches the conversation around status id.
func (c *Client) Context(ctx context.Context, id string) (Thread, error) {
	var raw bytes.Buffer
	th, err := c.api(&raw).GetStatusContext(ctx, gomastodon.ID(id))
	if err != nil {
		return Thread{}, fmt.Errorf("context of %s: %w", id, translate(err, c.cfg.AccessToken != ""))
	}
	var parts struct {
		Ancestors   json.RawMessage `json:"ancestors"`
		Descendants json.RawMessage `json:"descendants"`
	}
	if err := json.Unmarshal(raw.Bytes(), &parts); err != nil {
		return Thread{}, fmt.Errorf("context of %s: %w", id, err)
	}
	var out Thread
	if out.Ancestors, err = withRaw(th.Ancestors, orEmpty(parts.Ancestors)); err != nil {
		return Thread{}, fmt.Errorf("context of %s: ancestors: %w", id, err)
	}
	if out.Descendants, err = withRaw(th.Descendants, orEmpty(parts.Descendants)); err != nil {
		return Thread{}, fmt.Errorf("context of %s: descendants: %w", id, err)
	}
	return out, nil
}

func orEmpty(b json.RawMessage) []byte {
	if len(b) == 0 || string(b) == "null" {
		return []byte("[]")
	}
	return b
}

// Status fetches one status; a deleted one gives ErrNotFound.
func (c *Client) Status(ctx context.Context, id string) (Status, error) {
	var raw bytes.Buffer
	s, err := c.api(&raw).GetStatus(ctx, gomastodon.ID(id))
	if err != nil {
		return Status{}, fmt.Errorf("status %s: %w", id, translate(err, c.cfg.AccessToken != ""))
	}
	return Status{Status: s, Raw: append(json.RawMessage(nil), raw.Bytes()...)}, nil
}

// History fetches every version of an edited status, oldest first.
func (c *Client) History(ctx context.Context, id string) ([]*gomastodon.StatusHistory, error) {
	h, err := c.api(nil).GetStatusHistory(ctx, gomastodon.ID(id))
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", id, translate(err, c.cfg.AccessToken != ""))
	}
	return h, nil
}

// RebloggedBy and FavouritedBy list every account that boosted or favourited
// a status, following pages until the end.
func (c *Client) RebloggedBy(ctx context.Context, id string) ([]Account, error) {
	return c.accounts(ctx, id, "boosts", func(mc *gomastodon.Client, pg *gomastodon.Pagination) ([]*gomastodon.Account, error) {
		return mc.GetRebloggedBy(ctx, gomastodon.ID(id), pg)
	})
}

func (c *Client) FavouritedBy(ctx context.Context, id string) ([]Account, error) {
	return c.accounts(ctx, id, "favourites", func(mc *gomastodon.Client, pg *gomastodon.Pagination) ([]*gomastodon.Account, error) {
		return mc.GetFavouritedBy(ctx, gomastodon.ID(id), pg)
	})
}

func (c *Client) accounts(ctx context.Context, id, what string, get func(*gomastodon.Client, *gomastodon.Pagination) ([]*gomastodon.Account, error)) ([]Account, error) {
	var out []Account
	pg := &gomastodon.Pagination{Limit: 80}
	for page := 0; page < 1000; page++ {
		var raw bytes.Buffer
		list, err := get(c.api(&raw), pg)
		if err != nil {
			return out, fmt.Errorf("%s of %s: %w", what, id, translate(err, c.cfg.AccessToken != ""))
		}
		var raws []json.RawMessage
		if err := json.Unmarshal(raw.Bytes(), &raws); err != nil || len(raws) != len(list) {
			return out, fmt.Errorf("%s of %s: cannot split accounts", what, id)
		}
		for i, a := range list {
			if a != nil {
				out = append(out, Account{Account: a, Raw: raws[i]})
			}
		}
		if len(list) == 0 || pg.MaxID == "" {
			return out, nil
		}
		pg = &gomastodon.Pagination{MaxID: pg.MaxID, Limit: 80}
	}
	return out, nil
}

// HashtagAccess is the instance's setting for anonymous/remote tag feeds
// (Mastodon 4.5+: "public", "authenticated" or "disabled"; "" when unknown).
type HashtagAccess struct {
	Local, Remote string
}

// TagFeedAccess reads /api/v2/instance to explain an empty tag timeline.
func (c *Client) TagFeedAccess(ctx context.Context) (HashtagAccess, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.instance+"/api/v2/instance", nil)
	if err != nil {
		return HashtagAccess{}, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return HashtagAccess{}, fmt.Errorf("instance info: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return HashtagAccess{}, &StatusError{Code: resp.StatusCode}
	}
	var v struct {
		Configuration struct {
			TimelinesAccess struct {
				HashtagFeeds struct {
					Local  string `json:"local"`
					Remote string `json:"remote"`
				} `json:"hashtag_feeds"`
			} `json:"timelines_access"`
		} `json:"configuration"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return HashtagAccess{}, fmt.Errorf("instance info: %w", err)
	}
	f := v.Configuration.TimelinesAccess.HashtagFeeds
	return HashtagAccess{Local: f.Local, Remote: f.Remote}, nil
}

// ErrNoInstance: an empty instance address.
var ErrNoInstance = errors.New("no instance given")

// NormalizeInstance turns "mastodon.oeru.org", "https://mastodon.oeru.org/"
// and the like into "https://mastodon.oeru.org".
func NormalizeInstance(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ErrNoInstance
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("instance %q is not a URL like https://mastodon.example", s)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("instance %q: scheme must be https (or http for a local test server)", s)
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		return "", fmt.Errorf("instance %q: give the server's address only, without a path", s)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}

// NormalizeTag accepts "#COP", "cop" or " Cop " and returns "cop". Mastodon
// compares tags case-insensitively and returns them lower-cased.
func NormalizeTag(s string) (string, error) {
	t := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "#"))
	if t == "" {
		return "", fmt.Errorf("tag %q is empty", s)
	}
	for _, r := range t {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || unicode.Is(unicode.Mn, r)) {
			return "", fmt.Errorf("tag %q: a hashtag holds letters, digits and _ only", s)
		}
	}
	return t, nil
}

// CompareIDs orders opaque status ids: shorter first, then bytewise. That is
// numeric order for Mastodon's snowflakes and time order for ULIDs.
func CompareIDs(a, b string) int {
	return gomastodon.ID(a).Compare(gomastodon.ID(b))
}
