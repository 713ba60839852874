package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/s3test"
)

// faultServers are the servers the fault tests stop and restart; each test
// gets its own, since stopping the shared one would break other tests.
var faultServers = []struct {
	name  string
	start func(testing.TB) *s3test.Server
}{
	{"MinIO", s3test.StartMinIO},
	{"VersityGW", s3test.StartVersityGW},
}

// noClientRetries makes the S3 client give up at the first network error,
// so a stopped server shows at once instead of after ten client retries.
func noClientRetries(cfg *storage.Config) { cfg.MaxRetries = 1 }

// gatedReader delivers its first gate bytes, signals reached, and delivers
// the rest only once release is closed.
type gatedReader struct {
	data    []byte
	off     int
	gate    int
	reached chan struct{}
	release chan struct{}
}

func newGatedReader(data []byte, gate int) *gatedReader {
	return &gatedReader{data: data, gate: gate, reached: make(chan struct{}), release: make(chan struct{})}
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if g.off == g.gate {
		close(g.reached)
		<-g.release
	}
	if g.off >= len(g.data) {
		return 0, io.EOF
	}
	end := len(g.data)
	if g.off < g.gate {
		end = g.gate
	}
	n := copy(p, g.data[g.off:end])
	g.off += n
	return n, nil
}

func TestFaultStopDuringWrite(t *testing.T) {
	for _, fs := range faultServers {
		t.Run(fs.name, func(t *testing.T) {
			for _, size := range []int{3 << 20, 12 << 20} { // single PUT, multipart
				srv := fs.start(t)
				bucket := srv.NewBucket(t)
				s := openS3(t, srv, bucket, noClientRetries)
				ctx := t.Context()
				old := bytes.Repeat([]byte("old "), 1000)
				if _, err := storage.PutBytes(ctx, s, "audio/ep.mp3", old, storage.PutOptions{}); err != nil {
					t.Fatal(err)
				}
				body := newGatedReader(bytes.Repeat([]byte("new!"), size/4), size/2)
				errc := make(chan error, 1)
				go func() {
					_, err := s.Put(ctx, "audio/ep.mp3", body, int64(size), storage.PutOptions{})
					errc <- err
				}()
				<-body.reached
				srv.Stop()
				close(body.release)
				err := <-errc
				if !errors.Is(err, storage.ErrUnavailable) {
					t.Fatalf("%d-byte put cut by a server stop: %v, want ErrUnavailable", size, err)
				}
				t.Logf("%d-byte put cut by a server stop: %v", size, err)
				if err := srv.Start(); err != nil {
					t.Fatal(err)
				}
				got, info, err := storage.GetBytes(ctx, s, "audio/ep.mp3")
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, old) || info.Size != int64(len(old)) {
					t.Errorf("after restart the object is %d bytes, want the old %d", len(got), len(old))
				}
				all, err := storage.ListAll(ctx, s, "")
				if err != nil || len(all) != 1 {
					t.Errorf("after restart list = %+v, %v; want only the old object", all, err)
				}
			}
		})
	}
}

func TestFaultStopDuringRead(t *testing.T) {
	for _, fs := range faultServers {
		t.Run(fs.name, func(t *testing.T) {
			srv := fs.start(t)
			s := openS3(t, srv, srv.NewBucket(t), noClientRetries)
			ctx := t.Context()
			// Larger than the loopback socket buffers, so stopping the
			// server cuts the download rather than leaving it buffered.
			data := bytes.Repeat([]byte("0123456789abcdef"), 3<<20)
			if _, err := storage.PutBytes(ctx, s, "audio/long.mp3", data, storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			rc, _, err := s.Get(ctx, "audio/long.mp3", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if _, err := io.ReadFull(rc, make([]byte, 1<<20)); err != nil {
				t.Fatal(err)
			}
			srv.Stop()
			n, err := io.Copy(io.Discard, rc)
			if !errors.Is(err, storage.ErrUnavailable) {
				t.Fatalf("read cut by a server stop: %d more bytes, err %v; want ErrUnavailable", n, err)
			}
			t.Logf("read cut by a server stop after %d more bytes: %v", n, err)
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			got, _, err := storage.GetBytes(ctx, s, "audio/long.mp3")
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("after restart: %d bytes, %v", len(got), err)
			}
		})
	}
}

// TestFaultRetryRecovers stops the server under a WithRetry store and
// brings it back while the store is retrying.
func TestFaultRetryRecovers(t *testing.T) {
	for _, fs := range faultServers {
		t.Run(fs.name, func(t *testing.T) {
			srv := fs.start(t)
			inner := openS3(t, srv, srv.NewBucket(t), noClientRetries)
			s := storage.WithRetry(inner, storage.RetryConfig{Attempts: 40, InitialBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond})
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			restartAfter := func(d time.Duration) chan error {
				done := make(chan error, 1)
				go func() {
					time.Sleep(d)
					done <- srv.Start()
				}()
				return done
			}

			// A write while the server is down.
			srv.Stop()
			restarted := restartAfter(time.Second)
			data := bytes.Repeat([]byte("segment "), 100_000)
			if _, err := storage.PutBytes(ctx, s, "segments/a.mp3", data, storage.PutOptions{}); err != nil {
				t.Fatalf("put through an outage: %v", err)
			}
			if err := <-restarted; err != nil {
				t.Fatal(err)
			}

			// A conditional update while the server is down.
			srv.Stop()
			restarted = restartAfter(time.Second)
			if _, err := storage.Update(ctx, s, "jobs/1.json", func(cur []byte, exists bool) ([]byte, error) {
				return []byte(`{"state":"queued"}`), nil
			}); err != nil {
				t.Fatalf("update through an outage: %v", err)
			}
			if err := <-restarted; err != nil {
				t.Fatal(err)
			}

			// A download cut in the middle resumes where it stopped.
			big := bytes.Repeat([]byte("0123456789abcdef"), 3<<20)
			if _, err := storage.PutBytes(ctx, s, "audio/long.mp3", big, storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			rc, _, err := s.Get(ctx, "audio/long.mp3", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			head := make([]byte, 1<<20)
			if _, err := io.ReadFull(rc, head); err != nil {
				t.Fatal(err)
			}
			srv.Stop()
			restarted = restartAfter(time.Second)
			rest, err := io.ReadAll(rc)
			if err != nil {
				t.Fatalf("read through an outage: %v", err)
			}
			if err := <-restarted; err != nil {
				t.Fatal(err)
			}
			if got := append(head, rest...); sha256.Sum256(got) != sha256.Sum256(big) {
				t.Errorf("resumed download differs: %d bytes, want %d", len(got), len(big))
			}
			got, _, err := storage.GetBytes(ctx, s, "segments/a.mp3")
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("object written through the outage: %d bytes, %v", len(got), err)
			}
		})
	}
}
