package s3test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/loa-audio/loa/storage"
)

func TestMain(m *testing.M) { Main(m) }

func TestRestartKeepsDataAndPort(t *testing.T) {
	for _, start := range []func(testing.TB) *Server{StartMinIO, StartVersityGW} {
		srv := start(t)
		t.Run(srv.Kind, func(t *testing.T) {
			bucket := srv.NewBucket(t)
			s := srv.OpenStore(t, bucket)
			if _, err := storage.PutBytes(t.Context(), s, "k", []byte("kept"), storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			endpoint := srv.Endpoint
			if err := srv.Stop(); err != nil || srv.Running() {
				t.Fatalf("stop: %v, running %v", err, srv.Running())
			}
			if err := srv.Stop(); err != nil {
				t.Errorf("second stop: %v", err)
			}
			if err := srv.Restart(); err != nil {
				t.Fatal(err)
			}
			if srv.Endpoint != endpoint {
				t.Errorf("endpoint moved from %s to %s", endpoint, srv.Endpoint)
			}
			got, _, err := storage.GetBytes(t.Context(), s, "k")
			if err != nil || string(got) != "kept" {
				t.Errorf("after restart: %q %v", got, err)
			}
			if err := srv.Start(); err == nil {
				t.Error("starting a running server succeeded")
			}
		})
	}
}

func TestSharedServerIsShared(t *testing.T) {
	a, b := SharedMinIO(t), SharedMinIO(t)
	if a != b {
		t.Error("two calls started two servers")
	}
	b1, b2 := a.NewBucket(t), a.NewBucket(t)
	if b1 == b2 {
		t.Errorf("NewBucket returned %s twice", b1)
	}
	env := strings.Join(a.Env(b1), "\n")
	for _, want := range []string{"LOA_STORE=s3://" + b1 + "?endpoint=" + a.Endpoint, "AWS_ACCESS_KEY_ID=" + AccessKey, "AWS_SECRET_ACCESS_KEY=" + SecretKey} {
		if !strings.Contains(env, want) {
			t.Errorf("Env lacks %q:\n%s", want, env)
		}
	}
}

func TestBucketName(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
	for _, name := range []string{"TestX", "TestVeryLong/Sub_Test/with spaces and ÜNICODE/" + strings.Repeat("x", 100), "Test--__--", "T"} {
		got := bucketName(name, 12)
		if !valid.MatchString(got) || strings.Contains(got, "--") {
			t.Errorf("bucketName(%q) = %q, not a valid S3 bucket name", name, got)
		}
	}
}
