package harvest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/oeru/copharvest/pkg/harvest"
	"github.com/oeru/copharvest/pkg/mastodon"
	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
	"github.com/oeru/copharvest/pkg/store"
)

// benchCourse is 1,000 tagged top-level posts: the pages are the same for
// both loops, so the ratio measures what sync adds (decoding, converting,
// storing, cursors) on top of fetching.
func benchCourse(b *testing.B) *mastodontest.Server {
	srv := mastodontest.NewServer(mastodontest.Options{RateLimit: 1 << 30})
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 1000, Tags: []string{"cop"}, Seed: 1})
	return srv
}

// delayed adds a fixed round-trip time to every request, as a real server
// across the Internet has (mastodon.oeru.org is ~20-200 ms away).
type delayed struct{ rtt time.Duration }

func (d delayed) RoundTrip(r *http.Request) (*http.Response, error) {
	time.Sleep(d.rtt)
	return http.DefaultTransport.RoundTrip(r)
}

func BenchmarkPlainGETLoop(b *testing.B)        { plainGETLoop(b, 0) }
func BenchmarkPlainGETLoopRTT20ms(b *testing.B) { plainGETLoop(b, 20*time.Millisecond) }
func BenchmarkSync(b *testing.B)                { benchSync(b, 0) }
func BenchmarkSyncRTT20ms(b *testing.B)         { benchSync(b, 20*time.Millisecond) }

// cpu-ns/op, reported beside the wall time, is the process's CPU time
// (user + system) in the timed part: on a machine shared with other jobs the
// wall time says more about the neighbours than about the code. The fake
// server runs in the same process, so both loops pay for it alike.

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// plainGETLoop pages the tag timeline with bare HTTP GETs, reading each
// body and following max_id, and stores nothing.
func plainGETLoop(b *testing.B, rtt time.Duration) {
	srv := benchCourse(b)
	defer srv.Close()
	hc := &http.Client{Transport: delayed{rtt}}
	b.ResetTimer()
	start := cpuNow()
	defer func() { b.ReportMetric(float64(cpuNow()-start)/float64(b.N), "cpu-ns/op") }()
	for range b.N {
		maxID := ""
		for {
			u := srv.URL + "/api/v1/timelines/tag/cop?limit=40"
			if maxID != "" {
				u += "&max_id=" + url.QueryEscape(maxID)
			}
			resp, err := hc.Get(u)
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var page []struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			maxID = page[len(page)-1].ID
		}
	}
}

// benchSync runs a full first sync of the same pages into a fresh database.
func benchSync(b *testing.B, rtt time.Duration) {
	srv := benchCourse(b)
	defer srv.Close()
	dir := b.TempDir()
	b.ResetTimer()
	var cpu time.Duration
	defer func() { b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op") }()
	for i := range b.N {
		b.StopTimer()
		st, err := store.Open(context.Background(), filepath.Join(dir, "b"+string(rune('a'+i%26))+".db"), false)
		if err != nil {
			b.Fatal(err)
		}
		st.DB().Exec(`DELETE FROM posts`)
		c, _ := mastodon.New(mastodon.Options{Instance: srv.URL, HTTP: delayed{rtt}})
		b.StartTimer()
		start := cpuNow()
		res, err := harvest.Run(context.Background(), st, harvest.Options{Sources: []harvest.Source{{Client: c}}, Tags: []string{"cop"}})
		cpu += cpuNow() - start
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if res.New != 1000 && i < 26 {
			b.Fatalf("stored %d new posts", res.New)
		}
		st.Close()
		b.StartTimer()
	}
}
