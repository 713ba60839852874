package storage

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"LOA_STORE":                  " s3://b?endpoint=h:9000 ",
		"AWS_ACCESS_KEY_ID":          "AK",
		"AWS_SECRET_ACCESS_KEY":      "SK",
		"AWS_SESSION_TOKEN":          "TOK",
		"AWS_SECRET_ACCESS_KEY_FILE": "/run/secrets/sk",
		"AWS_PROFILE":                "loa",
	}
	cfg := ConfigFromEnv(func(k string) string { return env[k] })
	want := Config{URL: "s3://b?endpoint=h:9000", DataDir: DefaultDataDir, AccessKey: "AK", SecretKey: "SK",
		SessionToken: "TOK", SecretKeyFile: "/run/secrets/sk", Profile: "loa"}
	if cfg.URL != want.URL || cfg.DataDir != want.DataDir || cfg.AccessKey != want.AccessKey || cfg.SecretKey != want.SecretKey ||
		cfg.SessionToken != want.SessionToken || cfg.SecretKeyFile != want.SecretKeyFile || cfg.Profile != want.Profile {
		t.Errorf("ConfigFromEnv = %+v, want %+v", cfg, want)
	}
	if got := ConfigFromEnv(func(string) string { return "" }); got.DataDir != "./data" || got.URL != "" {
		t.Errorf("empty env = %+v", got)
	}
}

func TestParseS3URL(t *testing.T) {
	creds := Config{AccessKey: "AK", SecretKey: "SK"}
	parse := func(raw string, cfg Config) (s3Config, error) {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return parseS3URL(u, cfg)
	}
	c, err := parse("s3://loa-audio/tenant/a?endpoint=minio:9000&region=eu-1&tls=false&path_style=true&create=true&sse=AES256&part_size=6291456", creds)
	if err != nil {
		t.Fatal(err)
	}
	if c.Bucket != "loa-audio" || c.Prefix != "tenant/a/" || c.Endpoint != "minio:9000" || c.Region != "eu-1" || c.TLS ||
		c.PathStyle == nil || !*c.PathStyle || !c.Create || c.SSE != "AES256" || c.PartSize != 6<<20 {
		t.Errorf("parsed = %+v", c)
	}
	c, err = parse("s3://b", creds)
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != "s3.amazonaws.com" || !c.TLS || c.PathStyle != nil || c.PartSize != DefaultPartSize || c.Prefix != "" {
		t.Errorf("defaults = %+v", c)
	}

	for _, tc := range []struct{ url, want string }{
		{"s3://?endpoint=h", "missing bucket"},
		{"s3://b?endpoint=h&colour=blue", `unknown parameter "colour"`},
		{"s3://b?tls=maybe", "parameter tls"},
		{"s3://b?part_size=1024", "below the S3 minimum"},
		{"s3://b?sse=rot13", "sse must be"},
		{"s3://b?endpoint=http://h:9000", "HOST or HOST:PORT"},
		{"s3://user:pw@b", "credentials do not belong in the URL"},
		{"s3://b/../x", "bad prefix"},
	} {
		_, err := parse(tc.url, creds)
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrInvalidArgument mentioning %q", tc.url, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("%s: error leaks the password: %v", tc.url, err)
		}
	}
	if _, err := parse("s3://b?sse=AES256", Config{AccessKey: "AK", SecretKey: "SK", SSE: "aws:kms"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("conflicting SSE: %v", err)
	}
	if _, err := parse("s3://b", Config{}); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("no credentials: %v", err)
	}
	if _, err := parse("s3://b", Config{AccessKey: "AK"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("access key without secret: %v", err)
	}

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ak"), []byte("AK-FROM-FILE\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "sk"), []byte("  SK-FROM-FILE  \n"), 0o600)
	c, err = parse("s3://b", Config{AccessKeyFile: filepath.Join(dir, "ak"), SecretKeyFile: filepath.Join(dir, "sk")})
	if err != nil || c.AccessKey != "AK-FROM-FILE" || c.SecretKey != "SK-FROM-FILE" {
		t.Errorf("keys from files = %+v, %v", c, err)
	}
	if _, err := parse("s3://b", Config{AccessKeyFile: filepath.Join(dir, "missing")}); err == nil || !strings.Contains(err.Error(), "credential file") {
		t.Errorf("missing key file: %v", err)
	}
}

func TestOpenFileURL(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), Config{URL: "file://" + dir})
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := s.(*LocalStore); !ok || l.Root() != dir {
		t.Errorf("file URL opened %T %v", s, s)
	}
	s, err = Open(t.Context(), Config{DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	if l := s.(*LocalStore); l.Root() != filepath.Join(dir, "data") {
		t.Errorf("DataDir opened %s", l.Root())
	}
	for _, raw := range []string{"file://relative/path", "file:relative", "file:///abs?x=1", "ftp://host/x", "://"} {
		if _, err := Open(t.Context(), Config{URL: raw}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("Open(%q): %v, want ErrInvalidArgument", raw, err)
		}
	}
}

func TestValidateKeyReasons(t *testing.T) {
	for key, reason := range map[string]string{
		"":                        "empty key",
		"/etc/passwd":             "absolute path",
		"a/../b":                  `".." path segment`,
		`a\b`:                     "backslash",
		"a\x00b":                  "NUL",
		"a\x1fb":                  "control character U+001F",
		"a\u0085b":                "control character U+0085",
		"a//b":                    "double slash",
		"a/":                      "ends with a slash",
		".loa/tmp/x":              "reserved",
		"\xc3\x28":                "UTF-8",
		strings.Repeat("x", 1025): "longer than 1024",
	} {
		err := ValidateKey(key)
		if !errors.Is(err, ErrInvalidKey) || !strings.Contains(err.Error(), reason) {
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey saying %q", key, err, reason)
		}
	}
	for _, key := range []string{"a", "articles/123/source.json", "bài viết/tiếng việt.mp3", "a..b/c.", ".hidden/x", "segments/ab12.mp3"} {
		if err := ValidateKey(key); err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", key, err)
		}
	}
}
