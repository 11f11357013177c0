package store

import (
	"context"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/pgtest"
)

func TestPGSmoke(t *testing.T) {
	url := pgtest.NewDatabase(t)
	st := open(t, url)
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	p := post("https://a.example/s/1", "1", at)
	res, err := st.SavePage(ctx, "a.example", "cop", []Post{p}, Cursor{Newest: "1", Oldest: "1"})
	if err != nil || res.New != 1 {
		t.Fatalf("first save: %+v %v", res, err)
	}
}
