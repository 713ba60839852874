package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/s3test"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/testenv"
)

// These tests run the real binary as separate processes, because what they
// check — a SIGKILL in the middle of a job, two nodes on one bucket, SIGTERM
// — only exists between processes.

var (
	buildOnce sync.Once
	loaBin    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	s3test.StopShared()
	if loaBin != "" {
		os.RemoveAll(filepath.Dir(loaBin))
	}
	os.Exit(code)
}

func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "loa-bin-")
		if err != nil {
			buildErr = err
			return
		}
		loaBin = filepath.Join(dir, "loa")
		out, err := exec.Command("go", "build", "-o", loaBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return loaBin
}

// countingVoice writes a TTS configuration whose only voice runs espeak-ng
// through a wrapper that logs every text it is asked to speak (one line per
// backend call) and takes delay per call, so tests can count calls across
// processes and catch a job in the middle.
func countingVoice(t *testing.T, delay time.Duration) (configJSON, logPath string) {
	t.Helper()
	espeak := testenv.LookPath(t, "espeak-ng")
	dir := t.TempDir()
	logPath = filepath.Join(dir, "calls.log")
	script := filepath.Join(dir, "speak.sh")
	body := fmt.Sprintf("#!/bin/sh\ntext=$(cat)\nprintf '%%s\\n' \"$text\" >> %q\nsleep %.3f\nprintf '%%s' \"$text\" | exec %q -v \"$1\" -b 1 --stdout\n", logPath, delay.Seconds(), espeak)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{
		"include_defaults": false,
		"backends":         map[string]any{"counted": map[string]any{"type": "command", "command": []string{script, "{voice}"}, "format": "wav"}},
		"voices":           []map[string]string{{"id": "vi", "backend": "counted", "name": "vi", "language": "vi-VN"}},
		"default_voice":    "vi",
	}
	b, _ := json.Marshal(cfg)
	return string(b), logPath
}

func calls(t *testing.T, logPath string) []string {
	t.Helper()
	b, err := os.ReadFile(logPath)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// node is one `loa serve` process.
type node struct {
	t    *testing.T
	addr string
	env  []string
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startNode(t *testing.T, env ...string) *node {
	t.Helper()
	n := &node{t: t, addr: freeAddr(t), env: env}
	n.start()
	t.Cleanup(func() { n.kill() })
	return n
}

func (n *node) start() {
	n.t.Helper()
	n.cmd = exec.Command(binary(n.t), "serve")
	n.cmd.Env = append(os.Environ(), append([]string{
		"LOA_ADDR=" + n.addr, "LOA_EDITOR_TOKEN=tok", "LOA_LOG_LEVEL=debug", "LOA_SYNTH_CONCURRENCY=1", "LOA_POLL=200ms",
	}, n.env...)...)
	n.out = &bytes.Buffer{}
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	if err := n.cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	n.done = make(chan error, 1)
	go func() { n.done <- n.cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + n.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return
		}
		select {
		case err := <-n.done:
			n.t.Fatalf("loa serve exited: %v\n%s", err, n.out)
		default:
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("loa serve did not start\n%s", n.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (n *node) kill() {
	if n.cmd != nil && n.cmd.ProcessState == nil {
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}

func (n *node) signal(sig syscall.Signal) (time.Duration, error) {
	start := time.Now()
	_ = n.cmd.Process.Signal(sig)
	select {
	case err := <-n.done:
		return time.Since(start), err
	case <-time.After(30 * time.Second):
		return 0, fmt.Errorf("no exit 30 s after %v", sig)
	}
}

func (n *node) api(method, path string, body any, out any) int {
	n.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+n.addr+path, r)
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

func (n *node) state(id string) article.State {
	var st article.State
	n.api("GET", "/api/v1/articles/"+id, nil, &st)
	return st
}

func (n *node) waitReady(id string, timeout time.Duration) article.State {
	n.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := n.state(id)
		if st.Status == article.StatusReady {
			return st
		}
		if st.Status == article.StatusFailed {
			n.t.Fatalf("%s failed: %s", id, st.Error)
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("%s not ready after %v: %+v\n%s", id, timeout, st, n.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// longArticle has n distinct sentences, so each backend call is traceable.
func longArticle(tag string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "Đây là câu số %d của bài %s về giá cả thị trường. ", i+1, tag)
		if i%4 == 3 {
			b.WriteString("\n\n")
		}
	}
	return b.String()
}

func waitCalls(t *testing.T, logPath string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for len(calls(t, logPath)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d backend calls after %v", len(calls(t, logPath)), timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// watchCatalog checks, until stop is closed, that whenever the catalog
// names a current version its audio object exists in the store.
func watchCatalog(t *testing.T, db *sqldb.DB, store storage.Store, id string, stop <-chan struct{}) *int {
	checks := new(int)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			var key string
			err := db.Conn().QueryRow(context.Background(), `SELECT v.audio_key FROM articles a
JOIN versions v ON v.article_id = a.id AND v.id = a.current_version WHERE a.id = ?`, id).Scan(&key)
			if err == nil {
				if _, err := store.Stat(context.Background(), key); err != nil {
					t.Errorf("the catalog names %s, which is missing: %v", key, err)
					return
				}
				*checks++
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return checks
}

func openTestDB(t *testing.T, setting string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), setting)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestCrashResumesWithoutRedoingSegments kills `loa serve` with SIGKILL in
// the middle of a long article; after a restart River rescues the job (once
// its timeout, LOA_LEASE, has passed), the article completes, the
// sentences stored before the kill are not synthesized again, and the
// catalog never names missing audio.
func TestCrashResumesWithoutRedoingSegments(t *testing.T) {
	cfg, logPath := countingVoice(t, 60*time.Millisecond)
	data := t.TempDir()
	n := startNode(t, "LOA_DATA_DIR="+data, "LOA_TTS_CONFIG_JSON="+cfg, "LOA_LEASE=20s")
	store, err := storage.OpenLocal(data)
	if err != nil {
		t.Fatal(err)
	}
	const sentences = 40
	if code := n.api("POST", "/api/v1/articles", map[string]string{"id": "long", "text": longArticle("crash", sentences)}, nil); code != 202 {
		t.Fatalf("POST: %d", code)
	}
	// Also publish a first version, so the catalog has audio to point at
	// while the second revision is made and killed.
	stop := make(chan struct{})
	checks := watchCatalog(t, openTestDB(t, sqldb.DefaultURL(data)), store, "long", stop)
	n.waitReady("long", 2*time.Minute)
	before := len(calls(t, logPath))
	if before != sentences {
		t.Fatalf("first version made %d calls for %d sentences\n%s", before, sentences, n.out)
	}
	var st article.State
	n.api("PUT", "/api/v1/articles/long", map[string]string{"text": longArticle("crash-v2", sentences)}, &st)
	waitCalls(t, logPath, before+sentences/2, time.Minute)
	if _, err := n.signal(syscall.SIGKILL); err == nil {
		t.Fatal("SIGKILL did not kill")
	}
	atKill := len(calls(t, logPath))
	stored := 0
	infos, _ := storage.ListAll(context.Background(), store, "segments/")
	for _, info := range infos {
		if strings.HasSuffix(info.Key, ".json") {
			stored++
		}
	}
	storedNew := stored - sentences // segments of the second revision
	if storedNew <= 0 || storedNew >= sentences {
		t.Fatalf("killed too early or too late: %d of %d new segments stored", storedNew, sentences)
	}

	n.start()
	final := n.waitReady("long", 2*time.Minute)
	close(stop)
	if final.Revision != st.Revision {
		t.Fatalf("finished revision %d, want %d", final.Revision, st.Revision)
	}
	after := len(calls(t, logPath)) - atKill
	if after != sentences-storedNew {
		t.Fatalf("after restart %d backend calls; %d sentences were stored before the kill, so %d remained", after, storedNew, sentences-storedNew)
	}
	if final.SentencesCached < storedNew {
		t.Fatalf("reported %d cached, %d were stored before the kill", final.SentencesCached, storedNew)
	}
	if *checks == 0 {
		t.Fatal("catalog watcher never saw a version")
	}
	t.Logf("killed after %d of %d new sentences; resumed with %d calls; %d catalog checks", storedNew, sentences, after, *checks)
}

// TestSIGTERMRequeuesAndExitsCleanly: SIGTERM stops a node promptly with
// exit status 0; its job goes back to the queue and finishes after restart.
func TestSIGTERMRequeuesAndExitsCleanly(t *testing.T) {
	cfg, logPath := countingVoice(t, 80*time.Millisecond)
	data := t.TempDir()
	n := startNode(t, "LOA_DATA_DIR="+data, "LOA_TTS_CONFIG_JSON="+cfg)
	n.api("POST", "/api/v1/articles", map[string]string{"id": "term", "text": longArticle("term", 40)}, nil)
	waitCalls(t, logPath, 10, time.Minute)
	took, err := n.signal(syscall.SIGTERM)
	if err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, n.out)
	}
	if took > 10*time.Second {
		t.Fatalf("SIGTERM took %v", took)
	}
	db := openTestDB(t, sqldb.DefaultURL(data))
	a, err := db.Conn().Article(context.Background(), "term")
	if err != nil || a.Status != string(article.StatusQueued) {
		t.Fatalf("after SIGTERM the article is %q (%v), want queued", a.Status, err)
	}
	// River took the job back for a retry rather than leaving it running.
	var state string
	if err := db.Conn().QueryRow(context.Background(), `SELECT state FROM river_job WHERE kind = 'synthesize' ORDER BY id DESC LIMIT 1`).Scan(&state); err != nil || (state != "retryable" && state != "available") {
		t.Fatalf("job after SIGTERM: %q (%v), want retryable", state, err)
	}
	db.Close()
	n.start()
	n.waitReady("term", 2*time.Minute)
	if got := len(calls(t, logPath)); got > 41 {
		t.Fatalf("%d backend calls for 40 sentences across a restart", got)
	}
	t.Logf("SIGTERM → exit in %v", took)
}

// TestThreeNodesShareOnePostgresAndBucket: three nodes on one PostgreSQL
// and one MinIO bucket share 200 articles submitted round-robin, every
// sentence is synthesized exactly once, each node does some of the work,
// and a job of a SIGKILLed node — a synthesis, a webhook delivery — is
// rescued by River and finished by another once its timeout (LOA_LEASE)
// has passed; the delivery keeps its idempotency key and succeeds once.
func TestThreeNodesShareOnePostgresAndBucket(t *testing.T) {
	began := time.Now()
	srv := s3test.SharedMinIO(t)
	bucket := srv.NewBucket(t)
	cfg, logPath := countingVoice(t, 5*time.Millisecond)
	dbURL := sqldbtest.URL(t, sqldb.Postgres)
	env := append(srv.Env(bucket), "LOA_TTS_CONFIG_JSON="+cfg, "LOA_LEASE=3s", "LOA_DB="+dbURL, "LOA_FETCH_ALLOW=127.0.0.1/32")
	var nodes []*node
	for range 3 {
		nodes = append(nodes, startNode(t, env...))
	}

	const articles, perArticle = 200, 2
	for i := range articles {
		id := fmt.Sprintf("n%03d", i)
		if code := nodes[i%len(nodes)].api("POST", "/api/v1/articles", map[string]string{"id": id, "text": longArticle(id, perArticle)}, nil); code != 202 {
			t.Fatalf("POST %s: %d", id, code)
		}
	}
	for i := range articles {
		nodes[(i+1)%len(nodes)].waitReady(fmt.Sprintf("n%03d", i), 3*time.Minute)
	}
	allReady := time.Since(began)
	got := calls(t, logPath)
	seen := map[string]int{}
	for _, c := range got {
		seen[c]++
	}
	if len(got) != articles*perArticle || len(seen) != articles*perArticle {
		t.Fatalf("%d backend calls, %d distinct, for %d sentences", len(got), len(seen), articles*perArticle)
	}
	worked := make([]int, len(nodes))
	for i, n := range nodes {
		if worked[i] = strings.Count(n.out.String(), "article ready"); worked[i] == 0 {
			t.Fatalf("node %d did no work: %v articles each", i, worked)
		}
	}

	// A webhook receiver holds the first delivery open until its node is
	// killed; the delivery is made again, with the same idempotency key,
	// once River has rescued the job.
	hooks := newHookReceiver()
	defer hooks.Close()
	if code := nodes[0].api("POST", "/api/v1/webhooks", map[string]any{"url": hooks.URL, "events": []string{"audio.deleted"}}, nil); code != 201 {
		t.Fatalf("add webhook: %d", code)
	}
	if code := nodes[0].api("DELETE", "/api/v1/articles/n000", nil, nil); code != 204 {
		t.Fatalf("delete n000: %d", code)
	}
	var heldKey string
	select {
	case heldKey = <-hooks.held:
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook delivery within 30 s of the delete")
	}
	db := openTestDB(t, dbURL)
	ownerOf := func(query string) int {
		t.Helper()
		var workedBy string
		if err := db.Conn().QueryRow(context.Background(), `SELECT array_to_string(attempted_by, ',') FROM river_job WHERE state = 'running' AND `+query).Scan(&workedBy); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		for i, n := range nodes {
			if strings.HasSuffix(workedBy, n.addr) {
				return i
			}
		}
		t.Fatalf("job worked by %q, no node", workedBy)
		return -1
	}
	hookOwner := ownerOf(`kind = 'webhook_delivery' AND args->>'idempotency_key' = '` + heldKey + `'`)
	nodes[hookOwner].kill()
	hookKilled := time.Now()

	// Kill the node holding a synthesis; the last one takes over after
	// the lease.
	nodes[(hookOwner+1)%len(nodes)].api("POST", "/api/v1/articles", map[string]string{"id": "orphan", "text": longArticle("orphan", 30)}, nil)
	waitCalls(t, logPath, len(got)+5, time.Minute)
	owner := ownerOf(`kind = 'synthesize' AND args->>'article_id' = 'orphan'`)
	other := nodes[3-owner-hookOwner]
	nodes[owner].signal(syscall.SIGKILL)
	killed := time.Now()
	st := other.waitReady("orphan", 2*time.Minute)
	if took := time.Since(killed); took < 2*time.Second {
		t.Fatalf("taken over after %v, before the 3 s job timeout could pass", took)
	}
	if st.SentencesCached == 0 {
		t.Fatal("the surviving node redid the dead node's segments")
	}
	orphanCalls := map[string]int{}
	for _, c := range calls(t, logPath)[len(got):] {
		orphanCalls[c]++
	}
	if len(orphanCalls) != 30 {
		t.Fatalf("the orphan's 30 sentences made %d distinct calls", len(orphanCalls))
	}
	tookOver := time.Since(killed)
	redelivered := hooks.waitDelivered(t, heldKey, 2*time.Minute)
	if took := redelivered.Sub(hookKilled); took < 2*time.Second {
		t.Fatalf("webhook delivered again %v after the kill, before the 3 s job timeout could pass", took)
	}
	if ok, attempts := hooks.count(heldKey); ok != 1 || attempts != 2 {
		t.Fatalf("delivery %s: %d successes in %d attempts; want the held one and one success", heldKey, ok, attempts)
	}
	var log struct {
		Deliveries []struct {
			ID        string
			Delivered bool
		}
	}
	other.api("GET", "/api/v1/webhooks/deliveries", nil, &log)
	if len(log.Deliveries) != 1 || log.Deliveries[0].ID != heldKey || !log.Deliveries[0].Delivered {
		t.Fatalf("delivery log %+v; want %s delivered", log.Deliveries, heldKey)
	}
	t.Logf("%d articles on 3 nodes ready in %v (finished %v per node); orphan of node %d taken over %v after the kill (%d sentences reused); webhook of node %d delivered %v after the kill; test %v",
		articles, allReady.Round(time.Millisecond), worked, owner, tookOver.Round(time.Millisecond), st.SentencesCached,
		hookOwner, redelivered.Sub(hookKilled).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

// hookReceiver is a webhook receiver that holds the first request open
// until its sender dies, then answers 200, counting by idempotency key.
type hookReceiver struct {
	*httptest.Server
	held      chan string // the first request's key
	mu        sync.Mutex
	attempts  map[string]int
	delivered map[string][]time.Time
}

func newHookReceiver() *hookReceiver {
	h := &hookReceiver{held: make(chan string, 1), attempts: map[string]int{}, delivered: map[string][]time.Time{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		// Read to the end: only then does the server notice the client
		// going away.
		_, _ = io.Copy(io.Discard, r.Body)
		h.mu.Lock()
		h.attempts[key]++
		first := len(h.attempts) == 1 && h.attempts[key] == 1
		h.mu.Unlock()
		if first {
			h.held <- key
			select {
			case <-r.Context().Done(): // the sending node died
			case <-time.After(time.Minute):
			}
			return
		}
		h.mu.Lock()
		h.delivered[key] = append(h.delivered[key], time.Now())
		h.mu.Unlock()
	}))
	return h
}

func (h *hookReceiver) count(key string) (ok, attempts int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.delivered[key]), h.attempts[key]
}

// waitDelivered returns when key was first answered 200.
func (h *hookReceiver) waitDelivered(t *testing.T, key string, timeout time.Duration) time.Time {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		h.mu.Lock()
		at := h.delivered[key]
		h.mu.Unlock()
		if len(at) > 0 {
			time.Sleep(time.Second) // room for a repeat that must not come
			return at[0]
		}
	}
	t.Fatalf("webhook delivery %s not made again within %v", key, timeout)
	return time.Time{}
}

// TestServeImportsTheRecordsOfAnOlderDataFolder: `loa serve` on a data
// folder written by Loa at 078f68c moves its lexicon, tokens, listen counts
// and usage into the database on the first start, and only then.
func TestServeImportsTheRecordsOfAnOlderDataFolder(t *testing.T) {
	data := t.TempDir()
	if err := os.CopyFS(data, os.DirFS("../../testdata/upgrade/078f68c/store")); err != nil {
		t.Fatal(err)
	}
	secrets, err := os.ReadFile("../../testdata/upgrade/078f68c/token-secrets.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, secret, _ := strings.Cut(strings.Split(string(secrets), "\n")[0], " ")
	check := func(n *node) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+n.addr+"/api/v1/lexicon", nil)
		// A token an admin created before the upgrade.
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var lx synth.Lexicon
		if err := json.NewDecoder(resp.Body).Decode(&lx); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET lexicon with an old token: %d, %v", resp.StatusCode, err)
		}
		if lx.Version != 6 || len(lx.Rules) != 3 || lx.Rules[0].Say != "Pu-tin" {
			t.Fatalf("lexicon after the upgrade: %+v", lx)
		}
	}
	n := startNode(t, "LOA_DATA_DIR="+data)
	check(n)
	if !strings.Contains(n.out.String(), "records imported from the store into the database") {
		t.Fatalf("no import logged:\n%s", n.out)
	}
	if _, err := os.Stat(filepath.Join(data, "loa.db")); err != nil {
		t.Fatalf("no database in the data folder: %v", err)
	}
	n.kill()
	again := startNode(t, "LOA_DATA_DIR="+data)
	check(again)
	if strings.Contains(again.out.String(), "records imported") {
		t.Fatalf("imported twice:\n%s", again.out)
	}
}
