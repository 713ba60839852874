package api_test

import (
	"context"
	"crypto/rand"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/s3test"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/testenv"
	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

// TestHangingBackendFreesTheWorker: a backend that never answers is cut
// off by its timeout, the article fails with a clear error, and the single
// worker goes on to the next article.
func TestHangingBackendFreesTheWorker(t *testing.T) {
	stuck, good := &ttstest.Fake{}, &ttstest.Fake{}
	stuck.FailAlways(ttstest.Step{Hang: true})
	cfg := tts.Config{
		Backends: map[string]tts.BackendConfig{
			"stuck": {Type: "fake-stuck", Timeout: 300 * time.Millisecond, MaxAttempts: 2, RetryBaseDelay: time.Millisecond},
			"good":  {Type: "fake-good"},
		},
		Voices: []tts.VoiceConfig{
			{ID: "stuck", Backend: "stuck", Name: "x", Language: "vi-VN"},
			{ID: "vi", Backend: "good", Name: "vi", Language: "vi-VN"},
		},
		DefaultVoice: "vi",
	}
	voices, err := tts.NewCatalog(context.Background(), cfg, tts.CatalogDeps{Open: ttstest.Opener(map[string]tts.Backend{"fake-stuck": stuck, "fake-good": good})})
	if err != nil {
		t.Fatal(err)
	}
	h := apitest.New(t, apitest.Options{Voices: voices, Service: synth.ServiceConfig{Workers: 1, MaxAttempts: 1}})
	start := time.Now()
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "hang", "text": "Câu này không bao giờ được đọc.", "voice": "stuck"}, nil)
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "next", "text": "Câu này được đọc ngay sau đó."}, nil)
	failed := h.WaitStatus("hang", article.StatusFailed, 30*time.Second)
	h.WaitStatus("next", article.StatusReady, 30*time.Second)
	if !strings.Contains(failed.Error, "unavailable") && !strings.Contains(failed.Error, "timeout") && !strings.Contains(failed.Error, "deadline") {
		t.Fatalf("error %q does not say the backend timed out", failed.Error)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Fatalf("hanging backend held the worker for %v", took)
	}
	if failed.AudioURL != "" || failed.Version != "" {
		t.Fatalf("a failed article has audio: %+v", failed)
	}
}

// garbage is a backend that answers with bytes that are not audio.
type garbage struct{}

func (garbage) Synthesize(ctx context.Context, text string, v tts.Voice) (tts.Clip, error) {
	b := make([]byte, 4000)
	_, _ = rand.Read(b)
	copy(b, "RIFF\x00\x00\x00\x00WAVEfmt ")
	return tts.Clip{Audio: b, Format: tts.FormatWAV, SampleRate: 22050}, nil
}

// TestGarbageAudioPublishesNothing: unusable audio from a backend fails the
// article with a clear error and publishes no file.
func TestGarbageAudioPublishesNothing(t *testing.T) {
	cfg := tts.Config{
		Backends:     map[string]tts.BackendConfig{"junk": {Type: "fake-junk"}},
		Voices:       []tts.VoiceConfig{{ID: "vi", Backend: "junk", Name: "vi", Language: "vi-VN"}},
		DefaultVoice: "vi",
	}
	voices, err := tts.NewCatalog(context.Background(), cfg, tts.CatalogDeps{Open: ttstest.Opener(map[string]tts.Backend{"fake-junk": garbage{}})})
	if err != nil {
		t.Fatal(err)
	}
	h := apitest.New(t, apitest.Options{Voices: voices})
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "junk", "text": "Giá xăng tăng mạnh. Người dân lo lắng."}, nil)
	st := h.WaitStatus("junk", article.StatusFailed, 30*time.Second)
	if !strings.Contains(st.Error, "audio") {
		t.Fatalf("error %q does not name the audio problem", st.Error)
	}
	infos, _ := storage.ListAll(context.Background(), h.Store, "audio/")
	segs, _ := storage.ListAll(context.Background(), h.Store, "segments/")
	if len(infos) != 0 || len(segs) != 0 {
		t.Fatalf("garbage left %d audio and %d segment objects", len(infos), len(segs))
	}
	if resp, _ := get(t, h.URL+"/audio/junk.mp3"); resp.StatusCode != 404 {
		t.Fatalf("audio of a failed article: %d", resp.StatusCode)
	}
}

// TestDiskFull runs the service on a tiny tmpfs: when the disk fills the
// article fails, nothing half-written is visible, and what was published
// before still plays.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", dir).CombinedOutput(); err != nil {
		testenv.Missing(t, "cannot mount a small tmpfs (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	store, err := storage.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := apitest.New(t, apitest.Options{Store: store, Service: synth.ServiceConfig{MaxAttempts: 1}})
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "small", "text": "Giá xăng tăng mạnh."}, nil)
	small := h.WaitStatus("small", article.StatusReady, time.Minute)
	_, before := get(t, small.AudioURL)

	var long strings.Builder
	for range 60 {
		long.WriteString("Thị trường chứng khoán biến động mạnh trong phiên giao dịch sáng nay với thanh khoản tăng cao. ")
	}
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "big", "text": long.String()}, nil)
	st := h.WaitStatus("big", article.StatusFailed, 2*time.Minute)
	if !strings.Contains(st.Error, "no space") {
		t.Fatalf("error %q does not say the disk is full", st.Error)
	}
	// Every visible object is whole: JSON parses, MP3 segments scan.
	infos, err := storage.ListAll(context.Background(), store, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		b, got, err := storage.GetBytes(context.Background(), store, info.Key)
		if err != nil || int64(len(b)) != got.Size {
			t.Fatalf("%s unreadable: %v", info.Key, err)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".loa", "tmp", "*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left behind: %v", leftovers)
	}
	resp, after := get(t, small.AudioURL)
	if resp.StatusCode != 200 || string(after) != string(before) {
		t.Fatal("the article published before the disk filled no longer plays")
	}
}

// TestS3RestartDuringJob stops the S3 server in the middle of a job; the
// job resumes when the server is back and the article completes.
func TestS3RestartDuringJob(t *testing.T) {
	srv := s3test.StartMinIO(t)
	bucket := srv.NewBucket(t)
	raw, err := storage.Open(context.Background(), srv.Config(bucket))
	if err != nil {
		t.Fatal(err)
	}
	store := storage.WithRetry(raw, storage.RetryConfig{Attempts: 3, InitialBackoff: 50 * time.Millisecond})
	fake := &ttstest.Fake{}
	voices := fakeVoices(t, fake, &ttstest.Fake{}, tts.BackendConfig{})
	h := apitest.New(t, apitest.Options{Store: store, Voices: voices,
		Pipeline: synth.PipelineConfig{Concurrency: 1},
		Service:  synth.ServiceConfig{Lease: 30 * time.Second, PollInterval: 200 * time.Millisecond}})
	steps := make([]ttstest.Step, 40)
	for i := range steps {
		steps[i] = ttstest.Step{Delay: 60 * time.Millisecond}
	}
	fake.Push(steps...)
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "s3", "text": articleText(40, -1)}, nil)
	for fake.Calls() < 10 {
		time.Sleep(10 * time.Millisecond)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	st := h.WaitStatus("s3", article.StatusReady, 2*time.Minute)
	resp, body := get(t, st.AudioURL)
	if resp.StatusCode != 200 || int64(len(body)) != st.Bytes {
		t.Fatalf("audio after the restart: %d, %d bytes of %d", resp.StatusCode, len(body), st.Bytes)
	}
	t.Logf("backend calls: %d for 40 sentences across the S3 restart", fake.Calls())
}

// lyingStore reports audio objects one byte longer than they are while
// lie is set, as a store with a broken upload would.
type lyingStore struct {
	storage.Store
	lie *atomic.Bool
}

func (s lyingStore) Stat(ctx context.Context, key string) (storage.Info, error) {
	info, err := s.Store.Stat(ctx, key)
	if err == nil && s.lie.Load() && strings.HasPrefix(key, "audio/") && strings.HasSuffix(key, ".mp3") {
		info.Size++
	}
	return info, err
}

// TestFailedPreflightKeepsThePreviousVersion: when a new revision's audio
// fails preflight, the article keeps its previous audio, in feeds too,
// editors see why the new one was refused, and its objects are deleted.
func TestFailedPreflightKeepsThePreviousVersion(t *testing.T) {
	local, err := storage.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	lie := &atomic.Bool{}
	h := apitest.New(t, apitest.Options{Store: lyingStore{local, lie}})
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "keep", "text": "Giá xăng tăng mạnh."}, nil)
	good := h.WaitStatus("keep", article.StatusReady, time.Minute)
	lie.Store(true)
	var st article.State
	h.Do("PUT", "/api/v1/articles/keep", map[string]string{"text": "Giá xăng giảm mạnh."}, &st)
	st = h.WaitStatus("keep", article.StatusFailed, time.Minute)
	lie.Store(false)
	if st.Version != good.Version || !strings.Contains(st.Preflight, "bytes") || !strings.Contains(st.Error, "preflight") {
		t.Fatalf("after a failed preflight: version %s (was %s), preflight %q, error %q", st.Version, good.Version, st.Preflight, st.Error)
	}
	if resp, body := get(t, h.URL+"/audio/keep.mp3"); resp.StatusCode != 200 || int64(len(body)) != good.Bytes {
		t.Fatalf("previous audio no longer served: %d", resp.StatusCode)
	}
	if _, body := get(t, h.URL+"/feeds/all.xml"); !strings.Contains(string(body), "/audio/keep/"+good.Version+".mp3") {
		t.Fatalf("the feed lost the previous version:\n%s", body)
	}
	// The refused version leaves nothing behind.
	infos, err := storage.ListAll(context.Background(), local, "audio/keep/")
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		if !strings.HasPrefix(info.Key, "audio/keep/"+good.Version+".") {
			t.Errorf("%s is left behind by the refused version", info.Key)
		}
	}
}

// TestLastAttemptTimedOutFails: a job that outlives its lease on its last
// attempt is discarded by River; the article must say it failed, not wait
// in "queued" for a job that will never run.
func TestLastAttemptTimedOutFails(t *testing.T) {
	fake := &ttstest.Fake{}
	voices := fakeVoices(t, fake, &ttstest.Fake{}, tts.BackendConfig{})
	h := apitest.New(t, apitest.Options{Voices: voices,
		Pipeline: synth.PipelineConfig{Concurrency: 1},
		Service:  synth.ServiceConfig{Lease: 500 * time.Millisecond, MaxAttempts: 1, PollInterval: 50 * time.Millisecond}})
	steps := make([]ttstest.Step, 10)
	for i := range steps {
		steps[i] = ttstest.Step{Delay: 300 * time.Millisecond}
	}
	fake.Push(steps...)
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "slow", "text": articleText(10, -1)}, nil)
	st := h.WaitStatus("slow", article.StatusFailed, time.Minute)
	if !strings.Contains(st.Error, "last of 1 attempts") {
		t.Fatalf("error %q does not say the job ran out of attempts", st.Error)
	}
}

// TestLostJobFailsItsArticle: a node that dies during a job's last attempt
// cannot record the failure, and River's rescuer discards the job. The
// periodic collection (run here by a second node starting on the same
// database) finds the article still waiting and fails it with the reason.
func TestLostJobFailsItsArticle(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := apitest.New(t, apitest.Options{DB: db, NoWorkers: true})
		a.Do("POST", "/api/v1/articles", map[string]string{"id": "lost", "text": "Một câu."}, nil)
		a.Do("POST", "/api/v1/articles", map[string]string{"id": "kept", "text": "Hai câu."}, nil)
		ctx := context.Background()
		res, err := db.Conn().Exec(ctx, `UPDATE river_job SET state = 'discarded', attempt = 5, finalized_at = CURRENT_TIMESTAMP
WHERE id = (SELECT job_id FROM articles WHERE id = 'lost')`)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("%d jobs discarded, want 1", n)
		}
		b := apitest.New(t, apitest.Options{DB: db, Store: a.Store, Service: synth.ServiceConfig{GCGrace: time.Second}})
		st := b.WaitStatus("lost", article.StatusFailed, time.Minute)
		if !strings.Contains(st.Error, "discarded after 5 attempts") {
			t.Fatalf("error %q does not say the job was lost", st.Error)
		}
		// The other article's job was not lost: node b makes it.
		b.WaitStatus("kept", article.StatusReady, time.Minute)
	})
}
