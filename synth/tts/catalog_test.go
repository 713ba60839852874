package tts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth/testenv"
	"github.com/loa-audio/loa/synth/tts"
	_ "github.com/loa-audio/loa/synth/tts/espeak"
	_ "github.com/loa-audio/loa/synth/tts/openai"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

// twoVoices is a cloud voice falling back to a local one, both fakes.
func twoVoices(primary tts.BackendConfig) tts.Config {
	primary.Type = "fake-cloud"
	return tts.Config{
		Backends: map[string]tts.BackendConfig{
			"cloud": primary,
			"local": {Type: "fake-local"},
		},
		Voices: []tts.VoiceConfig{
			{ID: "vi-cloud", Backend: "cloud", Name: "vi-VN-Wavenet-A", Language: "vi-VN", Fallback: "vi"},
			{ID: "vi", Backend: "local", Name: "vi", Language: "vi-VN"},
		},
		DefaultVoice: "vi-cloud",
	}
}

func newCatalog(t *testing.T, cfg tts.Config, deps tts.CatalogDeps, cloud, local tts.Backend) *tts.Catalog {
	t.Helper()
	deps.Open = ttstest.Opener(map[string]tts.Backend{"fake-cloud": cloud, "fake-local": local})
	c, err := tts.NewCatalog(context.Background(), cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sentence(i int) string { return fmt.Sprintf("Đây là câu số %02d của bài báo.", i) } // 29 characters

func TestStuckBackendOpensCircuitAndFallbackFinishes(t *testing.T) {
	cloud, local := &ttstest.Fake{}, &ttstest.Fake{}
	cloud.FailAlways(ttstest.Step{Err: ttstest.ServerError()})
	reg := prometheus.NewRegistry()
	c := newCatalog(t, twoVoices(tts.BackendConfig{BreakerFailures: 3, BreakerCooldown: time.Hour, MaxAttempts: 2, RetryBaseDelay: time.Millisecond}),
		tts.CatalogDeps{Metrics: reg}, cloud, local)

	for i := range 60 {
		clip, used, err := c.Synthesize(context.Background(), "vi-cloud", sentence(i))
		if err != nil {
			t.Fatalf("sentence %d: %v", i, err)
		}
		if used != "vi" || clip.Validate() != nil {
			t.Fatalf("sentence %d spoken by %q", i, used)
		}
	}
	// Sentence 0: two attempts; sentence 1: the third failure opens the
	// circuit; the other 58 never reach the cloud.
	if cloud.Calls() != 3 {
		t.Fatalf("cloud called %d times, want 3", cloud.Calls())
	}
	if local.Calls() != 60 {
		t.Fatalf("local called %d times", local.Calls())
	}
	st := statusOf(t, c, "vi-cloud")
	if st.Status != tts.StatusCircuitOpen {
		t.Fatalf("status %+v", st)
	}
	if got := counter(t, reg, "loa_tts_fallbacks_total", map[string]string{"voice": "vi-cloud", "reason": "circuit_open"}); got != 59 {
		t.Fatalf("circuit_open fallbacks = %v, want 59", got)
	}
	if got := counter(t, reg, "loa_tts_requests_total", map[string]string{"backend": "cloud", "result": "unavailable"}); got != 3 {
		t.Fatalf("failed cloud requests = %v, want 3", got)
	}
	if got := counter(t, reg, "loa_tts_characters_total", map[string]string{"backend": "local"}); got != 60*29 {
		t.Fatalf("local characters = %v", got)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("Ping with a healthy fallback: %v", err)
	}
}

func TestOverBudgetFallsBackAndCountsInDatabase(t *testing.T) {
	db := sqldbtest.New(t, sqldb.SQLite)
	store := db.Usage()
	day := time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return day }
	cloud, local := &ttstest.Fake{}, &ttstest.Fake{}
	cfg := twoVoices(tts.BackendConfig{DailyBudget: 100})
	c := newCatalog(t, cfg, tts.CatalogDeps{Usage: store, Now: now}, cloud, local)

	var used []string
	for i := range 5 {
		_, v, err := c.Synthesize(context.Background(), "vi-cloud", sentence(i))
		if err != nil {
			t.Fatal(err)
		}
		used = append(used, v)
	}
	if fmt.Sprint(used) != "[vi-cloud vi-cloud vi-cloud vi vi]" {
		t.Fatalf("voices used: %v (3×29 = 87 fits in 100, a fourth does not)", used)
	}
	u := readUsage(t, db, "cloud", "2026-03-01")
	if u.Used != 87 || u.Requests != 3 || u.Unit != "characters" || u.Backend != "cloud" {
		t.Fatalf("stored usage %+v", u)
	}
	if got, _ := c.Usage(context.Background(), "cloud"); got.Used != 87 {
		t.Fatalf("Usage = %+v", got)
	}

	// Another node sharing the database sees the same count.
	other := newCatalog(t, cfg, tts.CatalogDeps{Usage: store, Now: now}, cloud, local)
	if _, v, _ := other.Synthesize(context.Background(), "vi-cloud", sentence(9)); v != "vi" {
		t.Fatalf("second node spoke with %s despite the budget", v)
	}
	if _, v, _ := other.Synthesize(context.Background(), "vi-cloud", "Ngắn."); v != "vi-cloud" {
		t.Fatalf("a 5-character sentence fits (92 ≤ 100) but %s spoke", v)
	}

	// Midnight UTC: a new budget.
	mu.Lock()
	day = day.Add(2 * time.Hour)
	mu.Unlock()
	if _, v, _ := c.Synthesize(context.Background(), "vi-cloud", sentence(1)); v != "vi-cloud" {
		t.Fatalf("next day spoken by %s", v)
	}
	if u := readUsage(t, db, "cloud", "2026-03-02"); u.Used != 29 {
		t.Fatalf("next day usage %+v", u)
	}
}

func TestOverBudgetStatus(t *testing.T) {
	cloud, local := &ttstest.Fake{}, &ttstest.Fake{}
	c := newCatalog(t, twoVoices(tts.BackendConfig{DailyBudget: 29}), tts.CatalogDeps{}, cloud, local)
	if st := statusOf(t, c, "vi-cloud"); st.Status != tts.StatusOK {
		t.Fatalf("fresh budget: %+v", st)
	}
	if _, _, err := c.Synthesize(context.Background(), "vi-cloud", sentence(1)); err != nil {
		t.Fatal(err)
	}
	if st := statusOf(t, c, "vi-cloud"); st.Status != tts.StatusOverBudget || !strings.Contains(st.Detail, "29 of 29") {
		t.Fatalf("spent budget: %+v", st)
	}
}

func TestUsageSharedAcrossNodes(t *testing.T) {
	db := sqldbtest.New(t, sqldb.SQLite)
	store := db.Usage()
	cfg := twoVoices(tts.BackendConfig{})
	nodes := []*tts.Catalog{
		newCatalog(t, cfg, tts.CatalogDeps{Usage: store}, &ttstest.Fake{}, &ttstest.Fake{}),
		newCatalog(t, cfg, tts.CatalogDeps{Usage: store}, &ttstest.Fake{}, &ttstest.Fake{}),
	}
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := nodes[i%2].Synthesize(context.Background(), "vi-cloud", sentence(i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if u := readUsage(t, db, "cloud", time.Now().UTC().Format(time.DateOnly)); u.Used != 24*29 || u.Requests != 24 {
		t.Fatalf("usage %+v, want %d characters in 24 requests: a lost update", u, 24*29)
	}
}

func TestTooLongIsNotFallenBack(t *testing.T) {
	cloud, local := &ttstest.Fake{Limit: tts.Limit{MaxRunes: 40}}, &ttstest.Fake{Limit: tts.Limit{MaxBytes: 30}}
	c := newCatalog(t, twoVoices(tts.BackendConfig{}), tts.CatalogDeps{}, cloud, local)
	r, err := c.Resolve("vi-cloud")
	if err != nil {
		t.Fatal(err)
	}
	if r.Limit != (tts.Limit{MaxRunes: 40, MaxBytes: 30}) {
		t.Fatalf("Limit %+v: the chunk must fit the fallback too", r.Limit)
	}
	_, _, err = c.Synthesize(context.Background(), "vi-cloud", strings.Repeat("Việt Nam ", 10))
	if !tts.IsTooLong(err) || local.Calls() != 0 || cloud.Calls() != 1 {
		t.Fatalf("err = %v, cloud %d, local %d calls", err, cloud.Calls(), local.Calls())
	}
}

func TestResolveAndIdentity(t *testing.T) {
	cloud, local := &ttstest.Fake{}, &ttstest.Fake{}
	cfg := twoVoices(tts.BackendConfig{
		Settings:    map[string]string{"model": "tts-1", "base_url": "http://tts:8000", "poll_deadline": "90s"},
		Secrets:     map[string]tts.Secret{"api_key": "sk-secret-identity"},
		Concurrency: 4, DailyBudget: 1000,
	})
	c := newCatalog(t, cfg, tts.CatalogDeps{}, cloud, local)
	def, err := c.Resolve("")
	if err != nil || def.ID != "vi-cloud" || def.BackendName != "cloud" || def.Voice.Name != "vi-VN-Wavenet-A" || def.Fallback != "vi" {
		t.Fatalf("default = %+v, %v", def, err)
	}
	if _, err := c.Resolve("ghost"); !errors.Is(err, tts.ErrUnknownVoice) {
		t.Fatalf("unknown voice: %v", err)
	}
	if _, _, err := c.Synthesize(context.Background(), "ghost", "x"); !errors.Is(err, tts.ErrUnknownVoice) {
		t.Fatalf("unknown voice: %v", err)
	}
	id := def.CacheIdentity()
	for _, want := range []string{`"backend":"cloud"`, `"engine":"fake-cloud"`, `"model":"tts-1"`, `"base_url":"http://tts:8000"`, `"voice":"vi-VN-Wavenet-A"`, `"rate":1`} {
		if !strings.Contains(id, want) {
			t.Errorf("identity lacks %s: %s", want, id)
		}
	}
	for _, never := range []string{"sk-secret-identity", "api_key", "poll_deadline", "1000", "concurrency"} {
		if strings.Contains(id, never) {
			t.Errorf("identity has %s: %s", never, id)
		}
	}
	again := newCatalog(t, cfg, tts.CatalogDeps{}, cloud, local)
	if r, _ := again.Resolve("vi-cloud"); r.CacheIdentity() != id {
		t.Fatal("identity not stable across catalogs")
	}
	// Anything that changes the audio changes the identity.
	variants := map[string]func(*tts.Config){
		"rate":  func(c *tts.Config) { c.Voices[0].Rate = 1.2 },
		"pitch": func(c *tts.Config) { c.Voices[0].Pitch = 2 },
		"model": func(c *tts.Config) {
			b := c.Backends["cloud"]
			b.Settings = map[string]string{"model": "tts-1-hd", "base_url": "http://tts:8000"}
			c.Backends["cloud"] = b
		},
		"voice":  func(c *tts.Config) { c.Voices[0].Name = "vi-VN-Wavenet-B" },
		"option": func(c *tts.Config) { c.Voices[0].Options = map[string]string{"style": "news"} },
	}
	for name, mutate := range variants {
		cfg2 := twoVoices(tts.BackendConfig{Settings: map[string]string{"model": "tts-1", "base_url": "http://tts:8000"}})
		mutate(&cfg2)
		r, _ := newCatalog(t, cfg2, tts.CatalogDeps{}, cloud, local).Resolve("vi-cloud")
		if r.CacheIdentity() == id {
			t.Errorf("changing %s kept the identity", name)
		}
	}
	// Rate 0 and 1 both mean normal speed.
	cfg3 := twoVoices(tts.BackendConfig{Settings: map[string]string{"model": "tts-1", "base_url": "http://tts:8000"}})
	cfg3.Voices[0].Rate = 1
	if r, _ := newCatalog(t, cfg3, tts.CatalogDeps{}, cloud, local).Resolve("vi-cloud"); r.CacheIdentity() != id {
		t.Error("rate 1 and rate 0 gave different identities")
	}
}

// listing is a fake that also lists voices.
type listing struct {
	*ttstest.Fake
	names []string
}

func (l listing) Voices(context.Context) ([]tts.VoiceInfo, error) {
	var out []tts.VoiceInfo
	for _, n := range l.names {
		out = append(out, tts.VoiceInfo{Name: n, Language: "vi-VN"})
	}
	return out, nil
}

func TestVoicesStatusAndDiscovery(t *testing.T) {
	cfg := tts.Config{
		Backends: map[string]tts.BackendConfig{
			"lister": {Type: "fake-lister", DiscoverVoices: true},
			"broken": {Type: "fake-broken"},
		},
		Voices: []tts.VoiceConfig{
			{ID: "vi", Backend: "lister", Name: "vi", Language: "vi-VN"},
			{ID: "gone", Backend: "lister", Name: "retired-voice"},
			{ID: "cloud", Backend: "broken", Name: "x", Fallback: "vi"},
		},
		DefaultVoice: "vi",
	}
	l := listing{Fake: &ttstest.Fake{}, names: []string{"vi", "en-gb"}}
	c, err := tts.NewCatalog(context.Background(), cfg, tts.CatalogDeps{Open: func(engine string, _ map[string]string) (tts.Backend, error) {
		if engine == "fake-broken" {
			return nil, errors.New("api_key required")
		}
		return l, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]tts.VoiceStatus{}
	var ids []string
	for _, v := range c.Voices(context.Background()) {
		got[v.ID] = v
		ids = append(ids, v.ID)
	}
	if fmt.Sprint(ids) != "[vi gone cloud lister:vi lister:en-gb]" {
		t.Fatalf("voices %v", ids)
	}
	for id, want := range map[string]string{"vi": tts.StatusOK, "gone": tts.StatusUnavailable, "cloud": tts.StatusUnavailable, "lister:en-gb": tts.StatusOK} {
		if got[id].Status != want {
			t.Errorf("%s: %+v, want %s", id, got[id], want)
		}
	}
	if !got["vi"].Default || !strings.Contains(got["cloud"].Detail, "api_key required") || got["cloud"].Backend != "broken" {
		t.Errorf("details: %+v / %+v", got["vi"], got["cloud"])
	}
	// The unavailable voice still resolves, and speaking falls back.
	if _, err := c.Resolve("cloud"); err != nil {
		t.Fatal(err)
	}
	if _, used, err := c.Synthesize(context.Background(), "cloud", "Xin chào."); err != nil || used != "vi" {
		t.Fatalf("used %q, err %v", used, err)
	}

	// A default voice that cannot speak and has no fallback is a start-up error.
	cfg.DefaultVoice = "cloud"
	cfg.Voices[2].Fallback = ""
	if _, err := tts.NewCatalog(context.Background(), cfg, tts.CatalogDeps{Open: func(engine string, _ map[string]string) (tts.Backend, error) {
		if engine == "fake-broken" {
			return nil, errors.New("api_key required")
		}
		return l, nil
	}}); err == nil {
		t.Fatal("catalog started with a mute default voice")
	}
}

func TestUnknownEngineType(t *testing.T) {
	cfg := tts.Config{Backends: map[string]tts.BackendConfig{"x": {Type: "polly"}}, Voices: []tts.VoiceConfig{{ID: "a", Backend: "x"}}}
	_, err := tts.NewCatalog(context.Background(), cfg, tts.CatalogDeps{})
	if err == nil || !strings.Contains(err.Error(), `unknown backend "polly" (forgotten import?)`) {
		t.Fatalf("err = %v", err)
	}
}

// TestSecretsStayOutOfLogsAndErrors runs a real adapter against a fake
// vendor that echoes the key in its 401 body.
func TestSecretsStayOutOfLogsAndErrors(t *testing.T) {
	const key = "sk-live-do-not-log-4242"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`, r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	path := writeConfig(t, `{"include_defaults": false,
		"backends": {"oa": {"type": "openai", "base_url": "`+srv.URL+`", "api_key_env": "OPENAI_API_KEY", "max_attempts": 1},
		             "local": {"type": "fake-local"}},
		"voices": [{"id": "nova", "backend": "oa", "fallback": "vi"}, {"id": "solo", "backend": "oa"}, {"id": "vi", "backend": "local"}],
		"default_voice": "nova"}`)
	cfg, err := tts.LoadConfig(path, env(map[string]string{"OPENAI_API_KEY": key}))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log.Info("tts config", "cfg", cfg)
	c, err := tts.NewCatalog(context.Background(), cfg, tts.CatalogDeps{Logger: log, Open: ttstest.Opener(map[string]tts.Backend{"fake-local": &ttstest.Fake{}})})
	if err != nil {
		t.Fatal(err)
	}
	_, used, err := c.Synthesize(context.Background(), "nova", "Xin chào.")
	if err != nil || used != "vi" {
		t.Fatalf("used %q, err %v", used, err)
	}
	_, _, soloErr := c.Synthesize(context.Background(), "solo", "Xin chào.")
	if !errors.Is(soloErr, tts.ErrAuth) {
		t.Fatalf("solo: %v", soloErr)
	}
	statuses, _ := json.Marshal(c.Voices(context.Background()))
	r, _ := c.Resolve("nova")
	all := strings.Join([]string{logs.String(), soloErr.Error(), string(statuses), fmt.Sprintf("%+v", r), r.CacheIdentity(), cfg.String()}, "\n")
	if strings.Contains(all, key) {
		t.Fatalf("the key leaked:\n%s", all)
	}
	if !strings.Contains(logs.String(), "falling back") {
		t.Fatalf("fallback not logged:\n%s", logs.String())
	}
}

func TestDefaultCatalogWithEspeak(t *testing.T) {
	testenv.LookPath(t, "espeak-ng")
	cfg, err := tts.LoadConfig("", nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tts.NewCatalog(context.Background(), cfg, tts.CatalogDeps{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]tts.VoiceStatus{}
	for _, v := range c.Voices(context.Background()) {
		ids[v.ID] = v
	}
	for _, id := range []string{"vi", "vi-vn-x-central", "vi-vn-x-south", "espeak:vi", "espeak:en-us"} {
		if ids[id].Status != tts.StatusOK || ids[id].Backend != "espeak" {
			t.Errorf("%s: %+v", id, ids[id])
		}
	}
	var table bytes.Buffer
	if err := tts.WriteVoices(&table, c.Voices(context.Background())); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(table.String()), "\n")
	if !strings.HasPrefix(lines[0], "ID ") || !strings.HasPrefix(lines[1], "vi (default) ") || !strings.Contains(lines[1], " espeak ") || len(lines) != len(ids)+1 {
		t.Fatalf("table:\n%s", table.String())
	}
	clip, used, err := c.Synthesize(context.Background(), "", "Xin chào các bạn.")
	if err != nil || used != "vi" || clip.Format != tts.FormatWAV || clip.SampleRate != 22050 {
		t.Fatalf("default voice: used %q, %s %d, %v", used, clip.Format, clip.SampleRate, err)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func statusOf(t *testing.T, c *tts.Catalog, id string) tts.VoiceStatus {
	t.Helper()
	for _, v := range c.Voices(context.Background()) {
		if v.ID == id {
			return v
		}
	}
	t.Fatalf("no voice %s", id)
	return tts.VoiceStatus{}
}

func readUsage(t *testing.T, db *sqldb.DB, backend, day string) sqldb.UsageRow {
	t.Helper()
	u, err := db.Usage().Get(context.Background(), backend, day)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func counter(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue metrics
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
