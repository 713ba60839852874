package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// maxRanges caps the ranges of one request: players ask for one; a
// thousand one-byte ranges would turn a small request into a large
// multipart answer.
const maxRanges = 16

// byteRange is one satisfiable range, [Start, Start+Length).
type byteRange struct{ Start, Length int64 }

var errRangeNotSatisfiable = errors.New("range not satisfiable")

// parseRanges reads a Range header against an object of size bytes. It
// returns the satisfiable ranges, nil when the header does not concern
// bytes (the whole object is served), or an error wrapping
// errRangeNotSatisfiable that says what is wrong.
func parseRanges(header string, size int64) ([]byteRange, error) {
	unit, spec, ok := strings.Cut(header, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(unit), "bytes") {
		if ok {
			return nil, nil // another unit: ignored, as RFC 9110 allows
		}
		return nil, fmt.Errorf("%w: malformed Range %q", errRangeNotSatisfiable, clip(header))
	}
	parts := strings.Split(spec, ",")
	if len(parts) > maxRanges {
		return nil, fmt.Errorf("%w: %d ranges; at most %d are served", errRangeNotSatisfiable, len(parts), maxRanges)
	}
	var out []byteRange
	for _, p := range parts {
		p = strings.TrimSpace(p)
		first, last, ok := strings.Cut(p, "-")
		if !ok {
			return nil, fmt.Errorf("%w: malformed range %q", errRangeNotSatisfiable, clip(p))
		}
		first, last = strings.TrimSpace(first), strings.TrimSpace(last)
		if first == "" {
			n, err := parseRangeInt(last)
			if err != nil {
				return nil, fmt.Errorf("%w: malformed range %q", errRangeNotSatisfiable, clip(p))
			}
			if n == 0 || size == 0 {
				continue // an empty suffix selects nothing
			}
			n = min(n, size)
			out = append(out, byteRange{size - n, n})
			continue
		}
		start, err := parseRangeInt(first)
		if err != nil {
			return nil, fmt.Errorf("%w: malformed range %q", errRangeNotSatisfiable, clip(p))
		}
		end := size - 1
		if last != "" {
			if end, err = parseRangeInt(last); err != nil || end < start {
				return nil, fmt.Errorf("%w: malformed range %q", errRangeNotSatisfiable, clip(p))
			}
		}
		if start >= size {
			continue
		}
		end = min(end, size-1)
		out = append(out, byteRange{start, end - start + 1})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no range overlaps the %d bytes", errRangeNotSatisfiable, size)
	}
	return out, nil
}

func parseRangeInt(s string) (int64, error) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, errors.New("not a number")
	}
	return strconv.ParseInt(s, 10, 64)
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// checkRange answers 416 itself for a Range that http.ServeContent would
// get wrong (an empty suffix gives it an impossible 206) or serve too
// generously (thousands of ranges). It reports whether to go on.
func checkRange(c *gin.Context, size int64) bool {
	h := c.GetHeader("Range")
	if h == "" || (c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead) {
		return true
	}
	if _, err := parseRanges(h, size); err != nil {
		c.Header("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		c.AbortWithStatusJSON(http.StatusRequestedRangeNotSatisfiable, errorBody{Error: err.Error()})
		return false
	}
	return true
}

// objectWriter passes io.ReaderFrom through gin's writer, so that
// http.ServeContent copying an *os.File reaches the connection's sendfile,
// and turns the plain-text errors ServeContent writes (412, 416) into
// Loa's JSON errors.
type objectWriter struct {
	gin.ResponseWriter
	failed    int
	wroteBody bool
}

func (w *objectWriter) WriteHeader(code int) {
	if code >= 400 {
		w.failed = code
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Del("Content-Length")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *objectWriter) Write(p []byte) (int, error) {
	if w.failed == 0 {
		return w.ResponseWriter.Write(p)
	}
	if !w.wroteBody {
		w.wroteBody = true
		b, _ := json.Marshal(errorBody{Error: strings.TrimSpace(string(p))})
		if _, err := w.ResponseWriter.Write(b); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// finish writes the JSON body of an error ServeContent sent without one.
func (w *objectWriter) finish() {
	if w.failed != 0 && !w.wroteBody {
		_, _ = w.Write([]byte(strings.ToLower(http.StatusText(w.failed))))
	}
}
