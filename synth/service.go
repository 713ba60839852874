package synth

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/riverqueue/river"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/tts"
)

// VoiceCatalog is what the service needs to know about voices.
type VoiceCatalog interface {
	Speaker
	Voices(ctx context.Context) []tts.VoiceStatus
}

// Notifier turns article lifecycle events into jobs (webhook deliveries).
// NotifyTx runs in the transaction of the change that caused ev, and the
// jobs it returns are inserted in that transaction too: they exist exactly
// when the change does, whichever node dies when.
type Notifier interface {
	NotifyTx(ctx context.Context, tx sqldb.Conn, ev article.Event) ([]river.InsertManyParams, error)
	JobPlugin // the workers of those jobs
}

// ServiceConfig wires the article service. Zero values mean the defaults
// given in the comments.
type ServiceConfig struct {
	Store    storage.Store
	DB       *sqldb.DB // the catalog and River's jobs
	Pipeline *Pipeline
	Voices   VoiceCatalog
	Lexicon  LexiconStore
	Listens  ListenStore
	Fetcher  *Fetcher // nil: URL submissions are refused
	OnDemand OnDemandConfig
	Notifier Notifier // nil: no webhooks
	NodeID   string   // names this process in River's job records; default: hostname
	Workers  int      // articles synthesized at once on this node; default 1
	// Lease is how long one synthesis may run; a job of a node that died
	// is rescued by another node after it.
	Lease        time.Duration // default 10m
	PollInterval time.Duration // how often idle nodes look for jobs without a notification; default 1s
	MaxAttempts  int           // retries of transient failures; default 5
	GCGrace      time.Duration // how long replaced audio stays playable; default 24h
	GCSweep      int           // objects of audio/ and of segments/ one periodic collection checks, from where the last stopped; default 10,000
	MaxArticle   int           // bytes of source text/HTML accepted; default 2 MB
	Publisher    string        // ID3 artist
	BaseURL      string        // for links in events; may be empty
	DefaultVoice string
	Logger       *slog.Logger
	Now          func() time.Time
	// Plugins add other packages' jobs (following sources) to this
	// service's River client.
	Plugins []JobPlugin
}

// Service is Loa's article service, split by job: the Editor changes
// articles, the Catalog answers what is stored, Playback serves what
// players fetch, the LexiconEditor keeps the pronunciation rules and the
// Worker runs synthesis and collection jobs. They share one core: the
// store, the database, the job queue and the listeners of changes.
type Service struct {
	*core
	Editor   *Editor
	Catalog  *Catalog
	Playback *Playback
	Lexicon  *LexiconEditor
	Worker   *Worker
}

// Jobs is the River client, for the operators' view of the queue.
func (s *Service) Jobs() *river.Client[*sql.Tx] { return s.river }

// NewService checks the configuration and fills in defaults.
func NewService(cfg ServiceConfig) (*Service, error) {
	if cfg.Store == nil || cfg.DB == nil || cfg.Pipeline == nil || cfg.Voices == nil || cfg.Lexicon == nil || cfg.Listens == nil {
		return nil, errors.New("synth: service needs a store, a database, a pipeline, voices, a lexicon and listen counts")
	}
	var err error
	if cfg.NodeID == "" {
		h, _ := os.Hostname()
		cfg.NodeID = h
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 10 * time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.GCGrace <= 0 {
		cfg.GCGrace = 24 * time.Hour
	}
	if cfg.GCSweep <= 0 {
		cfg.GCSweep = 10_000
	}
	if cfg.MaxArticle <= 0 {
		cfg.MaxArticle = 2 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &core{
		cfg:      cfg,
		store:    cfg.Store,
		pipeline: cfg.Pipeline,
		voices:   cfg.Voices,
		db:       cfg.DB,
		broker:   newBroker(),
		log:      cfg.Logger,
		now:      cfg.Now,
		running:  map[string][]running{},
		cache:    map[string]cachedManifest{},
		metrics:  newServiceMetrics(),

		onDemandJobs: newOnDemand(cfg.OnDemand),
	}
	c.stats = &listenStats{db: cfg.Listens, pending: map[string]map[string]int{}}
	s := &Service{core: c, Catalog: &Catalog{core: c}, Playback: &Playback{core: c}}
	s.Lexicon = &LexiconEditor{core: c, rules: cfg.Lexicon, catalog: s.Catalog}
	s.Editor = &Editor{core: c, catalog: s.Catalog, lexicon: s.Lexicon}
	s.Catalog.onDemand = &onDemandPages{Editor: s.Editor, catalog: s.Catalog}
	s.Worker = &Worker{collector: &collector{core: c}, lexicon: s.Lexicon, catalog: s.Catalog}
	if c.river, err = newRiver(s.Worker); err != nil {
		return nil, err
	}
	return s, nil
}

// Store exposes the service's store to the HTTP layer for serving objects.
func (s *Service) Store() storage.Store { return s.store }
