// Package s3test runs real S3 servers (MinIO and versitygw) for tests: each
// on a free 127.0.0.1 port with its own data folder, ready before the call
// returns, stopped when the test (or test binary) ends.
//
// Two ways to get one:
//
//   - StartMinIO / StartVersityGW start a server owned by one test, which
//     may Stop, Start and Restart it (fault tests). About a second each.
//
//   - SharedMinIO / SharedVersityGW start one server per test binary on
//     first use and hand the same one to every later caller; tests isolate
//     themselves with NewBucket. Call Main from TestMain so the shared
//     servers and their folders are removed at the end:
//
//     func TestMain(m *testing.M) { s3test.Main(m) }
//
//     Without it the servers still die with the test binary (Linux kills
//     them when their parent exits) but their temp folders stay.
//
// Binaries are looked up in $LOA_TOOLS_DIR (default $HOME/.cache/loa/bin,
// where scripts/tools.sh builds them), then in PATH. A missing binary is
// testenv.Missing: a skip, or a failure under LOA_TEST_REQUIRE=1.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth/testenv"
)

// Credentials every test server accepts.
const (
	AccessKey = "loa-test-access"
	SecretKey = "loa-test-secret-key"
	Region    = "us-east-1"
)

// Kinds of server.
const (
	MinIO     = "minio"
	VersityGW = "versitygw"
)

// readyTimeout bounds one server start; MinIO needs about a second on an
// idle machine, far more on a loaded one.
const readyTimeout = 60 * time.Second

// Server is one running (or stopped) S3 server.
type Server struct {
	Kind      string
	Endpoint  string // 127.0.0.1:PORT
	AccessKey string
	SecretKey string
	Region    string

	bin   string
	dir   string
	args  func(addr, dir string) []string
	env   []string
	ready string // path polled until it answers 200

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	output  *tailBuffer
	buckets int
}

// ToolsDir is where the server binaries are looked up first.
func ToolsDir() string {
	if d := os.Getenv("LOA_TOOLS_DIR"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "loa-tools")
	}
	return filepath.Join(home, ".cache", "loa", "bin")
}

// findBinary returns the path of name or "" when it is nowhere to be found.
func findBinary(name string) string {
	p := filepath.Join(ToolsDir(), name)
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return ""
}

func newServer(t testing.TB, kind string) *Server {
	t.Helper()
	bin := findBinary(kind)
	if bin == "" {
		testenv.Missing(t, "%s binary not in %s or PATH (build it with scripts/tools.sh)", kind, ToolsDir())
	}
	s := &Server{Kind: kind, AccessKey: AccessKey, SecretKey: SecretKey, Region: Region, bin: bin}
	switch kind {
	case MinIO:
		// The readiness probe answers 200 while the object layer is still
		// starting ("Server not initialized yet" to S3 calls); the cluster
		// probe waits for the object layer, bucket metadata and IAM.
		s.ready = "/minio/health/cluster"
		s.args = func(addr, dir string) []string {
			return []string{"server", "--quiet", "--address", addr, "--console-address", "127.0.0.1:0", dir}
		}
		s.env = []string{
			"MINIO_ROOT_USER=" + AccessKey,
			"MINIO_ROOT_PASSWORD=" + SecretKey,
			"MINIO_BROWSER=off",
			"MINIO_UPDATE=off",
			"MINIO_CI_CD=1", // allow a data folder on the root disk
			// A static KMS key enables SSE-S3 (sse=AES256) for the SSE tests.
			"MINIO_KMS_SECRET_KEY=loa-test-key:" + base64.StdEncoding.EncodeToString(randomBytes(32)),
		}
	case VersityGW:
		s.ready = "/health"
		s.args = func(addr, dir string) []string {
			args := []string{"--access", AccessKey, "--secret", SecretKey, "--region", Region,
				"--port", addr, "--health", "/health", "--quiet", "posix"}
			if !supportsUserXattr(dir) {
				// The posix backend keeps metadata in xattrs; where the
				// file system has none, a sidecar folder stands in.
				side := dir + "-meta"
				os.MkdirAll(side, 0o755)
				args = append(args, "--sidecar", side)
			}
			return append(args, dir)
		}
	default:
		panic("s3test: unknown server kind " + kind)
	}
	return s
}

// StartMinIO starts a MinIO server owned by t and stopped at its end.
func StartMinIO(t testing.TB) *Server {
	t.Helper()
	return startOwned(t, MinIO)
}

// StartVersityGW starts a versitygw server (posix backend) owned by t and
// stopped at its end.
func StartVersityGW(t testing.TB) *Server {
	t.Helper()
	return startOwned(t, VersityGW)
}

func startOwned(t testing.TB, kind string) *Server {
	t.Helper()
	s := newServer(t, kind)
	s.dir = filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	if err := s.startFresh(); err != nil {
		t.Fatalf("start %s: %v", kind, err)
	}
	return s
}

var (
	sharedMu sync.Mutex
	shared   = map[string]*sharedServer{}
)

type sharedServer struct {
	once sync.Once
	srv  *Server
	err  error
}

// SharedMinIO returns the test binary's MinIO server, starting it on first
// use. Do not Stop it; use StartMinIO for fault tests.
func SharedMinIO(t testing.TB) *Server {
	t.Helper()
	return startShared(t, MinIO)
}

// SharedVersityGW returns the test binary's versitygw server.
func SharedVersityGW(t testing.TB) *Server {
	t.Helper()
	return startShared(t, VersityGW)
}

func startShared(t testing.TB, kind string) *Server {
	t.Helper()
	if findBinary(kind) == "" {
		testenv.Missing(t, "%s binary not in %s or PATH (build it with scripts/tools.sh)", kind, ToolsDir())
	}
	sharedMu.Lock()
	sh := shared[kind]
	if sh == nil {
		sh = &sharedServer{}
		shared[kind] = sh
	}
	sharedMu.Unlock()
	sh.once.Do(func() {
		s := newServer(t, kind)
		dir, err := os.MkdirTemp("", "loa-"+kind+"-*")
		if err != nil {
			sh.err = err
			return
		}
		s.dir = filepath.Join(dir, "data")
		if err := os.MkdirAll(s.dir, 0o755); err != nil {
			sh.err = err
			return
		}
		sh.srv, sh.err = s, s.startFresh()
	})
	if sh.err != nil {
		t.Fatalf("start shared %s: %v", kind, sh.err)
	}
	return sh.srv
}

// Main runs the tests, then stops the shared servers and removes their
// folders. Use it as the body of TestMain.
func Main(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// StopShared stops every shared server and removes its folder.
func StopShared() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	for kind, sh := range shared {
		if sh.srv != nil {
			sh.srv.Stop()
			os.RemoveAll(filepath.Dir(sh.srv.dir))
		}
		delete(shared, kind)
	}
}

// startFresh picks a free port and starts the server, trying another port
// if the first was taken between picking and binding.
func (s *Server) startFresh() error {
	var err error
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			return err
		}
		s.Endpoint = fmt.Sprintf("127.0.0.1:%d", port)
		if err = s.Start(); err == nil {
			return nil
		}
	}
	return err
}

// Start starts a stopped server again on the same port and data folder
// and waits until it serves requests.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return fmt.Errorf("%s already running", s.Kind)
	}
	// Not CommandContext: the server outlives any one call and is ended by
	// Stop, by Cleanup or, if the test binary dies, by the kernel.
	cmd := exec.Command(s.bin, s.args(s.Endpoint, s.dir)...)
	cmd.Env = append(baseEnv(), s.env...)
	cmd.Dir = filepath.Dir(s.dir)
	out := &tailBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = serverProcAttr()
	exited := make(chan struct{})
	started := make(chan error, 1)
	go func() {
		// The kernel's parent-death signal follows the thread that forked,
		// so keep this thread alive for as long as the server runs.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			close(exited)
			return
		}
		started <- nil
		cmd.Wait()
		close(exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start %s: %w", s.Kind, err)
	}
	s.cmd, s.exited, s.output = cmd, exited, out
	if err := s.waitReady(); err != nil {
		s.stopLocked()
		return fmt.Errorf("%s on %s: %w\n--- server output ---\n%s", s.Kind, s.Endpoint, err, out.String())
	}
	return nil
}

func (s *Server) waitReady() error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return errors.New("exited before it was ready")
		default:
		}
		resp, err := client.Get("http://" + s.Endpoint + s.ready)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %v", readyTimeout)
}

// Stop kills the server at once (SIGKILL, like a crash or a pulled plug)
// and waits for it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

func (s *Server) stopLocked() error {
	if s.cmd == nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
	return nil
}

// Restart stops and starts the server, keeping its port and data.
func (s *Server) Restart() error {
	s.Stop()
	return s.Start()
}

// Running reports whether the server process is up.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

// Output is the tail of the server's log, for failure messages.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.output == nil {
		return ""
	}
	return s.output.String()
}

// StoreURL is the LOA_STORE value for bucket on this server.
func (s *Server) StoreURL(bucket string) string {
	return fmt.Sprintf("s3://%s?endpoint=%s&region=%s&tls=false&path_style=true", bucket, s.Endpoint, s.Region)
}

// Config is a storage.Config for bucket on this server, credentials
// included.
func (s *Server) Config(bucket string) storage.Config {
	return storage.Config{URL: s.StoreURL(bucket), AccessKey: s.AccessKey, SecretKey: s.SecretKey}
}

// Env is the environment that points a Loa process at bucket on this
// server.
func (s *Server) Env(bucket string) []string {
	return []string{
		"LOA_STORE=" + s.StoreURL(bucket),
		"AWS_ACCESS_KEY_ID=" + s.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
	}
}

// NewBucket creates a bucket named after the test and removes it, with
// everything in it, when the test ends.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	s.mu.Lock()
	s.buckets++
	n := s.buckets
	s.mu.Unlock()
	bucket := bucketName(t.Name(), n)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := s.Config(bucket)
	cfg.URL += "&create=true"
	st, err := storage.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("create bucket %s on %s: %v", bucket, s.Kind, err)
	}
	t.Cleanup(func() {
		if !s.Running() {
			return // a fault test left it stopped; its folder goes with it
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := st.(*storage.S3Store).DestroyBucket(ctx); err != nil {
			t.Logf("remove bucket %s on %s: %v", bucket, s.Kind, err)
		}
	})
	return bucket
}

// OpenStore opens bucket on this server (no retries inside the client, so
// faults surface at once).
func (s *Server) OpenStore(t testing.TB, bucket string) *storage.S3Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := s.Config(bucket)
	st, err := storage.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open bucket %s on %s: %v", bucket, s.Kind, err)
	}
	return st.(*storage.S3Store)
}

// bucketName makes a valid, unique S3 bucket name (3-63 of [a-z0-9-])
// from a test name.
func bucketName(testName string, n int) string {
	var b strings.Builder
	b.WriteString("loa-")
	dash := true
	for _, r := range strings.ToLower(testName) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	name := strings.TrimSuffix(b.String(), "-")
	return fmt.Sprintf("%s-%d-%s", name, n, hex.EncodeToString(randomBytes(3)))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// baseEnv passes through what a server needs to run, and none of the
// caller's AWS or MinIO settings.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "AWS_"), strings.HasPrefix(name, "MINIO_"),
			strings.HasPrefix(name, "VGW_"), strings.HasPrefix(name, "ROOT_"):
			continue
		}
		env = append(env, kv)
	}
	return env
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
