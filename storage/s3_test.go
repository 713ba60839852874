package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/s3test"
	"github.com/loa-audio/loa/storage/storagetest"
)

func TestMain(m *testing.M) { s3test.Main(m) }

// testPartSize makes storagetest's 12 MiB objects go up in three parts.
const testPartSize = 5 << 20

func openS3(t testing.TB, srv *s3test.Server, bucket string, tweak func(*storage.Config)) storage.Store {
	t.Helper()
	cfg := srv.Config(bucket)
	cfg.PartSize = testPartSize
	if tweak != nil {
		tweak(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := storage.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open %s: %v", cfg.URL, err)
	}
	return s
}

func TestMinIOConformance(t *testing.T) {
	srv := s3test.SharedMinIO(t)
	storagetest.Run(t, func(t *testing.T) storage.Store { return openS3(t, srv, srv.NewBucket(t), nil) })
}

func TestMinIOWithRetryConformance(t *testing.T) {
	srv := s3test.SharedMinIO(t)
	storagetest.Run(t, func(t *testing.T) storage.Store {
		return storage.WithRetry(openS3(t, srv, srv.NewBucket(t), nil), storage.RetryConfig{})
	})
}

// versitygw 1.8.0 has the GetMetadataRace quirk (see storagetest).
func TestVersityGWConformance(t *testing.T) {
	srv := s3test.SharedVersityGW(t)
	storagetest.Run(t, func(t *testing.T) storage.Store { return openS3(t, srv, srv.NewBucket(t), nil) }, storagetest.GetMetadataRace)
}

// TestServerChecksConditionsOnMultipart records whether each server checks
// If-None-Match / If-Match when a multipart upload completes. Loa does not
// depend on it (conditional puts are single PUTs), but it is why.
func TestServerChecksConditionsOnMultipart(t *testing.T) {
	for _, tc := range []struct {
		name       string
		server     func(testing.TB) *s3test.Server
		mustHonour bool
	}{
		{"MinIO", s3test.SharedMinIO, true},
		{"VersityGW", s3test.SharedVersityGW, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.server(t)
			s := openS3(t, srv, srv.NewBucket(t), nil)
			storage.AllowConditionalMultipart(s)
			ctx := t.Context()
			data := bytes.Repeat([]byte("v1"), 6<<20) // 12 MiB: three parts
			first, err := s.Put(ctx, "big", bytes.NewReader(data), int64(len(data)), storage.PutOptions{IfNoneMatch: true})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(first.ETag, "-") {
				t.Fatalf("ETag %q is not a multipart ETag; the test did not exercise multipart", first.ETag)
			}
			data2 := bytes.Repeat([]byte("v2"), 6<<20)
			_, errCreate := s.Put(ctx, "big", bytes.NewReader(data2), int64(len(data2)), storage.PutOptions{IfNoneMatch: true})
			_, errMatch := s.Put(ctx, "big", bytes.NewReader(data2), int64(len(data2)), storage.PutOptions{IfMatch: "0123456789abcdef0123456789abcdef-3"})
			if errors.Is(errCreate, storage.ErrConflict) && errors.Is(errMatch, storage.ErrConflict) {
				return
			}
			msg := fmt.Sprintf("%s does not check conditions on multipart uploads (If-None-Match: * over an existing key: %v; stale If-Match: %v)", tc.name, errCreate, errMatch)
			if tc.mustHonour {
				t.Fatal(msg)
			}
			t.Skip(msg + "; Loa sends conditional puts as single PUTs")
		})
	}
}

func s3Servers() []struct {
	name   string
	server func(testing.TB) *s3test.Server
} {
	return []struct {
		name   string
		server func(testing.TB) *s3test.Server
	}{{"MinIO", s3test.SharedMinIO}, {"VersityGW", s3test.SharedVersityGW}}
}

func TestS3SignedURL(t *testing.T) {
	for _, tc := range s3Servers() {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.server(t)
			s := storage.WithRetry(openS3(t, srv, srv.NewBucket(t), nil), storage.RetryConfig{})
			ctx := t.Context()
			data := []byte("ID3 pretend mp3")
			if _, err := storage.PutBytes(ctx, s, "audio/tiếng việt.mp3", data, storage.PutOptions{ContentType: "audio/mpeg"}); err != nil {
				t.Fatal(err)
			}
			u, ok, err := storage.PresignedURL(ctx, s, "audio/tiếng việt.mp3", time.Minute)
			if err != nil || !ok {
				t.Fatalf("PresignedURL = %q, %v, %v", u, ok, err)
			}
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || !bytes.Equal(got, data) || resp.Header.Get("Content-Type") != "audio/mpeg" {
				t.Errorf("GET presigned URL: %d %q %q", resp.StatusCode, got, resp.Header.Get("Content-Type"))
			}
			for _, bad := range []time.Duration{0, 8 * 24 * time.Hour} {
				if _, _, err := storage.PresignedURL(ctx, s, "audio/x.mp3", bad); !errors.Is(err, storage.ErrInvalidArgument) {
					t.Errorf("expiry %v: %v, want ErrInvalidArgument", bad, err)
				}
			}
		})
	}
}

func TestS3KeyPrefix(t *testing.T) {
	srv := s3test.SharedMinIO(t)
	bucket := srv.NewBucket(t)
	whole := openS3(t, srv, bucket, nil)
	tenant := openS3(t, srv, bucket, func(c *storage.Config) { c.URL = strings.Replace(c.URL, bucket+"?", bucket+"/tenant-a?", 1) })
	ctx := t.Context()
	if _, err := storage.PutBytes(ctx, tenant, "articles/1.json", []byte("{}"), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := storage.Exists(ctx, whole, "tenant-a/articles/1.json"); !ok {
		t.Error("prefixed key not stored under the prefix")
	}
	if _, err := storage.PutBytes(ctx, whole, "articles/2.json", []byte("{}"), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	all, err := storage.ListAll(ctx, tenant, "")
	if err != nil || len(all) != 1 || all[0].Key != "articles/1.json" {
		t.Errorf("prefixed list = %+v, %v; want only articles/1.json", all, err)
	}
	page, err := tenant.List(ctx, "", storage.ListOptions{StartAfter: "articles/0", Limit: 1})
	if err != nil || len(page.Items) != 1 || page.Next != "" {
		t.Errorf("prefixed page = %+v, %v", page, err)
	}
}

func TestS3ServerSideEncryption(t *testing.T) {
	srv := s3test.SharedMinIO(t)
	s := openS3(t, srv, srv.NewBucket(t), func(c *storage.Config) { c.SSE = "AES256" })
	ctx := t.Context()
	data := bytes.Repeat([]byte("secret audio "), 1000)
	if _, err := storage.PutBytes(ctx, s, "audio/enc.mp3", data, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _, err := storage.GetBytes(ctx, s, "audio/enc.mp3")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get encrypted object: %d bytes, %v", len(got), err)
	}
	u, _, err := storage.PresignedURL(ctx, s, "audio/enc.mp3", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if enc := resp.Header.Get("X-Amz-Server-Side-Encryption"); enc != "AES256" {
		t.Errorf("server-side encryption header = %q, want AES256", enc)
	}
	// Compare-and-swap works on encrypted objects too.
	if _, err := storage.Update(ctx, s, "jobs/enc.json", func(cur []byte, exists bool) ([]byte, error) { return []byte("1"), nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.Update(ctx, s, "jobs/enc.json", func(cur []byte, exists bool) ([]byte, error) { return append(cur, '2'), nil }); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := storage.GetBytes(ctx, s, "jobs/enc.json"); string(got) != "12" {
		t.Errorf("encrypted counter = %q", got)
	}
}

func TestS3OpenErrors(t *testing.T) {
	srv := s3test.SharedMinIO(t)
	ctx := t.Context()

	cfg := srv.Config("loa-no-such-bucket")
	if _, err := storage.Open(ctx, cfg); !errors.Is(err, storage.ErrNotFound) || !strings.Contains(err.Error(), "create=true") {
		t.Errorf("missing bucket: %v, want ErrNotFound suggesting create=true", err)
	}

	cfg = srv.Config(srv.NewBucket(t))
	cfg.SecretKey = "wrong-secret-key"
	_, err := storage.Open(ctx, cfg)
	if err == nil || errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("wrong secret: %v, want a plain error", err)
	}

	closed := srv.Config("anything")
	closed.URL = strings.Replace(closed.URL, srv.Endpoint, "127.0.0.1:1", 1)
	closed.MaxRetries = 1
	if _, err := storage.Open(ctx, closed); !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("nothing listening: %v, want ErrUnavailable", err)
	}

	// Credentials from files, as container secrets provide them.
	dir := t.TempDir()
	bucket := srv.NewBucket(t)
	os.WriteFile(filepath.Join(dir, "credentials"), []byte("[loa]\naws_access_key_id = "+srv.AccessKey+"\naws_secret_access_key = "+srv.SecretKey+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "ak"), []byte(srv.AccessKey+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "sk"), []byte(srv.SecretKey+"\n"), 0o600)
	for name, cfg := range map[string]storage.Config{
		"shared credentials file": {URL: srv.StoreURL(bucket), CredentialsFile: filepath.Join(dir, "credentials"), Profile: "loa"},
		"key files":               {URL: srv.StoreURL(bucket), AccessKeyFile: filepath.Join(dir, "ak"), SecretKeyFile: filepath.Join(dir, "sk")},
		"environment": storage.ConfigFromEnv(func(k string) string {
			return map[string]string{"LOA_STORE": srv.StoreURL(bucket), "AWS_ACCESS_KEY_ID_FILE": filepath.Join(dir, "ak"), "AWS_SECRET_ACCESS_KEY": srv.SecretKey}[k]
		}),
	} {
		s, err := storage.Open(ctx, cfg)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, err := storage.PutBytes(ctx, s, "k", []byte(name), storage.PutOptions{}); err != nil {
			t.Errorf("%s: put: %v", name, err)
		}
	}
	if _, err := storage.Open(ctx, storage.Config{URL: srv.StoreURL(bucket), CredentialsFile: filepath.Join(dir, "credentials"), Profile: "nobody"}); !errors.Is(err, storage.ErrInvalidArgument) {
		t.Errorf("unknown profile: %v, want ErrInvalidArgument", err)
	}
}

// TestS3ErrorsAreWrapped checks that S3 failures say what was happening and
// carry the package's sentinels.
func TestS3ErrorsAreWrapped(t *testing.T) {
	srv := s3test.SharedMinIO(t)
	s := openS3(t, srv, srv.NewBucket(t), nil)
	_, _, err := s.Get(t.Context(), "articles/404.json", nil)
	if !errors.Is(err, storage.ErrNotFound) || !strings.Contains(err.Error(), "get articles/404.json") {
		t.Errorf("get missing = %v", err)
	}
	storage.PutBytes(t.Context(), s, "x", []byte("1"), storage.PutOptions{})
	_, err = storage.PutBytes(t.Context(), s, "x", []byte("2"), storage.PutOptions{IfNoneMatch: true})
	if !errors.Is(err, storage.ErrConflict) || !strings.Contains(err.Error(), "put x") {
		t.Errorf("conflict = %v", err)
	}
}
