package storage

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Config selects and configures a store. The zero value is a local store in
// ./data.
type Config struct {
	// URL is "file:///abs/path" or
	// "s3://BUCKET[/PREFIX]?endpoint=HOST:PORT&region=R&tls=false&path_style=true&create=true&sse=AES256".
	// "" means a local store at DataDir.
	URL string
	// DataDir is the local store's folder when URL is ""; "" = "./data".
	DataDir string

	// S3 credentials. When AccessKey is empty the *File fields are read
	// (one value per file, surrounding whitespace trimmed), then
	// CredentialsFile (AWS shared credentials format) with Profile.
	AccessKey, SecretKey, SessionToken             string
	AccessKeyFile, SecretKeyFile, SessionTokenFile string
	CredentialsFile                                string
	Profile                                        string // "" = "default"

	// SSE is server-side encryption for S3 puts: "" (none), "AES256" (SSE-S3),
	// "aws:kms" (SSE-KMS with the bucket's default key) or "aws:kms:KEYID".
	// The URL's sse parameter sets it too.
	SSE string
	// PartSize is the S3 multipart part size; objects larger than this are
	// uploaded in parts. 0 = 16 MiB. S3 requires at least 5 MiB.
	PartSize int64
	// MaxRetries is how many times the S3 client tries one request on
	// network errors and 5xx answers before giving up. 0 = 10; 1 = no retry.
	MaxRetries int
	// Transport overrides the S3 HTTP transport (proxies, custom CAs); nil =
	// a default transport.
	Transport http.RoundTripper
}

// Defaults, named so the docs and the code agree.
const (
	DefaultDataDir  = "./data"
	DefaultPartSize = 16 << 20
	minPartSize     = 5 << 20
)

// ConfigFromEnv reads the store settings listed in doc.go from getenv
// (os.Getenv in cmd). Secrets given as *_FILE are read later, by Open, so a
// missing file is reported as an error there.
func ConfigFromEnv(getenv func(string) string) Config {
	cfg := Config{
		URL:              strings.TrimSpace(getenv("LOA_STORE")),
		DataDir:          getenv("LOA_DATA_DIR"),
		AccessKey:        getenv("AWS_ACCESS_KEY_ID"),
		SecretKey:        getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:     getenv("AWS_SESSION_TOKEN"),
		AccessKeyFile:    getenv("AWS_ACCESS_KEY_ID_FILE"),
		SecretKeyFile:    getenv("AWS_SECRET_ACCESS_KEY_FILE"),
		SessionTokenFile: getenv("AWS_SESSION_TOKEN_FILE"),
		CredentialsFile:  getenv("AWS_SHARED_CREDENTIALS_FILE"),
		Profile:          getenv("AWS_PROFILE"),
	}
	if cfg.DataDir == "" {
		cfg.DataDir = DefaultDataDir
	}
	return cfg
}

// Open returns the store cfg describes. For S3 it checks that the bucket
// exists (creating it when the URL says create=true), so a wrong endpoint,
// bucket or key fails here rather than on the first request.
func Open(ctx context.Context, cfg Config) (Store, error) {
	if cfg.URL == "" {
		dir := cfg.DataDir
		if dir == "" {
			dir = DefaultDataDir
		}
		return OpenLocal(dir)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: store URL: %v", ErrInvalidArgument, err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("%w: store URL %q: a file URL has no host; write file:///abs/path", ErrInvalidArgument, cfg.URL)
		}
		if u.RawQuery != "" {
			return nil, fmt.Errorf("%w: store URL %q: file URLs take no parameters", ErrInvalidArgument, cfg.URL)
		}
		if !filepath.IsAbs(u.Path) {
			return nil, fmt.Errorf("%w: store URL %q: path must be absolute", ErrInvalidArgument, cfg.URL)
		}
		return OpenLocal(u.Path)
	case "s3":
		s3cfg, err := parseS3URL(u, cfg)
		if err != nil {
			return nil, err
		}
		return openS3(ctx, s3cfg)
	default:
		return nil, fmt.Errorf("%w: store URL %q: unsupported scheme %q (want file:// or s3://)", ErrInvalidArgument, cfg.URL, u.Scheme)
	}
}

// s3Config is the parsed, validated form of an s3:// URL plus credentials.
type s3Config struct {
	Endpoint     string
	Bucket       string
	Prefix       string // "" or ends with "/"
	Region       string
	TLS          bool
	PathStyle    *bool // nil = let the client decide
	Create       bool
	SSE          string
	PartSize     int64
	MaxRetries   int
	Transport    http.RoundTripper
	AccessKey    string
	SecretKey    string
	SessionToken string
	CredFile     string
	Profile      string
}

func parseS3URL(u *url.URL, cfg Config) (s3Config, error) {
	bad := func(format string, args ...any) (s3Config, error) {
		return s3Config{}, fmt.Errorf("%w: store URL %q: %s", ErrInvalidArgument, u.Redacted(), fmt.Sprintf(format, args...))
	}
	if u.User != nil {
		return bad("credentials do not belong in the URL; use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY")
	}
	c := s3Config{
		Bucket:       u.Host,
		TLS:          true,
		Endpoint:     "s3.amazonaws.com",
		SSE:          cfg.SSE,
		PartSize:     cfg.PartSize,
		MaxRetries:   cfg.MaxRetries,
		Transport:    cfg.Transport,
		AccessKey:    cfg.AccessKey,
		SecretKey:    cfg.SecretKey,
		SessionToken: cfg.SessionToken,
		CredFile:     cfg.CredentialsFile,
		Profile:      cfg.Profile,
	}
	if c.Bucket == "" {
		return bad("missing bucket (s3://BUCKET?...)")
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if err := ValidateKey(p); err != nil {
			return bad("bad prefix: %v", err)
		}
		c.Prefix = p + "/"
	}
	q := u.Query()
	for name, vals := range q {
		v := vals[len(vals)-1]
		var err error
		switch name {
		case "endpoint":
			if v == "" || strings.Contains(v, "/") {
				return bad("endpoint must be HOST or HOST:PORT, got %q", v)
			}
			c.Endpoint = v
		case "region":
			c.Region = v
		case "tls":
			c.TLS, err = strconv.ParseBool(v)
		case "path_style":
			var b bool
			b, err = strconv.ParseBool(v)
			c.PathStyle = &b
		case "create":
			c.Create, err = strconv.ParseBool(v)
		case "sse":
			if c.SSE != "" && c.SSE != v {
				return bad("sse=%q conflicts with the configured SSE %q", v, c.SSE)
			}
			c.SSE = v
		case "part_size":
			c.PartSize, err = strconv.ParseInt(v, 10, 64)
		default:
			return bad("unknown parameter %q (known: endpoint, region, tls, path_style, create, sse, part_size)", name)
		}
		if err != nil {
			return bad("parameter %s: %v", name, err)
		}
	}
	if c.PartSize == 0 {
		c.PartSize = DefaultPartSize
	}
	if c.PartSize < minPartSize {
		return bad("part size %d is below the S3 minimum of 5 MiB", c.PartSize)
	}
	switch {
	case c.SSE == "", c.SSE == "AES256", c.SSE == "aws:kms", strings.HasPrefix(c.SSE, "aws:kms:"):
	default:
		return bad("sse must be AES256, aws:kms or aws:kms:KEYID, got %q", c.SSE)
	}
	if c.AccessKey == "" {
		var err error
		if c.AccessKey, err = readSecretFile(cfg.AccessKeyFile); err != nil {
			return s3Config{}, err
		}
		if c.SecretKey == "" {
			if c.SecretKey, err = readSecretFile(cfg.SecretKeyFile); err != nil {
				return s3Config{}, err
			}
		}
		if c.SessionToken == "" {
			if c.SessionToken, err = readSecretFile(cfg.SessionTokenFile); err != nil {
				return s3Config{}, err
			}
		}
	}
	if c.AccessKey == "" && c.CredFile == "" {
		return s3Config{}, fmt.Errorf("%w: s3 store: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or their _FILE twins, or AWS_SHARED_CREDENTIALS_FILE)", ErrInvalidArgument)
	}
	if c.AccessKey != "" && c.SecretKey == "" {
		return s3Config{}, fmt.Errorf("%w: s3 store: access key given without a secret key", ErrInvalidArgument)
	}
	return c, nil
}

func readSecretFile(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read credential file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
