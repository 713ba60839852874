package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/loa-audio/loa/api/client"
)

// server is a `loa serve` child process with its own data folder (local
// store, espeak-ng voices) on a free loopback port.
type server struct {
	base    string // http://127.0.0.1:port
	token   string
	http    *http.Client
	logPath string
	pid     int
	stop    func()
}

// startServe starts `loa serve` and returns once it listens.
func (b *bench) startServe(ctx context.Context, name string, extra ...string) (*server, error) {
	dir := filepath.Join(b.work, name)
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	var tok [12]byte
	_, _ = rand.Read(tok[:])
	srv := &server{token: hex.EncodeToString(tok[:]), logPath: logPath, http: keepAliveClient()}

	sctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(sctx, b.loa, "serve", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
		"--log-format", "json", "--log-level", "info")
	cmd.Args = append(cmd.Args, extra...)
	cmd.Env = append(slices.Clone(b.env), "LOA_EDITOR_TOKEN="+srv.token)
	watch := &addrWatcher{out: logFile, found: make(chan string, 1)}
	cmd.Stdout, cmd.Stderr = logFile, watch
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 15 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		logFile.Close()
		return nil, fmt.Errorf("start loa serve: %w", err)
	}
	srv.pid = cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var once sync.Once
	srv.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			logFile.Close()
		})
	}
	select {
	case addr := <-watch.found:
		srv.base = addr
		return srv, nil
	case err := <-done:
		cancel()
		logFile.Close()
		return nil, fmt.Errorf("loa serve exited at start (%v): %s", err, logTail(logPath))
	case <-time.After(time.Minute):
		srv.stop()
		return nil, fmt.Errorf("loa serve did not listen within a minute: %s", logTail(logPath))
	}
}

// addrWatcher passes the server's log through and picks the listening
// address out of its "loa serving" line.
type addrWatcher struct {
	out     io.Writer
	partial []byte
	found   chan string
	sent    bool
}

func (w *addrWatcher) Write(p []byte) (int, error) {
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := w.partial[:i]
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if !w.sent && json.Unmarshal(line, &rec) == nil && rec.Msg == "loa serving" && strings.HasPrefix(rec.Addr, "http://") {
			w.found <- rec.Addr
			w.sent = true
		}
		w.partial = w.partial[i+1:]
	}
	return w.out.Write(p)
}

func logTail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return oneLine(string(b))
}

// articleState is the part of GET /api/v1/articles/{id} read here.
type articleState struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Error  string `json:"error"`
}

func (s *server) api(ctx context.Context, method, path string, in, out any) error {
	c := client.New(s.base, s.token)
	c.HTTP = s.http
	return c.Do(ctx, method, path, in, out)
}

// keepAliveClient keeps a connection for each of the bench's concurrent
// clients, as a CMS's HTTP client does. Go's default transport keeps two
// per host: six of the eight submitting clients opened and closed a TCP
// connection per request, and the server's figures carried that cost.
func keepAliveClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return &http.Client{Transport: t}
}

// submit POSTs the article and returns when the server has accepted it.
func (s *server) submit(ctx context.Context, id, html string) error {
	var st articleState
	if err := s.api(ctx, http.MethodPost, "/api/v1/articles", map[string]string{"id": id, "html": html}, &st); err != nil {
		return err
	}
	if st.ID != id {
		return fmt.Errorf("POST /api/v1/articles: created %q, asked for %q", st.ID, id)
	}
	return nil
}

// waitReady polls the article's state until it is ready and returns the
// time since start. 25 ms polls keep the error well under the figure.
func (s *server) waitReady(ctx context.Context, id string, start time.Time) (time.Duration, error) {
	for {
		var st articleState
		if err := s.api(ctx, http.MethodGet, "/api/v1/articles/"+id, nil, &st); err != nil {
			return 0, err
		}
		switch st.Status {
		case "ready":
			return time.Since(start), nil
		case "failed":
			return 0, fmt.Errorf("article %s failed: %s", id, st.Error)
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("article %s not ready (status %s): %w", id, st.Status, ctx.Err())
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// firstAudio GETs the progressive audio and returns the time since start
// at which its first MPEG bytes arrived.
func (s *server) firstAudio(ctx context.Context, id string, start time.Time) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/audio/"+id+".mp3?progressive=1", nil)
	if err != nil {
		return 0, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("progressive audio: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return 0, fmt.Errorf("progressive audio: %s: %s", resp.Status, oneLine(string(b)))
	}
	head := make([]byte, 0, 4096)
	chunk := make([]byte, 4096)
	for len(head) < 4 {
		n, err := resp.Body.Read(chunk)
		head = append(head, chunk[:n]...)
		if err != nil && len(head) < 4 {
			return 0, fmt.Errorf("progressive audio ended after %d bytes: %w", len(head), err)
		}
	}
	took := time.Since(start)
	if !mpegStart(head) {
		return 0, fmt.Errorf("progressive audio starts with %q, not MPEG audio", head[:min(len(head), 16)])
	}
	return took, nil
}

// mpegStart reports whether b starts like an MP3 stream: an ID3v2 tag or
// a valid MPEG audio Layer III frame header.
func mpegStart(b []byte) bool {
	if len(b) >= 3 && string(b[:3]) == "ID3" {
		return true
	}
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return false
	}
	version, layer := (b[1]>>3)&3, (b[1]>>1)&3
	bitrate, rate := b[2]>>4, (b[2]>>2)&3
	return version != 1 && layer == 1 && bitrate != 0 && bitrate != 15 && rate != 3
}

// postToReady starts a fresh server (empty segment cache), POSTs the
// article and times the first progressive audio bytes and the ready state.
func (b *bench) postToReady(ctx context.Context, id, html string) (first, ready time.Duration, err error) {
	srv, err := b.startServe(ctx, "serve-"+id)
	if err != nil {
		return 0, 0, err
	}
	defer srv.stop()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	start := time.Now()
	if err := srv.submit(ctx, id, html); err != nil {
		return 0, 0, err
	}
	type result struct {
		d   time.Duration
		err error
	}
	firstC := make(chan result, 1)
	fctx, fcancel := context.WithCancel(ctx)
	defer fcancel()
	go func() {
		d, err := srv.firstAudio(fctx, id, start)
		firstC <- result{d, err}
	}()
	ready, err = srv.waitReady(ctx, id, start)
	if err != nil {
		fcancel()
		<-firstC
		return 0, 0, fmt.Errorf("%w (server log: %s)", err, logTail(srv.logPath))
	}
	f := <-firstC
	if f.err != nil {
		return 0, 0, f.err
	}
	return f.d, ready, nil
}

// loadResult is the JSON cmd/loadgen prints with -json.
type loadResult struct {
	Requests   int64   `json:"requests"`
	Errors     int64   `json:"errors"`
	FirstError string  `json:"first_error"`
	RPS        float64 `json:"requests_per_second"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
}

func (b *bench) loadgenRun(ctx context.Context, url string) (loadResult, error) {
	cmd := exec.CommandContext(ctx, b.loadgen, "-url", url, "-clients", strconv.Itoa(b.cfg.Clients),
		"-duration", b.cfg.LoadDuration.String(), "-json")
	cmd.Env = b.env
	out, runErr := runQuiet(cmd) // exits 1 after printing when requests failed
	var res loadResult
	if err := json.Unmarshal(out, &res); err != nil {
		if runErr != nil {
			return res, runErr
		}
		return res, fmt.Errorf("loadgen output %q: %w", oneLine(string(out)), err)
	}
	if res.Errors > 0 {
		return res, fmt.Errorf("%s: %d of %d Range requests failed, first: %s", url, res.Errors, res.Requests, res.FirstError)
	}
	if res.Requests == 0 || res.RPS <= 0 {
		return res, fmt.Errorf("%s: no Range request completed", url)
	}
	return res, nil
}

// rangeLoad publishes the sample article on a `loa serve`, copies its MP3
// next to an nginx, and runs the same Range load against both, in
// alternating order round after round.
func (b *bench) rangeLoad(ctx context.Context) []Row {
	rps, p99 := rowRangeRPS, rowRangeP99
	rps.Measure = fmt.Sprintf("audio Range requests/s, %d clients (vs nginx)", b.cfg.Clients)
	p99.Measure = fmt.Sprintf("audio Range p99, %d clients (vs nginx)", b.cfg.Clients)
	fail := func(err error) []Row { return []Row{rps.Failed(err), p99.Failed(err)} }
	if err := b.needTools("espeak-ng", "nginx"); err != nil {
		return fail(err)
	}
	if err := errors.Join(b.buildErr["loa"], b.buildErr["loadgen"]); err != nil {
		return fail(err)
	}
	html, err := os.ReadFile(filepath.Join(b.cfg.Repo, sampleArticle))
	if err != nil {
		return fail(err)
	}
	srv, err := b.startServe(ctx, "range")
	if err != nil {
		return fail(err)
	}
	defer srv.stop()
	b.log.Info("publishing the sample article for the Range load")
	pctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := srv.submit(pctx, "load", string(html)); err != nil {
		return fail(err)
	}
	if _, err := srv.waitReady(pctx, "load", time.Now()); err != nil {
		return fail(err)
	}
	loaURL := srv.base + "/audio/load.mp3"
	www := filepath.Join(b.work, "www")
	if err := os.MkdirAll(www, 0o755); err != nil {
		return fail(err)
	}
	if err := download(pctx, loaURL, filepath.Join(www, "load.mp3")); err != nil {
		return fail(err)
	}
	ngx, err := b.startNginx(ctx, www)
	if err != nil {
		return fail(err)
	}
	defer ngx.stop()
	nginxURL := ngx.base + "/load.mp3"
	for i := range b.cfg.LoadRounds {
		b.log.Info("measuring", "rows", "Range load, Loa and nginx", "round", i+1, "of", b.cfg.LoadRounds,
			"clients", b.cfg.Clients, "duration", b.cfg.LoadDuration)
		urls := []string{loaURL, nginxURL}
		if i%2 == 1 {
			slices.Reverse(urls)
		}
		got := map[string]loadResult{}
		for _, u := range urls {
			res, err := b.loadgenRun(ctx, u)
			if err != nil {
				return fail(err)
			}
			got[u] = res
		}
		rps.Loa, rps.Base = append(rps.Loa, got[loaURL].RPS), append(rps.Base, got[nginxURL].RPS)
		p99.Loa, p99.Base = append(p99.Loa, got[loaURL].P99ms), append(p99.Base, got[nginxURL].P99ms)
	}
	return []Row{rps, p99}
}

func download(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("download %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("download %s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("download %s: %w", url, err)
	}
	return f.Close()
}

type nginxServer struct {
	base string
	stop func()
}

const nginxConf = `daemon off;
master_process on;
worker_processes auto;
error_log {{dir}}/error.log warn;
pid {{dir}}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path {{dir}}/tmp/body;
  proxy_temp_path {{dir}}/tmp/proxy;
  fastcgi_temp_path {{dir}}/tmp/fastcgi;
  uwsgi_temp_path {{dir}}/tmp/uwsgi;
  scgi_temp_path {{dir}}/tmp/scgi;
  types { audio/mpeg mp3; }
  server { listen 127.0.0.1:{{port}}; root {{www}}; }
}
`

var unknownDirective = regexp.MustCompile(`unknown directive "([a-z_]+)"`)

// startNginx serves www on a free loopback port with its own prefix, so
// no system configuration is read or touched.
func (b *bench) startNginx(ctx context.Context, www string) (*nginxServer, error) {
	dir := filepath.Join(b.work, "nginx")
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	conf := strings.NewReplacer("{{dir}}", dir, "{{port}}", strconv.Itoa(port), "{{www}}", www).Replace(nginxConf)
	confPath := filepath.Join(dir, "nginx.conf")
	// Debian's nginx-light leaves out some modules; their temp path
	// directives are then unknown and dropped.
	for attempt := 0; ; attempt++ {
		if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
			return nil, err
		}
		out, err := exec.CommandContext(ctx, "nginx", "-t", "-q", "-p", dir, "-c", confPath).CombinedOutput()
		if err == nil {
			break
		}
		m := unknownDirective.FindStringSubmatch(string(out))
		if m == nil || attempt > 5 {
			return nil, fmt.Errorf("nginx -t: %v: %s", err, oneLine(string(out)))
		}
		var kept []string
		for _, l := range strings.Split(conf, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), m[1]+" ") {
				kept = append(kept, l)
			}
		}
		conf = strings.Join(kept, "\n")
	}
	nctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(nctx, "nginx", "-p", dir, "-c", confPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// SIGTERM makes the master stop its workers too; SIGKILL would orphan them.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("start nginx: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var once sync.Once
	ngx := &nginxServer{base: "http://127.0.0.1:" + strconv.Itoa(port)}
	ngx.stop = func() { once.Do(func() { cancel(); <-done }) }
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodHead, ngx.base+"/load.mp3", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return ngx, nil
			}
			err = fmt.Errorf("HEAD /load.mp3: %s", resp.Status)
		}
		select {
		case werr := <-done:
			cancel()
			return nil, fmt.Errorf("nginx exited (%v): %s; error log: %s", werr, oneLine(out.String()), logTail(filepath.Join(dir, "error.log")))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			ngx.stop()
			return nil, fmt.Errorf("nginx not serving the file after 20 s: %v; error log: %s", err, logTail(filepath.Join(dir, "error.log")))
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
