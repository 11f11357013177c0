package mastodon

import (
	"encoding/json"
	"testing"

	gomastodon "github.com/mattn/go-mastodon"
)

func TestIDString(t *testing.T) {
	for in, want := range map[any]string{nil: "", "01ABC": "01ABC", float64(109860146380839250): "109860146380839250", gomastodon.ID("7"): "7",
		json.Number("109860146380839251"): "109860146380839251"} {
		if got := IDString(in); got != want {
			t.Errorf("IDString(%v) = %q, want %q", in, got, want)
		}
	}
}
