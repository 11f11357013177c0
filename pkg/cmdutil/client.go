package cmdutil

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/oeru/copharvest/pkg/build"
	"github.com/oeru/copharvest/pkg/mastodon"
)

// NewClient builds the Mastodon client for one instance. Every wait is
// logged: a pause is never silent.
// minBackoff 0 means the client's default.
func NewClient(instance, token string, tr http.RoundTripper, minBackoff, timeout time.Duration, log *slog.Logger) (*mastodon.Client, error) {
	return mastodon.New(mastodon.Options{
		Timeout:    timeout,
		Instance:   instance,
		Token:      token,
		UserAgent:  build.UserAgent(),
		HTTP:       tr,
		MinBackoff: minBackoff,
		MaxBackoff: 60 * max(minBackoff, 500*time.Millisecond),
		OnWait: func(w mastodon.Wait) {
			attrs := []any{"instance", instance, "reason", string(w.Reason), "wait", w.Duration.Round(time.Millisecond).String(), "path", w.Path}
			if w.Attempt > 0 {
				attrs = append(attrs, "attempt", w.Attempt)
			}
			if w.Detail != "" {
				attrs = append(attrs, "detail", w.Detail)
			}
			log.Info("waiting", attrs...)
		},
	})
}

// ExplainAPIError adds what the user can do to the errors a sync meets.
func ExplainAPIError(instance string, err error) error {
	var notMastodon *mastodon.NotMastodonError
	var netErr *mastodon.NetworkError
	var rl *mastodon.RateLimitError
	var rejected *mastodon.TokenRejectedError
	switch {
	case errors.As(err, &rejected):
		return fmt.Errorf("%s: the server rejected the token copharvest sent (wrong, expired or revoked): %s.\nCheck --token and COPHARVEST_TOKEN (or MASTODON_TOKEN), or run `copharvest login --instance %s` again", instance, rejected.Message, instance)
	case errors.Is(err, mastodon.ErrUnauthorized):
		return fmt.Errorf("%s: %w.\nGive a token: run `copharvest login --instance %s`, or pass --token, or set COPHARVEST_TOKEN (or MASTODON_TOKEN)", instance, err, instance)
	case errors.As(err, &notMastodon):
		return fmt.Errorf("%s: %w. Check --instance: it should be the address of a Mastodon server such as https://mastodon.oeru.org", instance, err)
	case errors.As(err, &netErr):
		return fmt.Errorf("%s: cannot reach the server: %w", instance, err)
	case errors.As(err, &rl):
		return &PartialError{Err: fmt.Errorf("%s: %w; everything fetched so far is kept, run sync again later", instance, err)}
	}
	return fmt.Errorf("%s: %w", instance, err)
}
