package tts

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the cost guard's and decorators' counters. Built even with a
// nil Registerer, so the code paths do not branch on it.
type metrics struct {
	characters *prometheus.CounterVec
	requests   *prometheus.CounterVec
	seconds    *prometheus.HistogramVec
	usedToday  *prometheus.GaugeVec
	budget     *prometheus.GaugeVec
	fallbacks  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		characters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loa_tts_characters_total",
			Help: "Characters (or bytes, for backends billed by bytes) sent to each TTS backend and billed.",
		}, []string{"backend"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loa_tts_requests_total",
			Help: "TTS backend requests (each attempt) by result: ok, rate_limited, unavailable, too_long, auth, ...",
		}, []string{"backend", "result"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "loa_tts_request_seconds",
			Help:    "Duration of one TTS backend request attempt.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 12),
		}, []string{"backend"}),
		usedToday: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "loa_tts_billed_today",
			Help: "Units billed by each TTS backend so far this UTC day, as counted in the store.",
		}, []string{"backend", "unit"}),
		budget: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "loa_tts_daily_budget",
			Help: "Configured daily budget per TTS backend (0 = none).",
		}, []string{"backend", "unit"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loa_tts_fallbacks_total",
			Help: "Sentences spoken by a fallback voice, by the voice asked for and the reason.",
		}, []string{"voice", "reason"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.characters = register(reg, m.characters, &err)
	m.requests = register(reg, m.requests, &err)
	m.seconds = register(reg, m.seconds, &err)
	m.usedToday = register(reg, m.usedToday, &err)
	m.budget = register(reg, m.budget, &err)
	m.fallbacks = register(reg, m.fallbacks, &err)
	return m, err
}

// register reuses an identical collector already registered (a second
// catalog in the same process, as in tests) instead of failing.
func register[C prometheus.Collector](reg prometheus.Registerer, c C, errp *error) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		if *errp == nil {
			*errp = err
		}
	}
	return c
}
