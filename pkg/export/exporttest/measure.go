package exporttest

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Peak measures memory while fn runs: the process's peak resident set
// (VmHWM, after resetting it through /proc/self/clear_refs; 0 where Linux
// does not allow that) and the highest Go heap in use, sampled every
// millisecond from runtime/metrics. Both in MB.
func Peak(fn func()) (rssMB, heapMB float64) {
	runtime.GC()
	resetRSS := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	var mu sync.Mutex
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			mu.Lock()
			peak = max(peak, sample[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(stop)
	<-done
	if resetRSS {
		rssMB = vmHWM()
	}
	return rssMB, float64(peak) / (1 << 20)
}

// vmHWM reads the peak resident set size from /proc/self/status, in MB.
func vmHWM() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// Bench runs once under the benchmark's clock, then once more outside it to
// report the peak RSS and heap (peak-RSS-MB, peak-heap-MB).
func Bench(b *testing.B, once func()) {
	b.ResetTimer()
	for b.Loop() {
		once()
	}
	b.StopTimer()
	rss, heap := Peak(once)
	b.ReportMetric(rss, "peak-RSS-MB")
	b.ReportMetric(heap, "peak-heap-MB")
}
