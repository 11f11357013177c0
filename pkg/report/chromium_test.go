package report

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/testenv"
)

// chromium finds the browser, or skips loudly: CI (.ci/run) installs
// Debian's chromium, so a skip there means the install failed.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := "chromium not found; the HTML report's screenshot test did NOT run (apt-get install chromium; .ci/run does it)"
	fmt.Fprintln(os.Stderr, "\n!!! "+msg)
	testenv.Missing(t, "%s", msg)
	return ""
}

// runChromium runs headless Chromium on page with extra flags and returns
// what it wrote on stdout and stderr (console messages are logged there).
func runChromium(t *testing.T, browser, page string, flags ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0", "--hide-scrollbars"}, flags...)
	args = append(args, "file://"+page)
	cmd := exec.CommandContext(ctx, browser, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errOut.String())
	}
	return out.String(), errOut.String()
}

// consoleLines returns the console messages Chromium logged.
func consoleLines(stderr string) []string {
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, ":CONSOLE") || strings.Contains(l, "Content Security Policy") || strings.Contains(l, "Uncaught") {
			lines = append(lines, l)
		}
	}
	return lines
}

// TestHTMLReportInChromium renders the course's W47 report in headless
// Chromium: a screenshot shows all five charts drawn (each chart's own
// colour covers enough pixels), no console message appears (a control page
// proves console errors would be seen), and the browser's DOM holds the
// post with <script> as text, not as an element.
func TestHTMLReportInChromium(t *testing.T) {
	browser := chromium(t)
	rep, _ := build(t, time.UTC)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	if err := WriteHTML(&buf, rep); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	// Control: the same logging sees a console error when there is one.
	control := filepath.Join(dir, "control.html")
	os.WriteFile(control, []byte(`<!DOCTYPE html><title>c</title><script>console.error("copharvest-probe")</script>`), 0o644)
	if _, stderr := runChromium(t, browser, control, "--dump-dom"); !strings.Contains(stderr, "copharvest-probe") {
		t.Fatalf("console errors are not visible in Chromium's log, so their absence proves nothing:\n%s", stderr)
	}

	shot := filepath.Join(dir, "report.png")
	_, stderr := runChromium(t, browser, page, "--screenshot="+shot, "--window-size=1200,2400")
	if lines := consoleLines(stderr); len(lines) > 0 {
		t.Errorf("console messages while rendering the report:\n%s", strings.Join(lines, "\n"))
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, stderr)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	trajectory := VerdictColor(rep.Communities[0].Verdict) // the last weeks of the first community's row
	counts := countColors(img, ColorPosts, ColorReplies, ColorDomain, ColorCommunity, ColorPractice, ColorNew, ColorReturning, NetworkNodeColor, trajectory)
	t.Logf("screenshot %dx%d, HTML %d bytes; pixels per chart colour: %v", b.Dx(), b.Dy(), buf.Len(), counts)
	for name, color := range map[string]string{"activity per day": ColorPosts, "triad per community": ColorPractice,
		"new vs returning members": ColorNew, "interaction network": NetworkNodeColor, "verdict trajectory": trajectory} {
		if counts[color] < 40 {
			t.Errorf("chart %q not drawn: %d pixels of %s", name, counts[color], color)
		}
	}

	dom, stderr := runChromium(t, browser, page, "--dump-dom")
	if lines := consoleLines(stderr); len(lines) > 0 {
		t.Errorf("console messages while loading the report:\n%s", strings.Join(lines, "\n"))
	}
	if strings.Contains(dom, "<script") || !strings.Contains(dom, "&lt;script&gt;console.error") {
		t.Error("the browser's DOM does not hold the <script> post as plain text")
	}
	if n := strings.Count(dom, "<svg"); n != 5 {
		t.Errorf("the browser's DOM has %d svg charts, want 5", n)
	}
}

func countColors(img image.Image, hexes ...string) map[string]int {
	want := map[[3]uint32]string{}
	for _, h := range hexes {
		v, _ := strconv.ParseUint(h[1:], 16, 32)
		want[[3]uint32{uint32(v >> 16), uint32(v >> 8 & 0xff), uint32(v & 0xff)}] = h
	}
	counts := map[string]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if h, ok := want[[3]uint32{r >> 8, g >> 8, bl >> 8}]; ok {
				counts[h]++
			}
		}
	}
	return counts
}
