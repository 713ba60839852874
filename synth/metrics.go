package synth

import "github.com/prometheus/client_golang/prometheus"

type serviceMetrics struct {
	articles     *prometheus.GaugeVec
	jobs         *prometheus.CounterVec
	synthSeconds prometheus.Histogram
	queueDepth   prometheus.Gauge
}

func newServiceMetrics() *serviceMetrics {
	return &serviceMetrics{
		articles: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "loa_articles",
			Help: "Articles by status, as in the shared article index.",
		}, []string{"status"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loa_jobs_total",
			Help: "Synthesis jobs by outcome (started, ready, failed, retry, requeued, superseded).",
		}, []string{"state"}),
		synthSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "loa_synthesis_seconds",
			Help:    "Wall time of successful article syntheses.",
			Buckets: prometheus.ExponentialBuckets(0.25, 2, 12),
		}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "loa_queue_depth",
			Help: "Jobs waiting or in work, as last seen by this node.",
		}),
	}
}

// Collectors returns the service's metrics for registration.
func (s *Service) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.metrics.articles, s.metrics.jobs, s.metrics.synthSeconds, s.metrics.queueDepth}
}
