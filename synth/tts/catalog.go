package tts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// CatalogDeps are what a Catalog needs from the process.
type CatalogDeps struct {
	Usage   UsageStore            // where daily usage is counted; nil = in memory only
	Metrics prometheus.Registerer // nil = metrics are kept but not registered
	Logger  *slog.Logger          // nil = discard
	// Open builds an engine; nil = the registry's Open. Tests use it to hand
	// the catalog an in-memory backend.
	Open func(engine string, cfg map[string]string) (Backend, error)
	Now  func() time.Time // nil = time.Now; budgets roll over at UTC midnight
}

// Voice statuses reported by Catalog.Voices.
const (
	StatusOK          = "ok"
	StatusUnavailable = "unavailable"
	StatusOverBudget  = "over-budget"
	StatusCircuitOpen = "circuit-open"
)

// VoiceStatus is one line of `loa voices`.
type VoiceStatus struct {
	ID       string `json:"id"`
	Backend  string `json:"backend"`
	Engine   string `json:"engine"`
	Language string `json:"language"`
	Name     string `json:"name"`
	Status   string `json:"status"`
	Detail   string `json:"detail,omitempty"` // why a voice is not ok
	Fallback string `json:"fallback,omitempty"`
	Default  bool   `json:"default,omitempty"`
}

// Resolved is a voice ready to speak: its decorated backend, the engine
// voice, and the input limit the pipeline must chunk to.
type Resolved struct {
	ID          string
	BackendName string
	Backend     Backend // decorated: retry, breaker, limits, timeout
	Voice       Voice
	// Limit is the tightest input limit along the voice's fallback chain,
	// so a chunk that fits the voice also fits whichever voice finishes it.
	Limit    Limit
	Fallback string
	identity string
}

// CacheIdentity names everything that shapes this voice's audio: backend
// instance and engine, the engine voice, rate, pitch, options, and the
// engine settings (model, output format, base URL…), never secrets nor
// operational knobs (budgets, limits, timeouts). The pipeline hashes it with
// the spoken text and lexicon version into the segment key.
func (r Resolved) CacheIdentity() string { return r.identity }

// Catalog turns voice ids into backends, guards their cost and falls back
// when a backend is out of budget or failing.
type Catalog struct {
	backends     map[string]*instance
	voices       map[string]*voiceEntry
	order        []string
	defaultVoice string
	metrics      *metrics
	log          *slog.Logger
	now          func() time.Time
}

type instance struct {
	name, engine string
	raw          Backend // nil when the engine failed to open
	stack        Backend // decorated
	breaker      *Breaker
	openErr      error
	limit        Limit
	settings     map[string]string // identity-relevant engine settings
	meter        *meter
}

type voiceEntry struct {
	cfg  VoiceConfig
	inst *instance
}

// Settings that never change the audio, so they stay out of CacheIdentity.
var operationalSettings = map[string]bool{
	"poll_interval": true, "poll_max_interval": true, "poll_deadline": true,
	"callback_url": true, "workers": true, "user_agent": true, "project": true,
}

// NewCatalog opens every configured backend and wraps it in decorators.
// A backend whose engine fails to open (a missing key, say) leaves its
// voices "unavailable" rather than failing start-up; an unknown engine
// type, a default voice that cannot speak, or bad references are errors.
func NewCatalog(ctx context.Context, cfg Config, deps CatalogDeps) (*Catalog, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	open := deps.Open
	if open == nil {
		open = Open
	}
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	m, err := newMetrics(deps.Metrics)
	if err != nil {
		return nil, fmt.Errorf("register tts metrics: %w", err)
	}
	c := &Catalog{backends: map[string]*instance{}, voices: map[string]*voiceEntry{}, metrics: m, log: log, now: now}

	known := map[string]bool{}
	for _, n := range Backends() {
		known[n] = true
	}
	names := make([]string, 0, len(cfg.Backends))
	for n := range cfg.Backends {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		bc := cfg.Backends[name]
		if deps.Open == nil && !known[bc.Type] {
			return nil, fmt.Errorf("backend %s: tts: unknown backend %q (forgotten import?)", name, bc.Type)
		}
		c.backends[name] = c.openInstance(name, bc, open, deps.Usage)
	}

	for _, vc := range cfg.Voices {
		c.addVoice(vc)
	}
	for _, name := range names {
		if cfg.Backends[name].DiscoverVoices {
			c.discover(ctx, c.backends[name])
		}
	}
	for _, id := range c.order {
		if fb := c.voices[id].cfg.Fallback; fb != "" && c.voices[fb] == nil {
			return nil, fmt.Errorf("voice %s: unknown fallback voice %q", id, fb)
		}
	}

	c.defaultVoice = cfg.DefaultVoice
	if c.defaultVoice == "" && len(c.order) > 0 {
		c.defaultVoice = c.order[0]
	}
	dv := c.voices[c.defaultVoice]
	if dv == nil {
		return nil, fmt.Errorf("default voice %q: %w", c.defaultVoice, ErrUnknownVoice)
	}
	if dv.inst.openErr != nil && dv.cfg.Fallback == "" {
		return nil, fmt.Errorf("default voice %s: %w", c.defaultVoice, dv.inst.openErr)
	}
	return c, nil
}

func (c *Catalog) openInstance(name string, bc BackendConfig, open func(string, map[string]string) (Backend, error), store UsageStore) *instance {
	unit := bc.BillBy
	if unit == "" {
		unit = "characters"
	}
	inst := &instance{
		name: name, engine: bc.Type,
		settings: map[string]string{},
		meter:    &meter{backend: name, unit: unit, budget: bc.DailyBudget, store: store, log: c.log},
	}
	for k, v := range bc.Settings {
		if !operationalSettings[k] && !IsSecretName(k) {
			inst.settings[k] = v
		}
	}
	c.metrics.budget.WithLabelValues(name, unit).Set(float64(bc.DailyBudget))

	raw, err := open(bc.Type, bc.EngineSettings())
	if err != nil {
		inst.openErr = &Error{Kind: ErrUnavailable, Message: "backend " + name + " did not open", Err: err}
		c.log.Warn("tts backend unavailable", "backend", name, "engine", bc.Type, "err", err)
		raw = unavailableBackend{err: inst.openErr}
	} else {
		inst.raw = raw
	}
	if l, ok := raw.(InputLimiter); ok {
		inst.limit = l.InputLimit()
	}
	inst.limit = inst.limit.Tighter(Limit{MaxRunes: bc.MaxRunes, MaxBytes: bc.MaxBytes})

	timeout := bc.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
		if adv, ok := raw.(interface{ RequestTimeout() time.Duration }); ok && adv.RequestTimeout() > 0 {
			timeout = adv.RequestTimeout()
		}
	}
	var stack Backend = instrumented{next: raw, name: name, m: c.metrics}
	stack = WithTimeout(stack, timeout)
	stack = WithLimit(stack, LimitConfig{Concurrency: bc.Concurrency, RatePerSec: bc.RatePerSec, Burst: bc.Burst})
	inst.breaker = WithBreaker(stack, BreakerConfig{Failures: bc.BreakerFailures, Cooldown: bc.BreakerCooldown, Now: c.now})
	inst.stack = WithRetry(inst.breaker, RetryConfig{
		Attempts: bc.MaxAttempts, BaseDelay: bc.RetryBaseDelay, MaxDelay: bc.RetryMaxDelay,
		MaxRetryAfter: bc.MaxRetryAfter, Logger: c.log.With("backend", name),
	})
	return inst
}

func (c *Catalog) addVoice(vc VoiceConfig) {
	if vc.Name == "" {
		vc.Name = vc.ID
	}
	if _, dup := c.voices[vc.ID]; !dup {
		c.order = append(c.order, vc.ID)
	}
	c.voices[vc.ID] = &voiceEntry{cfg: vc, inst: c.backends[vc.Backend]}
}

// discover adds "<backend>:<name>" for every voice the engine lists.
func (c *Catalog) discover(ctx context.Context, inst *instance) {
	lister, ok := inst.raw.(VoiceLister)
	if !ok {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	infos, err := lister.Voices(lctx)
	if err != nil {
		c.log.Warn("tts voice discovery failed", "backend", inst.name, "err", err)
		return
	}
	for _, vi := range infos {
		id := inst.name + ":" + vi.Name
		if _, exists := c.voices[id]; exists || !voiceIDRE.MatchString(id) {
			continue
		}
		c.addVoice(VoiceConfig{ID: id, Backend: inst.name, Name: vi.Name, Language: vi.Language, Description: vi.Description})
	}
}

// Resolve returns the voice with id ("" = the default voice), or an error
// wrapping ErrUnknownVoice. A voice whose backend failed to open still
// resolves; speaking with it fails (and falls back) with ErrUnavailable.
func (c *Catalog) Resolve(voiceID string) (Resolved, error) {
	if voiceID == "" {
		voiceID = c.defaultVoice
	}
	ve := c.voices[voiceID]
	if ve == nil {
		return Resolved{}, fmt.Errorf("resolve voice %q: %w", voiceID, ErrUnknownVoice)
	}
	r := Resolved{
		ID:          ve.cfg.ID,
		BackendName: ve.inst.name,
		Backend:     ve.inst.stack,
		Voice:       ve.voice(),
		Limit:       ve.inst.limit,
		Fallback:    ve.cfg.Fallback,
	}
	seen := map[string]bool{r.ID: true}
	for fb := ve.cfg.Fallback; fb != "" && !seen[fb]; {
		seen[fb] = true
		fe := c.voices[fb]
		if fe == nil {
			break
		}
		r.Limit = r.Limit.Tighter(fe.inst.limit)
		fb = fe.cfg.Fallback
	}
	r.identity = ve.identity()
	return r, nil
}

// DefaultVoice is the id used when an article names none.
func (c *Catalog) DefaultVoice() string { return c.defaultVoice }

func (ve *voiceEntry) voice() Voice {
	v := Voice{Name: ve.cfg.Name, Language: ve.cfg.Language, Rate: ve.cfg.Rate, Pitch: ve.cfg.Pitch}
	if len(ve.cfg.Options) > 0 {
		v.Options = make(map[string]string, len(ve.cfg.Options))
		for k, val := range ve.cfg.Options {
			v.Options[k] = val
		}
	}
	return v
}

func (ve *voiceEntry) identity() string {
	rate := ve.cfg.Rate
	if rate == 0 {
		rate = 1 // 0 and 1 both mean normal speed
	}
	opts := map[string]string{}
	for k, v := range ve.cfg.Options {
		if !IsSecretName(k) {
			opts[k] = v
		}
	}
	// encoding/json sorts map keys, so equal settings give equal strings.
	b, _ := json.Marshal(struct {
		V        int               `json:"v"`
		Backend  string            `json:"backend"`
		Engine   string            `json:"engine"`
		Settings map[string]string `json:"settings"`
		Voice    string            `json:"voice"`
		Language string            `json:"language"`
		Rate     float64           `json:"rate"`
		Pitch    float64           `json:"pitch"`
		Options  map[string]string `json:"options"`
	}{1, ve.inst.name, ve.inst.engine, ve.inst.settings, ve.cfg.Name, ve.cfg.Language, rate, ve.cfg.Pitch, opts})
	return string(b)
}

// Synthesize speaks text with the voice (""= default) and returns the clip
// and the id of the voice that really spoke it. When the voice's backend is
// over its daily budget, its circuit is open, it failed to open, or it still
// fails after its retries, the voice's fallback (and its fallback, in turn)
// speaks instead. ErrTextTooLong and a cancelled caller are returned as they
// are: the first needs re-chunking, the second needs nothing.
func (c *Catalog) Synthesize(ctx context.Context, voiceID, text string) (Clip, string, error) {
	if voiceID == "" {
		voiceID = c.defaultVoice
	}
	requested := voiceID
	seen := map[string]bool{}
	var errs []error
	for id := voiceID; ; {
		ve := c.voices[id]
		if ve == nil {
			return Clip{}, id, fmt.Errorf("voice %q: %w", id, ErrUnknownVoice)
		}
		seen[id] = true
		clip, err := c.speak(ctx, ve, text)
		if err == nil {
			return clip, id, nil
		}
		errs = append(errs, fmt.Errorf("voice %s: %w", id, err))
		next := ve.cfg.Fallback
		if IsTooLong(err) || ctx.Err() != nil || next == "" || seen[next] {
			return Clip{}, id, errors.Join(errs...)
		}
		reason := kindLabel(err)
		c.metrics.fallbacks.WithLabelValues(requested, reason).Inc()
		c.log.WarnContext(ctx, "tts falling back", "voice", id, "fallback", next, "reason", reason, "err", err)
		id = next
	}
}

// speak applies the cost guard around one voice's decorated backend.
func (c *Catalog) speak(ctx context.Context, ve *voiceEntry, text string) (Clip, error) {
	inst := ve.inst
	if inst.openErr != nil {
		return Clip{}, inst.openErr
	}
	now := c.now()
	cost := billed(inst.meter.unit, text)
	if used, over := inst.meter.overBudget(ctx, now, cost); over {
		return Clip{}, &Error{Kind: ErrOverBudget, Message: fmt.Sprintf(
			"backend %s used %d of %d %s today", inst.name, used, inst.meter.budget, inst.meter.unit)}
	}
	clip, err := inst.stack.Synthesize(ctx, text, ve.voice())
	if err != nil {
		return Clip{}, err
	}
	// The vendor bills an answer whether or not its audio is usable.
	total := inst.meter.add(ctx, now, cost)
	c.metrics.characters.WithLabelValues(inst.name).Add(float64(cost))
	c.metrics.usedToday.WithLabelValues(inst.name, inst.meter.unit).Set(float64(total))
	if err := clip.Validate(); err != nil {
		return Clip{}, fmt.Errorf("backend %s: %w", inst.name, err)
	}
	return clip, nil
}

// Voices lists every voice with its status. Backends that can list their
// voices are asked once each (bounded by ctx), so a configured name the
// engine does not offer shows as unavailable.
func (c *Catalog) Voices(ctx context.Context) []VoiceStatus {
	type listing struct {
		names map[string]bool
		err   error
	}
	listings := map[string]*listing{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, inst := range c.backends {
		lister, ok := inst.raw.(VoiceLister)
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			lctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			infos, err := lister.Voices(lctx)
			l := &listing{err: err, names: map[string]bool{}}
			for _, vi := range infos {
				l.names[strings.ToLower(vi.Name)] = true
			}
			mu.Lock()
			listings[name] = l
			mu.Unlock()
		}()
	}
	wg.Wait()

	out := make([]VoiceStatus, 0, len(c.order))
	for _, id := range c.order {
		ve := c.voices[id]
		inst := ve.inst
		vs := VoiceStatus{
			ID: id, Backend: inst.name, Engine: inst.engine, Language: ve.cfg.Language,
			Name: ve.cfg.Name, Status: StatusOK, Fallback: ve.cfg.Fallback, Default: id == c.defaultVoice,
		}
		l := listings[inst.name]
		switch {
		case inst.openErr != nil:
			vs.Status, vs.Detail = StatusUnavailable, inst.openErr.Error()
		case inst.breaker.State() == BreakerOpen:
			vs.Status, vs.Detail = StatusCircuitOpen, "backend failing; fallback in use"
		case l != nil && l.err != nil:
			vs.Status, vs.Detail = StatusUnavailable, "listing voices: "+l.err.Error()
		case l != nil && !l.names[strings.ToLower(ve.cfg.Name)]:
			vs.Status, vs.Detail = StatusUnavailable, "backend does not offer voice "+ve.cfg.Name
		default:
			if used, over := inst.meter.overBudget(ctx, c.now(), 1); over {
				vs.Status, vs.Detail = StatusOverBudget, fmt.Sprintf("%d of %d %s used today", used, inst.meter.budget, inst.meter.unit)
			}
		}
		out = append(out, vs)
	}
	return out
}

// WriteVoices prints statuses as the aligned table `loa voices` shows.
func WriteVoices(w io.Writer, voices []VoiceStatus) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tBACKEND\tENGINE\tLANGUAGE\tSTATUS\tFALLBACK\tDETAIL")
	for _, v := range voices {
		id := v.ID
		if v.Default {
			id += " (default)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", id, v.Backend, v.Engine, dash(v.Language), v.Status, dash(v.Fallback), v.Detail)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Usage reports today's billed units for a backend instance.
func (c *Catalog) Usage(ctx context.Context, backend string) (Usage, error) {
	inst := c.backends[backend]
	if inst == nil {
		return Usage{}, fmt.Errorf("usage of backend %q: no such backend", backend)
	}
	now := c.now()
	return Usage{
		Backend: backend, Day: now.UTC().Format(time.DateOnly), Unit: inst.meter.unit,
		Used: inst.meter.current(ctx, now),
	}, nil
}

// Ping reports whether the default voice, or failing that a voice along its
// fallback chain, can speak: engines that can check themselves for free
// (Pinger, VoiceLister) are asked; no paid synthesis is made.
func (c *Catalog) Ping(ctx context.Context) error {
	var errs []error
	seen := map[string]bool{}
	for id := c.defaultVoice; id != "" && !seen[id]; {
		seen[id] = true
		ve := c.voices[id]
		if ve == nil {
			break
		}
		err := pingInstance(ctx, ve.inst)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("voice %s: %w", id, err))
		id = ve.cfg.Fallback
	}
	return fmt.Errorf("tts not ready: %w", errors.Join(errs...))
}

func pingInstance(ctx context.Context, inst *instance) error {
	switch {
	case inst.openErr != nil:
		return inst.openErr
	case inst.breaker.State() == BreakerOpen:
		return &Error{Kind: ErrCircuitOpen, Message: "backend " + inst.name}
	}
	if p, ok := inst.raw.(Pinger); ok {
		return p.Ping(ctx)
	}
	if l, ok := inst.raw.(VoiceLister); ok {
		_, err := l.Voices(ctx)
		return err
	}
	return nil
}

// instrumented counts every attempt that reaches the engine.
type instrumented struct {
	next Backend
	name string
	m    *metrics
}

func (i instrumented) Unwrap() Backend { return i.next }

func (i instrumented) Synthesize(ctx context.Context, text string, v Voice) (Clip, error) {
	start := time.Now()
	clip, err := i.next.Synthesize(ctx, text, v)
	i.m.seconds.WithLabelValues(i.name).Observe(time.Since(start).Seconds())
	i.m.requests.WithLabelValues(i.name, kindLabel(err)).Inc()
	return clip, err
}

// unavailableBackend stands in for an engine that did not open.
type unavailableBackend struct{ err error }

func (u unavailableBackend) Synthesize(context.Context, string, Voice) (Clip, error) {
	return Clip{}, u.err
}
