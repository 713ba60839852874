package sqldb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/loa-audio/loa/storage"
)

// blobImport names the one-time import of the records Loa kept as JSON
// objects in the blob store before it had a database (up to 078f68c).
const blobImport = "blob-store-records-v1"

// ImportSummary says what an import brought over.
type ImportSummary struct {
	Skipped        bool `json:"-"` // the records were imported before, on this database
	Rules          int  `json:"rules"`
	LexiconChanges int  `json:"lexicon_changes"`
	Tokens         int  `json:"tokens"`
	Listens        int  `json:"listen_counters"`
	UsageDays      int  `json:"usage_days"`
	Articles       int  `json:"articles"`
	Versions       int  `json:"versions"`
	Webhooks       int  `json:"webhooks"`
}

// The old objects, as 078f68c wrote them.
type (
	oldLexicon struct {
		Version   int               `json:"version"`
		Rules     []json.RawMessage `json:"rules"`
		UpdatedAt time.Time         `json:"updated_at"`
	}
	oldToken struct {
		ID        string    `json:"id"`
		Name      string    `json:"name"`
		CreatedAt time.Time `json:"created_at"`
	}
	oldUsage struct {
		Backend   string    `json:"backend"`
		Day       string    `json:"day"`
		Unit      string    `json:"unit"`
		Used      int64     `json:"used"`
		Requests  int64     `json:"requests"`
		UpdatedAt time.Time `json:"updated_at"`
	}
)

var (
	oldTokenKey = regexp.MustCompile(`^tokens/([0-9a-f]{64})\.json$`)
	oldStatsKey = regexp.MustCompile(`^stats/(.+)\.json$`)
	oldUsageKey = regexp.MustCompile(`^usage/([^/]+)/(\d{4}-\d{2}-\d{2})\.json$`)
)

// ImportBlobStore brings the lexicon (rules and history), editor tokens,
// listen counts and TTS usage that an older Loa kept in the blob store into
// the database. It runs once per database: the import is recorded in the
// same transaction that writes its rows, so a second call, or a second node
// starting at the same time, does nothing. The old objects stay where they
// are; nothing reads them afterwards.
func ImportBlobStore(ctx context.Context, d *DB, store storage.Store, now time.Time) (ImportSummary, error) {
	sum, err := importRecords(ctx, d, store, now)
	if err != nil {
		return sum, err
	}
	articles, err := importArticles(ctx, d, store, now)
	if err != nil {
		return sum, err
	}
	// Nodes starting together may both import articles: rows already
	// there are kept, so the second import changes nothing.
	sum.Articles, sum.Versions = articles.Articles, articles.Versions
	// Imported apart from the other records, so that a database that took
	// those before webhooks moved to it still gets the endpoints.
	if sum.Webhooks, err = importWebhooks(ctx, d, store, now); err != nil {
		return sum, err
	}
	return sum, nil
}

// webhookImport names the one-time import of the webhook endpoints an
// older Loa kept in webhooks/endpoints.json. Its delivery log
// (webhooks/deliveries/) is history, not state, and stays behind.
const webhookImport = "blob-store-webhooks-v1"

// oldWebhooks is webhooks/endpoints.json as 078f68c wrote it.
type oldWebhooks struct {
	Endpoints []struct {
		ID        string    `json:"id"`
		URL       string    `json:"url"`
		Secret    string    `json:"secret"`
		Feed      string    `json:"feed"`
		Events    []string  `json:"events"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"endpoints"`
}

// importWebhooks brings the webhook endpoints over, in the transaction
// that records the import, and returns how many it read.
func importWebhooks(ctx context.Context, d *DB, store storage.Store, now time.Time) (int, error) {
	var done int
	if err := d.Conn().QueryRow(ctx, `SELECT COUNT(*) FROM imports WHERE name = ?`, webhookImport).Scan(&done); err != nil {
		return 0, fmt.Errorf("check import: %w", err)
	}
	if done > 0 {
		return 0, nil
	}
	var doc oldWebhooks
	if _, err := storage.GetJSON(ctx, store, "webhooks/endpoints.json", &doc); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return 0, fmt.Errorf("import webhooks: %w", err)
	}
	body, _ := json.Marshal(map[string]int{"webhooks": len(doc.Endpoints)})
	imported := 0
	err := d.InTx(ctx, func(tx Conn) error {
		res, err := tx.Exec(ctx, `INSERT INTO imports (name, done_at, summary) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`, webhookImport, micros(now), string(body))
		if err != nil {
			return fmt.Errorf("record import: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // imported before, or by another node just now
		}
		for _, e := range doc.Endpoints {
			events, _ := json.Marshal(nonNil(e.Events))
			if _, err := tx.Exec(ctx, `INSERT INTO webhook_endpoints (id, url, secret, feed, events, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				e.ID, e.URL, e.Secret, e.Feed, string(events), micros(e.CreatedAt)); err != nil {
				return fmt.Errorf("webhook %s: %w", e.ID, err)
			}
		}
		imported = len(doc.Endpoints)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("import webhooks: %w", err)
	}
	return imported, nil
}

func importRecords(ctx context.Context, d *DB, store storage.Store, now time.Time) (ImportSummary, error) {
	var done int
	if err := d.Conn().QueryRow(ctx, `SELECT COUNT(*) FROM imports WHERE name = ?`, blobImport).Scan(&done); err != nil {
		return ImportSummary{}, fmt.Errorf("check import: %w", err)
	}
	if done > 0 {
		return ImportSummary{Skipped: true}, nil
	}
	// Everything is read before the transaction, so the database is not
	// held while a bucket answers.
	var in oldRecords
	if err := in.read(ctx, store); err != nil {
		return ImportSummary{}, fmt.Errorf("import from the store: %w", err)
	}
	sum := in.summary()
	body, _ := json.Marshal(sum)
	err := d.InTx(ctx, func(tx Conn) error {
		res, err := tx.Exec(ctx, `INSERT INTO imports (name, done_at, summary) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`, blobImport, micros(now), string(body))
		if err != nil {
			return fmt.Errorf("record import: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			sum.Skipped = true // another node imported first
			return err
		}
		return in.write(ctx, tx)
	})
	if err != nil {
		return ImportSummary{}, fmt.Errorf("import from the store: %w", err)
	}
	return sum, nil
}

type oldRecords struct {
	lexicon oldLexicon
	rules   []RuleRow
	changes []LexiconChange
	tokens  map[string]oldToken // by digest
	listens map[string]map[string]int
	usage   []oldUsage
}

func (o *oldRecords) summary() ImportSummary {
	n := 0
	for _, m := range o.listens {
		n += len(m)
	}
	return ImportSummary{Rules: len(o.rules), LexiconChanges: len(o.changes), Tokens: len(o.tokens), Listens: n, UsageDays: len(o.usage)}
}

func (o *oldRecords) read(ctx context.Context, store storage.Store) error {
	if _, err := storage.GetJSON(ctx, store, "lexicons/rules.json", &o.lexicon); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	for _, raw := range o.lexicon.Rules {
		r, err := oldRule(raw)
		if err != nil {
			return fmt.Errorf("lexicons/rules.json: %w", err)
		}
		o.rules = append(o.rules, r)
	}
	if err := o.readHistory(ctx, store); err != nil {
		return err
	}
	o.tokens = map[string]oldToken{}
	if err := eachJSON(ctx, store, "tokens/", oldTokenKey, func(m []string, body []byte) error {
		var t oldToken
		if err := json.Unmarshal(body, &t); err != nil {
			return err
		}
		o.tokens[m[1]] = t
		return nil
	}); err != nil {
		return err
	}
	o.listens = map[string]map[string]int{}
	if err := eachJSON(ctx, store, "stats/", oldStatsKey, func(m []string, body []byte) error {
		counts := map[string]int{}
		if err := json.Unmarshal(body, &counts); err != nil {
			return err
		}
		o.listens[m[1]] = counts
		return nil
	}); err != nil {
		return err
	}
	return eachJSON(ctx, store, "usage/", oldUsageKey, func(m []string, body []byte) error {
		var u oldUsage
		if err := json.Unmarshal(body, &u); err != nil {
			return err
		}
		u.Backend, u.Day = m[1], m[2]
		o.usage = append(o.usage, u)
		return nil
	})
}

// readHistory turns the old history, a copy of the whole lexicon per
// version, into one change per version: the difference of each copy from
// the one before.
func (o *oldRecords) readHistory(ctx context.Context, store storage.Store) error {
	infos, err := storage.ListAll(ctx, store, "lexicons/history/")
	if err != nil {
		return err
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Key < infos[j].Key })
	prev := map[string]RuleRow{}
	last := 0
	for _, info := range infos {
		var snap oldLexicon
		if _, err := storage.GetJSON(ctx, store, info.Key, &snap); err != nil {
			return err
		}
		cur := map[string]RuleRow{}
		var order []string
		for _, raw := range snap.Rules {
			r, err := oldRule(raw)
			if err != nil {
				return fmt.Errorf("%s: %w", info.Key, err)
			}
			cur[r.ID] = r
			order = append(order, r.ID)
		}
		var diff []LexiconChange
		for _, id := range order {
			old, had := prev[id]
			switch {
			case !had:
				diff = append(diff, LexiconChange{Action: RuleAdded, RuleID: id, Body: cur[id].Body})
			case !bytes.Equal(old.Body, cur[id].Body):
				diff = append(diff, LexiconChange{Action: RuleUpdated, RuleID: id, Body: cur[id].Body})
			}
		}
		var gone []string
		for id := range prev {
			if _, ok := cur[id]; !ok {
				gone = append(gone, id)
			}
		}
		sort.Strings(gone)
		for _, id := range gone {
			diff = append(diff, LexiconChange{Action: RuleDeleted, RuleID: id})
		}
		// One change per version, as the old code made them; a gap in the
		// copies still gives every change its own version.
		for i := range diff {
			v := max(last+1, snap.Version-len(diff)+1+i)
			diff[i].Version, diff[i].ChangedAt = v, snap.UpdatedAt
			last = v
		}
		o.changes = append(o.changes, diff...)
		prev = cur
	}
	return nil
}

func oldRule(raw json.RawMessage) (RuleRow, error) {
	var head struct {
		ID   string `json:"id"`
		Feed string `json:"feed"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.ID == "" {
		return RuleRow{}, fmt.Errorf("lexicon rule %s: not a rule (%v)", raw, err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return RuleRow{}, err
	}
	return RuleRow{ID: head.ID, Feed: head.Feed, Body: buf.Bytes()}, nil
}

// eachJSON reads the objects under prefix whose keys match re.
func eachJSON(ctx context.Context, store storage.Store, prefix string, re *regexp.Regexp, fn func(match []string, body []byte) error) error {
	infos, err := storage.ListAll(ctx, store, prefix)
	if err != nil {
		return err
	}
	for _, info := range infos {
		m := re.FindStringSubmatch(info.Key)
		if m == nil {
			continue
		}
		body, _, err := storage.GetBytes(ctx, store, info.Key)
		if err != nil {
			return err
		}
		if err := fn(m, body); err != nil {
			return fmt.Errorf("%s: %w", info.Key, err)
		}
	}
	return nil
}

func (o *oldRecords) write(ctx context.Context, tx Conn) error {
	version := max(o.lexicon.Version, len(o.rules))
	for _, c := range o.changes {
		version = max(version, c.Version)
		var body any
		if c.Body != nil {
			body = string(c.Body)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO lexicon_changes (version, action, rule_id, body, changed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (version) DO NOTHING`,
			c.Version, c.Action, c.RuleID, body, micros(c.ChangedAt)); err != nil {
			return fmt.Errorf("lexicon change %d: %w", c.Version, err)
		}
	}
	// Imported rules keep their order ahead of every rule added later,
	// whose seq is the version that added it.
	for i, r := range o.rules {
		if _, err := tx.Exec(ctx, `INSERT INTO lexicon_rules (id, feed, seq, body) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, r.ID, r.Feed, i+1, string(r.Body)); err != nil {
			return fmt.Errorf("lexicon rule %s: %w", r.ID, err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE lexicon_state SET version = ?, updated_at = ? WHERE id = 1 AND version < ?`, version, micros(o.lexicon.UpdatedAt), version); err != nil {
		return fmt.Errorf("lexicon version: %w", err)
	}
	for digest, t := range o.tokens {
		if _, err := tx.Exec(ctx, `INSERT INTO editor_tokens (digest, id, name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, digest, t.ID, t.Name, micros(t.CreatedAt)); err != nil {
			return fmt.Errorf("token %s: %w", t.ID, err)
		}
	}
	for id, counts := range o.listens {
		for ev, n := range counts {
			if _, err := tx.Exec(ctx, `INSERT INTO listens (article_id, event, n) VALUES (?, ?, ?) ON CONFLICT (article_id, event) DO NOTHING`, id, ev, n); err != nil {
				return fmt.Errorf("listen counts of %s: %w", id, err)
			}
		}
	}
	for _, u := range o.usage {
		unit := u.Unit
		if strings.TrimSpace(unit) == "" {
			unit = "characters"
		}
		if _, err := tx.Exec(ctx, `INSERT INTO tts_usage (backend, day, unit, used, requests, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (backend, day) DO NOTHING`,
			u.Backend, u.Day, unit, u.Used, u.Requests, micros(u.UpdatedAt)); err != nil {
			return fmt.Errorf("usage of %s on %s: %w", u.Backend, u.Day, err)
		}
	}
	return nil
}

// articleImport names the one-time import of the articles an older Loa
// kept as manifests (articles/<id>/manifest.json) next to their sources.
const articleImport = "blob-store-articles-v1"

// The article objects as 078f68c wrote them. The manifests are the record;
// index/articles.json was a cache that could lag behind them.
type (
	oldVersion struct {
		ID          string    `json:"id"`
		Revision    int       `json:"revision"`
		AudioKey    string    `json:"audio_key"`
		TimingsKey  string    `json:"timings_key"`
		VTTKey      string    `json:"vtt_key"`
		ChaptersKey string    `json:"chapters_key"`
		Bytes       int64     `json:"bytes"`
		DurationMS  int64     `json:"duration_ms"`
		Sentences   int       `json:"sentences"`
		Voices      []string  `json:"voices"`
		PublishedAt time.Time `json:"published_at"`
		Preflight   string    `json:"preflight"`
	}
	oldManifest struct {
		ID                   string       `json:"id"`
		Status               string       `json:"status"`
		Revision             int          `json:"revision"`
		Title                string       `json:"title"`
		Lead                 string       `json:"lead"`
		Voice                string       `json:"voice"`
		Feed                 string       `json:"feed"`
		Link                 string       `json:"link"`
		GUID                 string       `json:"guid"`
		SentencesTotal       int          `json:"sentences_total"`
		SentencesDone        int          `json:"sentences_done"`
		SentencesSynthesized int          `json:"sentences_synthesized"`
		SentencesCached      int          `json:"sentences_cached"`
		Error                string       `json:"error"`
		Preflight            string       `json:"preflight"`
		Current              *oldVersion  `json:"current"`
		Retired              []oldVersion `json:"retired"`
		PublishedAt          time.Time    `json:"published_at"`
		CreatedAt            time.Time    `json:"created_at"`
		UpdatedAt            time.Time    `json:"updated_at"`
	}
	oldSource struct {
		SourceID string `json:"source_id"`
		URL      string `json:"url"`
	}
)

var oldManifestKey = regexp.MustCompile(`^articles/([^/]+)/manifest\.json$`)

// importArticles brings articles and their versions over, a batch per
// transaction so that a large archive is never held in memory or in one
// transaction; rows already there are kept, so an interrupted import simply
// runs again. An article that was queued or synthesizing comes over as
// queued without a job: the article service queues those when it starts.
func importArticles(ctx context.Context, d *DB, store storage.Store, now time.Time) (ImportSummary, error) {
	var done int
	if err := d.Conn().QueryRow(ctx, `SELECT COUNT(*) FROM imports WHERE name = ?`, articleImport).Scan(&done); err != nil {
		return ImportSummary{}, fmt.Errorf("check import: %w", err)
	}
	if done > 0 {
		return ImportSummary{Skipped: true}, nil
	}
	infos, err := storage.ListAll(ctx, store, "articles/")
	if err != nil {
		return ImportSummary{}, fmt.Errorf("import articles: %w", err)
	}
	var sum ImportSummary
	var batch []oldManifest
	sources := map[string]oldSource{}
	flush := func() error {
		err := d.InTx(ctx, func(tx Conn) error {
			for _, m := range batch {
				if err := importArticle(ctx, tx, m, sources[m.ID], now); err != nil {
					return fmt.Errorf("article %s: %w", m.ID, err)
				}
			}
			return nil
		})
		batch = batch[:0]
		clear(sources)
		return err
	}
	for _, info := range infos {
		match := oldManifestKey.FindStringSubmatch(info.Key)
		if match == nil {
			continue
		}
		var m oldManifest
		if _, err := storage.GetJSON(ctx, store, info.Key, &m); err != nil {
			return sum, fmt.Errorf("import %s: %w", info.Key, err)
		}
		if m.ID == "" {
			m.ID = match[1]
		}
		var src oldSource
		if _, err := storage.GetJSON(ctx, store, "articles/"+m.ID+"/source.json", &src); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return sum, fmt.Errorf("import source of %s: %w", m.ID, err)
		}
		sources[m.ID] = src
		batch = append(batch, m)
		sum.Articles++
		sum.Versions += len(m.Retired)
		if m.Current != nil {
			sum.Versions++
		}
		if len(batch) == 200 {
			if err := flush(); err != nil {
				return sum, fmt.Errorf("import articles: %w", err)
			}
		}
	}
	if err := flush(); err != nil {
		return sum, fmt.Errorf("import articles: %w", err)
	}
	body, _ := json.Marshal(sum)
	if _, err := d.Conn().Exec(ctx, `INSERT INTO imports (name, done_at, summary) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`, articleImport, micros(now), string(body)); err != nil {
		return sum, fmt.Errorf("record import: %w", err)
	}
	return sum, nil
}

func importArticle(ctx context.Context, tx Conn, m oldManifest, src oldSource, now time.Time) error {
	status := m.Status
	if status != "ready" && status != "failed" {
		status = "queued"
	}
	a := ArticleRow{
		ID: m.ID, SourceID: src.SourceID, CanonicalURL: src.URL, Feed: m.Feed, Title: m.Title, Lead: m.Lead,
		Status: status, Revision: m.Revision, Voice: m.Voice, Link: m.Link, GUID: m.GUID,
		SentencesTotal: m.SentencesTotal, SentencesDone: m.SentencesDone,
		SentencesSynthesized: m.SentencesSynthesized, SentencesCached: m.SentencesCached,
		Error: m.Error, Preflight: m.Preflight, PublishedAt: m.PublishedAt, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
	if a.GUID == "" {
		a.GUID = m.ID
	}
	if m.Current != nil {
		a.CurrentVersion, a.Bytes, a.DurationMS = m.Current.ID, m.Current.Bytes, m.Current.DurationMS
	}
	if _, err := tx.InsertArticle(ctx, a); err != nil {
		return err
	}
	version := func(v oldVersion, retiredAt time.Time) error {
		voices, _ := json.Marshal(v.Voices)
		if v.Voices == nil {
			voices = []byte("[]")
		}
		pub := v.PublishedAt
		if !retiredAt.IsZero() {
			// Old manifests kept the retirement time in published_at.
			pub = time.Time{}
		}
		return tx.InsertVersion(ctx, VersionRow{
			ArticleID: m.ID, ID: v.ID, Revision: v.Revision, AudioKey: v.AudioKey, TimingsKey: v.TimingsKey, VTTKey: v.VTTKey,
			ChaptersKey: v.ChaptersKey, Bytes: v.Bytes, DurationMS: v.DurationMS, Sentences: v.Sentences,
			Voices: string(voices), Preflight: v.Preflight, PublishedAt: pub, RetiredAt: retiredAt,
		})
	}
	if m.Current != nil {
		if err := version(*m.Current, time.Time{}); err != nil {
			return err
		}
	}
	for _, v := range m.Retired {
		at := v.PublishedAt
		if at.IsZero() {
			at = now
		}
		if err := version(v, at); err != nil {
			return err
		}
	}
	return nil
}

// Orphans lists articles waiting for synthesis without a job (imported
// from an older Loa): the article service queues them.
func (c Conn) Orphans(ctx context.Context) ([]ArticleRow, error) {
	rows, err := c.Query(ctx, `SELECT `+articleCols+` FROM articles WHERE job_id = 0 AND status IN ('queued', 'synthesizing')`)
	out, err := collect(rows, err, scanArticle)
	if err != nil {
		return nil, fmt.Errorf("list articles without a job: %w", err)
	}
	return out, nil
}
