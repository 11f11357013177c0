package mastodontest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
)

// Fault describes a misbehaving response. Status, Body and Header make a plain error
// response; the flags change how the (otherwise real) response is delivered.
type Fault struct {
	Status      int         // e.g. 500, 502, 503, 429; 0 with no flag set means 500
	Body        string      // raw body, e.g. an HTML error page; default {"error": status text}
	Header      http.Header // extra headers (e.g. Retry-After); they replace the standard ones
	Truncate    bool        // send status line, headers and Content-Length, then half the body, then close
	Reset       bool        // close the connection (TCP reset) without a response
	Hang        bool        // never answer until the client gives up or the server closes
	InvalidUTF8 bool        // put invalid UTF-8 bytes inside a string field of the real body
	ForeignLink bool        // Link rel="next" points at another host
	BlankID     bool        // the fifth status of a list (or the last of a shorter one) has id ""
}

// ForeignHost is where ForeignLink faults point.
const ForeignHost = "https://foreign.invalid"

type queuedFault struct {
	prefix string
	fault  Fault
	times  int
}

// InjectFault queues a fault for the next `times` requests whose path starts with
// pathPrefix. Faults are used in the order they were queued.
func (s *Server) InjectFault(pathPrefix string, f Fault, times int) {
	if times <= 0 {
		return
	}
	s.faultMu.Lock()
	s.faults = append(s.faults, &queuedFault{prefix: pathPrefix, fault: f, times: times})
	s.faultMu.Unlock()
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	s.faults = nil
	s.faultMu.Unlock()
}

// PendingFaults counts the injected faults not yet served.
func (s *Server) PendingFaults() int {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	n := 0
	for _, q := range s.faults {
		n += q.times
	}
	return n
}

func (s *Server) takeFault(path string) (Fault, bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i, q := range s.faults {
		if strings.HasPrefix(path, q.prefix) {
			q.times--
			if q.times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return q.fault, true
		}
	}
	return Fault{}, false
}

// serveFault delivers a fault. rec already carries the standard headers.
func (s *Server) serveFault(rec *statusRecorder, r *http.Request, f Fault) {
	switch {
	case f.Hang:
		s.waitOrClose(r.Context())
		// End without a response: returning normally would send an empty 200.
		panic(http.ErrAbortHandler)
	case f.Reset:
		resetConnection(rec.ResponseWriter)
		return
	}

	status, header, body := f.Status, http.Header{}, []byte(f.Body)
	reshapes := f.Truncate || f.InvalidUTF8 || f.ForeignLink || f.BlankID
	if status == 0 && reshapes {
		// Start from the real answer to the request.
		real := httptest.NewRecorder()
		s.serveAPI(real, r)
		status, header, body = real.Code, real.Header(), real.Body.Bytes()
		if f.Body != "" {
			body = []byte(f.Body)
		}
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if len(body) == 0 && status >= 400 {
		msg := http.StatusText(status)
		if status == http.StatusTooManyRequests {
			msg = "Too many requests"
		}
		body = fmt.Appendf(nil, `{"error":%q}`, msg)
	}
	if f.InvalidUTF8 {
		body = corruptUTF8(body)
	}
	if f.BlankID {
		body = blankID(body)
	}

	h := rec.Header()
	for k, vs := range header {
		h[k] = vs
	}
	if status == http.StatusTooManyRequests {
		h.Set("X-RateLimit-Remaining", "0")
	}
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) {
		h.Set("Content-Type", "text/html; charset=utf-8")
	}
	if f.ForeignLink {
		h.Set("Link", foreignLink(h.Get("Link"), s.URL, r))
	}
	for k, vs := range f.Header {
		h[http.CanonicalHeaderKey(k)] = vs
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))

	if f.Truncate {
		rec.status = status
		truncateResponse(rec.ResponseWriter, status, h, body)
		return
	}
	rec.WriteHeader(status)
	_, _ = rec.Write(body)
}

// resetConnection closes the client's connection abruptly, with a TCP reset when possible.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// truncateResponse writes a valid head promising the whole body, half of it, then closes.
func truncateResponse(w http.ResponseWriter, status int, h http.Header, body []byte) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	_ = h.Write(buf)
	buf.WriteString("\r\n")
	_, _ = buf.Write(body[:len(body)/2])
	_ = buf.Flush()
}

var firstStringValue = regexp.MustCompile(`"content":"|":"`)

// corruptUTF8 puts bytes that are never valid UTF-8 just inside the first "content" string
// (or the first string value), keeping the JSON syntactically valid.
// blankID empties the id of one status of a JSON list, leaving the rest of
// the body as served.
func blankID(body []byte) []byte {
	var list []map[string]json.RawMessage
	if json.Unmarshal(body, &list) != nil || len(list) == 0 {
		return body
	}
	list[min(4, len(list)-1)]["id"] = json.RawMessage(`""`)
	out, err := json.Marshal(list)
	if err != nil {
		return body
	}
	return out
}

func corruptUTF8(body []byte) []byte {
	loc := firstStringValue.FindIndex(body)
	if i := bytes.Index(body, []byte(`"content":"`)); i >= 0 {
		loc = []int{i, i + len(`"content":"`)}
	}
	if loc == nil {
		return body
	}
	out := make([]byte, 0, len(body)+3)
	out = append(out, body[:loc[1]]...)
	out = append(out, 0xff, 0xfe, 0xc3) // 0xc3 starts a 2-byte sequence with no continuation
	return append(out, body[loc[1]:]...)
}

// foreignLink moves the rel="next" target to ForeignHost, or makes one up when the real
// answer had no Link header.
func foreignLink(link, base string, r *http.Request) string {
	if link == "" {
		return "<" + ForeignHost + r.URL.Path + "?max_id=1>; rel=\"next\""
	}
	parts := strings.Split(link, ", ")
	for i, p := range parts {
		if strings.Contains(p, `rel="next"`) {
			parts[i] = strings.Replace(p, base, ForeignHost, 1)
		}
	}
	return strings.Join(parts, ", ")
}
