package mastodon

import (
	"encoding/json"
	"fmt"
	"strconv"

	gomastodon "github.com/mattn/go-mastodon"
)

// IDString reads an id that go-mastodon leaves untyped (in_reply_to_id,
// in_reply_to_account_id): a JSON string, a number (some servers), or nil.
func IDString(v any) string {
	switch id := v.(type) {
	case nil:
		return ""
	case string:
		return id
	case gomastodon.ID:
		return string(id)
	case float64:
		return strconv.FormatFloat(id, 'f', -1, 64)
	case json.Number:
		return id.String()
	default:
		return fmt.Sprint(id)
	}
}
