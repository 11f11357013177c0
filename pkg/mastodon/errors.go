package mastodon

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	gomastodon "github.com/mattn/go-mastodon"

	"github.com/oeru/copharvest/pkg/text"
)

// ErrUnauthorized means the server wants a (valid) access token.
var ErrUnauthorized = errors.New("the server refused the request without a valid access token")

// TokenRejectedError is a 401 to a request that carried a token: the token
// is wrong, expired or revoked (not missing). It is also ErrUnauthorized.
type TokenRejectedError struct{ Message string }

func (e *TokenRejectedError) Error() string {
	return fmt.Sprintf("the server rejected the access token (wrong, expired or revoked): %s", e.Message)
}
func (e *TokenRejectedError) Is(target error) bool { return target == ErrUnauthorized }

// ErrNotFound means the resource does not exist (a deleted status, or an
// unknown tag on servers such as GoToSocial).
var ErrNotFound = errors.New("not found")

// NetworkError is a request that kept failing below HTTP (refused, reset,
// timed out, cut off) after every retry.
type NetworkError struct {
	Path     string
	Attempts int
	Err      error
}

func (e *NetworkError) Error() string {
	return fmt.Sprintf("GET %s failed after %d attempts: %v", e.Path, e.Attempts, e.Err)
}
func (e *NetworkError) Unwrap() error { return e.Err }

// RateLimitError is a rate-limit wait longer than the caller allows.
type RateLimitError struct {
	Path     string
	Wait     time.Duration
	Attempts int // > 0: still refused (429) after this many attempts
}

func (e *RateLimitError) Error() string {
	if e.Attempts > 0 {
		return fmt.Sprintf("rate limited at %s: the server still answered 429 after %d attempts", e.Path, e.Attempts)
	}
	return fmt.Sprintf("rate limit reached at %s: the server's window resets in %s, longer than the allowed wait", e.Path, e.Wait.Round(time.Second))
}

// NotMastodonError is an API path answered with a web page: the URL is not a
// Mastodon-API server (or a proxy/login wall is in the way).
type NotMastodonError struct {
	Path        string
	ContentType string
}

func (e *NotMastodonError) Error() string {
	return fmt.Sprintf("%s answered with %s, not JSON: this does not look like a Mastodon-API server", e.Path, e.ContentType)
}

// MalformedError is a 2xx answer whose body is not valid JSON, even after retries.
type MalformedError struct {
	Path string
	Size int
}

func (e *MalformedError) Error() string {
	if e.Size < 0 {
		return fmt.Sprintf("the server's %s is malformed JSON", e.Path)
	}
	return fmt.Sprintf("%s answered with %d bytes of malformed JSON", e.Path, e.Size)
}

// StatusError is any other HTTP error status.
type StatusError struct {
	Code    int
	Message string
}

func (e *StatusError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("HTTP %d", e.Code)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Code, e.Message)
}

// translate turns go-mastodon's errors into ours so callers can use errors.Is/As.
// translate maps go-mastodon's errors to ours; withToken says whether the
// request carried a token, to tell a wrong token from a missing one.
func translate(err error, withToken bool) error {
	if err == nil {
		return nil
	}
	var netErr *NetworkError
	var rl *RateLimitError
	if errors.As(err, &netErr) || errors.As(err, &rl) {
		return err
	}
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typeErr) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &MalformedError{Path: "response", Size: -1}
	}
	var api *gomastodon.APIError
	if errors.As(err, &api) {
		// The message is the server's text: never let it drive a terminal.
		api.Message = text.ForTerminal(api.Message)
		switch api.StatusCode {
		case 401:
			if withToken {
				return &TokenRejectedError{Message: api.Message}
			}
			return fmt.Errorf("%w (%s)", ErrUnauthorized, api.Message)
		case 404:
			return ErrNotFound
		default:
			return &StatusError{Code: api.StatusCode, Message: api.Message}
		}
	}
	return err
}
