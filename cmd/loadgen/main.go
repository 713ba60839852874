// Command loadgen hammers one audio URL with concurrent random Range
// requests, the way many listeners seeking in a player do, and prints
// requests per second and latency percentiles. It only targets loopback
// addresses and stops after a fixed time or request count.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config bounds one run.
type Config struct {
	URL         string
	Clients     int
	Duration    time.Duration
	MaxRequests int64
	RangeBytes  int64 // size of each random range
}

// Result summarizes one run.
type Result struct {
	URL        string  `json:"url"`
	Clients    int     `json:"clients"`
	Seconds    float64 `json:"seconds"`
	Requests   int64   `json:"requests"`
	Errors     int64   `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	RPS        float64 `json:"requests_per_second"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
}

func main() {
	var cfg Config
	var asJSON bool
	flag.StringVar(&cfg.URL, "url", "", "audio URL on a loopback address")
	flag.IntVar(&cfg.Clients, "clients", 200, "concurrent clients")
	flag.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long to run")
	flag.Int64Var(&cfg.MaxRequests, "max-requests", 5_000_000, "stop after this many requests")
	flag.Int64Var(&cfg.RangeBytes, "range-bytes", 64<<10, "bytes per Range request")
	flag.BoolVar(&asJSON, "json", false, "print the result as JSON")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	if asJSON {
		_ = json.NewEncoder(os.Stdout).Encode(res)
	} else {
		fmt.Printf("%s: %d clients, %.0f s: %d requests, %d errors, %.0f req/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms\n",
			res.URL, res.Clients, res.Seconds, res.Requests, res.Errors, res.RPS, res.P50ms, res.P99ms, res.MaxMs)
	}
	if res.Errors > 0 {
		fmt.Fprintln(os.Stderr, "first error:", res.FirstError)
		os.Exit(1)
	}
}

// Run performs the load test.
func Run(ctx context.Context, cfg Config) (Result, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" {
		return Result{}, fmt.Errorf("-url %q is not an absolute URL", cfg.URL)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return Result{}, fmt.Errorf("-url must point at a loopback address (127.0.0.1, ::1), not %q", u.Hostname())
	}
	if cfg.Clients <= 0 || cfg.Clients > 10000 || cfg.Duration <= 0 || cfg.Duration > 10*time.Minute {
		return Result{}, errors.New("clients must be 1..10000 and duration at most 10m")
	}
	if cfg.RangeBytes <= 0 {
		cfg.RangeBytes = 64 << 10
	}
	transport := &http.Transport{MaxIdleConnsPerHost: cfg.Clients, MaxConnsPerHost: cfg.Clients, IdleConnTimeout: 30 * time.Second}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	defer transport.CloseIdleConnections()

	size, err := contentLength(ctx, client, cfg.URL)
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var (
		count, errs atomic.Int64
		firstErr    sync.Once
		firstMsg    string
		mu          sync.Mutex
		latencies   = make([]time.Duration, 0, 1<<20)
		wg          sync.WaitGroup
	)
	fail := func(msg string) {
		errs.Add(1)
		firstErr.Do(func() { firstMsg = msg })
	}
	start := time.Now()
	for range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			defer func() { mu.Lock(); latencies = append(latencies, local...); mu.Unlock() }()
			for ctx.Err() == nil && count.Add(1) <= cfg.MaxRequests {
				from := rand.Int64N(max(size-cfg.RangeBytes, 1))
				to := min(from+cfg.RangeBytes, size) - 1
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, cfg.URL, nil)
				req.Header.Set("Range", "bytes="+strconv.FormatInt(from, 10)+"-"+strconv.FormatInt(to, 10))
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						fail(err.Error())
					}
					continue
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch {
				case err != nil && ctx.Err() != nil:
					continue // cut off by the end of the run
				case err != nil:
					fail(err.Error())
				case resp.StatusCode != http.StatusPartialContent:
					fail("status " + resp.Status)
				case n != to-from+1:
					fail(fmt.Sprintf("range %d-%d returned %d bytes", from, to, n))
				default:
					local = append(local, time.Since(t0))
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[min(len(latencies)-1, int(p*float64(len(latencies))))].Microseconds()) / 1000
	}
	res := Result{
		URL: cfg.URL, Clients: cfg.Clients, Seconds: elapsed.Seconds(),
		Requests: int64(len(latencies)) + errs.Load(), Errors: errs.Load(), FirstError: firstMsg,
		RPS: float64(len(latencies)) / elapsed.Seconds(), P50ms: pct(0.50), P99ms: pct(0.99), MaxMs: pct(1),
	}
	return res, nil
}

func contentLength(ctx context.Context, client *http.Client, u string) (int64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("HEAD %s: %w", u, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength <= 0 {
		return 0, fmt.Errorf("HEAD %s: %s, length %d", u, resp.Status, resp.ContentLength)
	}
	if !strings.Contains(resp.Header.Get("Accept-Ranges"), "bytes") {
		return 0, fmt.Errorf("HEAD %s: no Accept-Ranges: bytes", u)
	}
	return resp.ContentLength, nil
}
