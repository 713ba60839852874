package synth

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loa-audio/loa/synth/article"
)

type serviceMetrics struct {
	jobs         *prometheus.CounterVec
	synthSeconds prometheus.Histogram
}

func newServiceMetrics() *serviceMetrics {
	return &serviceMetrics{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loa_jobs_total",
			Help: "Synthesis jobs by outcome (started, ready, failed, retry, requeued, superseded).",
		}, []string{"state"}),
		synthSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "loa_synthesis_seconds",
			Help:    "Wall time of successful article syntheses.",
			Buckets: prometheus.ExponentialBuckets(0.25, 2, 12),
		}),
	}
}

// catalogMetrics counts articles by status and waiting jobs when scraped,
// not on every change: counting reads the whole catalog.
type catalogMetrics struct{ s *core }

var (
	articlesDesc   = prometheus.NewDesc("loa_articles", "Articles by status, as in the catalog.", []string{"status"}, nil)
	queueDepthDesc = prometheus.NewDesc("loa_queue_depth", "Synthesis jobs waiting or in work on every node.", nil, nil)
)

func (m catalogMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- articlesDesc
	ch <- queueDepthDesc
}

func (m catalogMetrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if counts, err := m.s.db.Conn().StatusCounts(ctx); err == nil {
		for _, st := range []article.Status{article.StatusQueued, article.StatusSynthesizing, article.StatusReady, article.StatusFailed} {
			ch <- prometheus.MustNewConstMetric(articlesDesc, prometheus.GaugeValue, float64(counts[string(st)]), string(st))
		}
	}
	if n, err := m.s.db.Conn().QueueDepth(ctx, synthesizeArgs{}.Kind()); err == nil {
		ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(n))
	}
}

// Collectors returns the service's metrics for registration.
func (s *Service) Collectors() []prometheus.Collector {
	return []prometheus.Collector{catalogMetrics{s.core}, s.metrics.jobs, s.metrics.synthSeconds}
}
