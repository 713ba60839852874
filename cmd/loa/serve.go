package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/loa-audio/loa/api"
	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/audio"
	"github.com/loa-audio/loa/synth/ingest"
	"github.com/loa-audio/loa/synth/sources"
	"github.com/loa-audio/loa/synth/text"
	"github.com/loa-audio/loa/synth/tts"
	_ "github.com/loa-audio/loa/synth/tts/all"
	"github.com/loa-audio/loa/synth/webhook"
	"github.com/loa-audio/loa/web"
)

// common holds the settings shared by serve and synth.
type common struct {
	dataDir      string
	store        string
	ttsConfig    string
	ttsJSON      string
	voice        string
	sampleRate   int
	bitrate      int
	concurrency  int
	logLevel     string
	logFormat    string
	normalize    *text.NormalizeOptions
	pauseSetting pauseFlags
}

func declareCommon(fs *flagSet, c *common) {
	fs.String(&c.dataDir, "data-dir", "LOA_DATA_DIR", "./data", "local data folder, the default store")
	fs.String(&c.store, "store", "LOA_STORE", "", "store URL: file:///abs/path or s3://BUCKET?endpoint=HOST:PORT&region=R&tls=false&path_style=true&create=true (default: the data folder); S3 credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or their _FILE twins")
	fs.String(&c.ttsConfig, "tts-config", "LOA_TTS_CONFIG", "", "JSON file declaring TTS backends and voices (default: espeak-ng voices only)")
	fs.String(&c.ttsJSON, "tts-config-json", tts.EnvConfigJSON, "", "the TTS configuration inline, as JSON, when no --tts-config file is given")
	fs.String(&c.voice, "default-voice", tts.EnvDefaultVoice, "", "default voice id (default: the TTS configuration's default, vi)")
	fs.Int(&c.sampleRate, "sample-rate", "LOA_SAMPLE_RATE", 24000, "MP3 sample rate in Hz")
	fs.Int(&c.bitrate, "bitrate", "LOA_BITRATE", 48, "MP3 constant bit rate in kbps")
	fs.Int(&c.concurrency, "synth-concurrency", "LOA_SYNTH_CONCURRENCY", 0, "sentences synthesized at once per article (0 = number of CPUs)")
	fs.String(&c.logLevel, "log-level", "LOA_LOG_LEVEL", "info", "log level: debug, info, warn, error")
	fs.String(&c.logFormat, "log-format", "LOA_LOG_FORMAT", "text", "log format: text or json")
	c.normalize = normalizeFlags(fs)
	declarePauses(fs, &c.pauseSetting)
}

// open builds the store, the voice catalog and the pipeline from settings;
// usage keeps the TTS cost guard's counters (nil = in memory).
func (c *common) open(ctx context.Context, e env, log *slog.Logger, reg prometheus.Registerer, usage tts.UsageStore) (storage.Store, *tts.Catalog, *synth.Pipeline, error) {
	scfg := storage.ConfigFromEnv(e.getenv)
	scfg.URL, scfg.DataDir = c.store, c.dataDir
	store, err := storage.Open(ctx, scfg)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open store: %w", err)
	}
	// A restarting S3 server or a dropped connection should cost a retry,
	// not a failed job. A local folder has no such failures, and keeps its
	// files servable with sendfile.
	if _, local := store.(*storage.LocalStore); !local {
		store = storage.WithRetry(store, storage.RetryConfig{Logger: log})
	}
	tcfg, err := loadTTSConfig(c.ttsConfig, c.ttsJSON, c.voice, e.getenv)
	if err != nil {
		return nil, nil, nil, err
	}
	catalog, err := tts.NewCatalog(ctx, tcfg, tts.CatalogDeps{Usage: usage, Metrics: reg, Logger: log})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("set up voices: %w", err)
	}
	pauses, err := c.pauseSetting.settings()
	if err != nil {
		return nil, nil, nil, usageError{err.Error()}
	}
	pipeline, err := synth.NewPipeline(synth.PipelineConfig{
		Store:       store,
		Voices:      catalog,
		Profile:     audio.Profile{SampleRate: c.sampleRate, BitrateKbps: c.bitrate, Channels: 1},
		Pauses:      pauses,
		Normalize:   *c.normalize,
		Concurrency: c.concurrency,
		Logger:      log,
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return store, catalog, pipeline, nil
}

type serveOptions struct {
	common
	db           string
	addr         string
	editorToken  string
	adminToken   string
	publicURL    string
	nodeID       string
	workers      int
	lease        time.Duration
	poll         time.Duration
	gcGrace      time.Duration
	maxBody      int64
	corsOrigins  string
	fetchAllow   string
	proxies      string
	fetchTimeout time.Duration
	fetchMax     int64
	onDemand     string
	onDemandRate int
	webhookURL   string
	webhookKey   string
	presign      time.Duration
	publisher    string
	shutdown     time.Duration
	feeds        web.FeedSettings
}

// loadTTSConfig reads the voice configuration; flag values win over the
// environment the tts package reads itself.
func loadTTSConfig(path, inline, defaultVoice string, getenv func(string) string) (tts.Config, error) {
	cfg, err := tts.LoadConfig(path, func(k string) string {
		switch {
		case k == tts.EnvConfigJSON && inline != "":
			return inline
		case k == tts.EnvDefaultVoice && defaultVoice != "":
			return defaultVoice
		}
		return getenv(k)
	})
	if err != nil {
		return tts.Config{}, fmt.Errorf("load TTS configuration: %w", err)
	}
	return cfg, nil
}

func declareServe(fs *flagSet) func(context.Context, env, []string) error {
	o := &serveOptions{}
	declareCommon(fs, &o.common)
	declareDB(fs, &o.db)
	fs.String(&o.addr, "addr", "LOA_ADDR", "127.0.0.1:8080", "HTTP listen address")
	fs.String(&o.editorToken, "editor-token", "LOA_EDITOR_TOKEN", "", "Bearer token for the editor API and dashboard (generated and printed once at start-up when empty)")
	fs.String(&o.adminToken, "admin-token", "LOA_ADMIN_TOKEN", "", "Bearer token that may create and revoke editor tokens (disabled when empty)")
	fs.String(&o.publicURL, "public-url", "LOA_PUBLIC_URL", "", "external base URL for links in feeds, pages and webhooks (default: from each request's Host)")
	fs.String(&o.nodeID, "node-id", "LOA_NODE_ID", "", "name of this node in the job records (default: hostname and port)")
	fs.Int(&o.workers, "workers", "LOA_WORKERS", 1, "articles synthesized at once on this node")
	fs.Duration(&o.lease, "lease", "LOA_LEASE", 10*time.Minute, "how long one synthesis job may run; a dead node's job is rescued by another after this")
	fs.Duration(&o.poll, "poll", "LOA_POLL", time.Second, "how often an idle node looks for jobs when no notification wakes it")
	fs.Duration(&o.gcGrace, "gc-grace", "LOA_GC_GRACE", 24*time.Hour, "how long replaced audio versions stay playable before deletion")
	fs.Int64(&o.maxBody, "max-body", "LOA_MAX_BODY", 2<<20, "largest accepted request body in bytes")
	fs.String(&o.corsOrigins, "cors-origins", "LOA_CORS_ORIGINS", "", "comma-separated origins whose pages may use the player and audio (default: any)")
	fs.String(&o.proxies, "trusted-proxies", "LOA_TRUSTED_PROXIES", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For/-Proto/-Host headers are believed (default: none)")
	fs.String(&o.fetchAllow, "fetch-allow", "LOA_FETCH_ALLOW", "", "comma-separated CIDRs that URL submissions, sources, on-demand pages and webhooks may reach despite being private or loopback")
	fs.Duration(&o.fetchTimeout, "fetch-timeout", "LOA_FETCH_TIMEOUT", 15*time.Second, "timeout for fetching a submitted URL")
	fs.Int64(&o.fetchMax, "fetch-max-bytes", "LOA_FETCH_MAX_BYTES", 5<<20, "largest page fetched for a URL submission")
	fs.String(&o.onDemand, "ondemand-origins", "LOA_ONDEMAND_ORIGINS", "", "comma-separated origins (https://bao.example.vn) whose unknown article pages get audio on their first view")
	fs.Int(&o.onDemandRate, "ondemand-per-minute", "LOA_ONDEMAND_PER_MINUTE", 10, "new pages fetched on demand per origin per minute (at most 2 at once)")
	fs.String(&o.webhookURL, "webhook-url", "LOA_WEBHOOK_URL", "", "URL that receives every audio.ready/failed/deleted event")
	fs.String(&o.webhookKey, "webhook-secret", "LOA_WEBHOOK_SECRET", "", "HMAC-SHA256 key signing events sent to --webhook-url")
	fs.Duration(&o.presign, "presign", "LOA_PRESIGN", 0, "with an S3 store, redirect versioned audio to presigned URLs valid this long (0 = serve through Loa)")
	fs.String(&o.publisher, "publisher", "LOA_PUBLISHER", "Loa", "publisher name in ID3 tags and feeds")
	fs.Duration(&o.shutdown, "shutdown-timeout", "LOA_SHUTDOWN_TIMEOUT", 20*time.Second, "on SIGTERM, how long to let requests finish")
	declareFeedFlags(fs, &o.feeds)
	return func(ctx context.Context, e env, args []string) error {
		if len(args) > 0 {
			return usageError{"serve takes no arguments"}
		}
		return serve(ctx, e, o)
	}
}

func parsePrefixes(flag, s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			if a, err := netip.ParseAddr(f); err == nil {
				f = netip.PrefixFrom(a, a.BitLen()).String()
			}
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("--%s %q: not a CIDR", flag, f)
		}
		out = append(out, p)
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func serve(ctx context.Context, e env, o *serveOptions) error {
	log, err := newLogger(e.stderr, o.logLevel, o.logFormat)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	allow, err := parsePrefixes("fetch-allow", o.fetchAllow)
	if err != nil {
		return usageError{err.Error()}
	}
	proxies, err := parsePrefixes("trusted-proxies", o.proxies)
	if err != nil {
		return usageError{err.Error()}
	}
	var onDemand []string
	for _, s := range splitList(o.onDemand) {
		origin, err := synth.ParseOrigin(s)
		if err != nil {
			return usageError{"ondemand-origins: " + err.Error()}
		}
		onDemand = append(onDemand, origin)
	}
	if o.onDemandRate < 1 {
		return usageError{"ondemand-per-minute must be at least 1"}
	}
	if o.publicURL == "" {
		// Feeds and player information are cached publicly: a forged Host
		// would be served to everyone until the cache expires.
		log.Warn("serving feeds without LOA_PUBLIC_URL: their links follow each request's Host header; set --public-url")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	db, err := openDB(ctx, o.db, o.dataDir, log)
	if err != nil {
		return err
	}
	defer db.Close()
	store, catalog, pipeline, err := o.open(ctx, e, log, reg, db.Usage())
	if err != nil {
		return err
	}
	// A data folder or bucket of a Loa without a database: its records
	// move in once.
	imported, err := sqldb.ImportBlobStore(ctx, db, store, time.Now())
	if err != nil {
		return err
	}
	if imported.Rules+imported.LexiconChanges+imported.Tokens+imported.Listens+imported.UsageDays+imported.Articles+imported.Webhooks > 0 {
		log.Info("records imported from the store into the database", "db", db.String(), "rules", imported.Rules,
			"lexicon_changes", imported.LexiconChanges, "tokens", imported.Tokens, "listen_counters", imported.Listens, "usage_days", imported.UsageDays,
			"articles", imported.Articles, "versions", imported.Versions, "webhooks", imported.Webhooks)
	}
	if _, local := store.(*storage.LocalStore); !local && db.Engine() == sqldb.SQLite {
		log.Warn("the store is shared but the database is a local SQLite file: nodes sharing the bucket must share one PostgreSQL (--db postgres://…)", "db", db.String())
	}
	if o.nodeID == "" {
		host, _ := os.Hostname()
		o.nodeID = host + "-" + o.addr
	}
	fetcher := synth.NewFetcher(synth.FetchConfig{Timeout: o.fetchTimeout, MaxBytes: o.fetchMax, Allow: allow})
	// Webhook targets are chosen by editors too, so they pass the same
	// private-address guard as URL submissions.
	hookClient := *fetcher.Client()
	hookClient.Timeout = 10 * time.Second
	hooks := webhook.New(webhook.Config{DB: db, Global: webhook.Endpoint{URL: o.webhookURL, Secret: o.webhookKey}, Client: &hookClient, CheckURL: fetcher.CheckURL, Logger: log})
	follow := sources.New(sources.Config{
		DB:         db,
		Poller:     ingest.NewPoller(fetcher, ingest.PollerConfig{}),
		CheckVoice: func(id string) error { _, err := catalog.Resolve(id); return err },
		Lease:      o.lease,
		Logger:     log,
	})
	svc, err := synth.NewService(synth.ServiceConfig{
		Store:        store,
		DB:           db,
		Lexicon:      db.Lexicon(),
		Listens:      db.Listens(),
		Pipeline:     pipeline,
		Voices:       catalog,
		Fetcher:      fetcher,
		OnDemand:     synth.OnDemandConfig{Origins: onDemand, PerMinute: o.onDemandRate},
		Notifier:     hooks,
		NodeID:       o.nodeID,
		Workers:      o.workers,
		Lease:        o.lease,
		PollInterval: o.poll,
		GCGrace:      o.gcGrace,
		MaxArticle:   int(o.maxBody),
		Publisher:    o.publisher,
		BaseURL:      o.publicURL,
		Logger:       log,
		Plugins:      []synth.JobPlugin{follow},
	})
	if err != nil {
		return err
	}
	follow.Attach(svc.Editor, svc.Jobs())
	for _, col := range svc.Collectors() {
		reg.MustRegister(col)
	}
	editorToken := o.editorToken
	if editorToken == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		editorToken = hex.EncodeToString(b[:])
		fmt.Fprintf(e.stderr, "loa: no LOA_EDITOR_TOKEN set; this run's editor token is: %s\n", editorToken)
	}
	o.feeds.Publisher = o.publisher
	pages, err := web.New(web.Config{Feeds: o.feeds, PublicURL: o.publicURL})
	if err != nil {
		return err
	}
	var jobs http.Handler
	if o.adminToken != "" {
		if jobs, err = api.JobsUI(ctx, svc.Jobs(), log); err != nil {
			return err
		}
	}
	stopStreams := make(chan struct{})
	handler := api.New(api.Deps{
		Editor:   svc.Editor,
		Catalog:  svc.Catalog,
		Playback: svc.Playback,
		Lexicon:  svc.Lexicon,
		Pages: func(r gin.IRouter, h api.PageHelpers) {
			pages.Register(r, web.Helpers{Articles: svc.Catalog, BaseURL: h.BaseURL, Error: h.Error, Status: h.Status, CORS: h.CORS})
		},
		Tokens:         api.NewTokens(db.Tokens(), editorToken, o.adminToken),
		PublicURL:      o.publicURL,
		CORSOrigins:    splitList(o.corsOrigins),
		TrustedProxies: proxies,
		MaxBody:        o.maxBody,
		Presign:        o.presign,
		Registry:       reg,
		Webhooks:       hooks,
		Sources:        follow,
		Jobs:           jobs,
		Logger:         log,
		Stop:           stopStreams,
		Ready: func(ctx context.Context) error {
			// Any key answers whether the store is reachable; this one
			// does not exist.
			if _, err := store.Stat(ctx, "readyz"); err != nil && !errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("store: %w", err)
			}
			if err := db.Ping(ctx); err != nil {
				return err
			}
			if err := catalog.Ping(ctx); err != nil {
				return fmt.Errorf("default voice: %w", err)
			}
			return nil
		},
	})
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		// No WriteTimeout: progressive audio and event streams are long.
	}
	srv.RegisterOnShutdown(func() { close(stopStreams) })
	log.Info("loa serving", "addr", "http://"+ln.Addr().String(), "node", o.nodeID, "version", versionString(), "workers", o.workers)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})
	g.Go(func() error { return svc.Worker.Run(gctx) })
	g.Go(func() error {
		<-gctx.Done()
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.shutdown)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	// Webhook deliveries in flight go back to the queue with the other jobs.
	err = g.Wait()
	log.Info("stopped")
	return err
}
