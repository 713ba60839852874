package sqldb_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/s3test"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
)

// fixture is a data folder written by Loa at 078f68c (see its
// mkfixture_test.go.txt), copied so the test cannot change it.
func fixture(t *testing.T) (storage.Store, map[string]string) {
	t.Helper()
	src := filepath.Join("..", "..", "testdata", "upgrade", "078f68c")
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(filepath.Join(src, "store"))); err != nil {
		t.Fatal(err)
	}
	store, err := storage.OpenLocal(dst)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(src, "token-secrets.txt"))
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		id, secret, _ := strings.Cut(line, " ")
		secrets[id] = secret
	}
	return store, secrets
}

func TestImportFromTheBlobStoreOfLoa078f68c(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		store, secrets := fixture(t)
		sum, err := sqldb.ImportBlobStore(ctx, db, store, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if sum != (sqldb.ImportSummary{Rules: 3, LexiconChanges: 6, Tokens: 2, Listens: 4, UsageDays: 1, Articles: 3, Versions: 4, Webhooks: 2}) {
			t.Fatalf("summary %+v", sum)
		}

		// Webhook endpoints keep their ids, secrets and filters, so
		// receivers verify signatures as before.
		hooks, err := db.Conn().WebhookEndpoints(ctx)
		if err != nil || len(hooks) != 2 {
			t.Fatalf("webhooks after import: %+v, %v", hooks, err)
		}
		if h := hooks[0]; h.ID != "whcc9ce6172815" || h.URL != "https://cms.example.vn/hooks/loa" || h.Secret != "cms-signing-key" ||
			strings.Join(h.Events, ",") != "audio.ready,audio.failed" || h.Feed != "" || h.CreatedAt.IsZero() {
			t.Fatalf("first webhook %+v", h)
		}
		if h := hooks[1]; h.ID != "whf197305c812f" || h.Feed != "the-thao" || len(h.Events) != 0 || len(h.Secret) != 48 {
			t.Fatalf("second webhook %+v", h)
		}

		// Articles come from the manifests, bai-ba too although the stale
		// index misses it; bai-hai keeps its retired version for GC.
		page, _, err := db.Conn().Articles(ctx, sqldb.ArticleFilter{Limit: 10, Search: "ha noi"})
		if err != nil || len(page) != 1 || page[0].ID != "bai-ba" || page[0].Feed != "kinh-te" || page[0].Status != "ready" || page[0].AudioKey == "" {
			t.Fatalf("search after import: %+v, %v", page, err)
		}
		hai, err := db.Conn().Article(ctx, "bai-hai")
		if err != nil || hai.Revision != 2 || hai.CurrentVersion != "89ec7b80051a5ce83d46" || hai.GUID == "" {
			t.Fatalf("bai-hai after import: %+v, %v", hai, err)
		}
		vs, err := db.Conn().Versions(ctx, "bai-hai")
		if err != nil || len(vs) != 2 || !vs[0].RetiredAt.IsZero() || vs[1].ID != "98e84f45197c90220528" || vs[1].RetiredAt.IsZero() {
			t.Fatalf("bai-hai versions after import: %+v, %v", vs, err)
		}
		if _, err := store.Stat(ctx, vs[0].AudioKey); err != nil {
			t.Fatalf("current audio of bai-hai: %v", err)
		}

		// The lexicon: current rules in their order, at the old version.
		st, err := db.Lexicon().Get(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		var says []string
		for _, r := range st.Rules {
			var rule struct{ Match, Say, Feed string }
			if err := json.Unmarshal(r.Body, &rule); err != nil {
				t.Fatal(err)
			}
			if rule.Feed != r.Feed {
				t.Errorf("rule %s: feed column %q, body %q", r.ID, r.Feed, rule.Feed)
			}
			says = append(says, rule.Match+"="+rule.Say)
		}
		if st.Version != 6 || fmt.Sprint(says) != "[Putin=Pu-tin VAR=vê a e rờ GDP=gờ đê pê]" || st.UpdatedAt.IsZero() {
			t.Fatalf("lexicon v%d %v (updated %v)", st.Version, says, st.UpdatedAt)
		}
		// The history: one row per change, recovered from the copies.
		hist, err := db.Lexicon().History(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for i, h := range hist {
			actions = append(actions, h.Action)
			if h.Version != i+1 || h.ChangedAt.IsZero() {
				t.Errorf("history row %d: %+v", i, h)
			}
		}
		if fmt.Sprint(actions) != "[add add add add update delete]" || hist[4].RuleID != st.Rules[0].ID || !strings.Contains(string(hist[4].Body), "Pu-tin") || hist[5].Body != nil {
			t.Fatalf("history %v: %+v", actions, hist)
		}

		// Tokens: the secrets handed out before the upgrade still work.
		list, err := db.Tokens().List(ctx)
		if err != nil || len(list) != 2 {
			t.Fatalf("tokens %+v, %v", list, err)
		}
		for _, tok := range list {
			sum := sha256.Sum256([]byte(secrets[tok.ID]))
			if ok, err := db.Tokens().Valid(ctx, hex.EncodeToString(sum[:])); !ok || err != nil {
				t.Errorf("token %s (%s) no longer valid: %v", tok.ID, tok.Name, err)
			}
			if tok.CreatedAt.IsZero() || tok.Name == "" {
				t.Errorf("token %+v lost its name or date", tok)
			}
		}

		// Listen counts and usage.
		if got, _ := db.Listens().Get(ctx, "bai-mot"); fmt.Sprint(got) != "map[50:1 load:1 play:2]" {
			t.Fatalf("bai-mot listens %v", got)
		}
		if got, _ := db.Listens().Get(ctx, "bai-hai"); fmt.Sprint(got) != "map[load:1]" {
			t.Fatalf("bai-hai listens %v", got)
		}
		if u, _ := db.Usage().Get(ctx, "espeak", "2026-12-06"); u.Used != 19 || u.Requests != 1 || u.Unit != "characters" {
			t.Fatalf("usage %+v", u)
		}

		// Once only: a second start imports nothing, and edits made since
		// stay.
		if _, err := db.Lexicon().Change(ctx, time.Now(), add(rule("rnew", "", "Nga"))); err != nil {
			t.Fatal(err)
		}
		if err := db.Listens().Add(ctx, map[string]map[string]int{"bai-hai": {"load": 1}}); err != nil {
			t.Fatal(err)
		}
		again, err := sqldb.ImportBlobStore(ctx, db, store, time.Now())
		if err != nil || !again.Skipped || again.Articles != 0 || again.Webhooks != 0 {
			t.Fatalf("second import: %+v, %v", again, err)
		}
		st, _ = db.Lexicon().Get(ctx, "")
		if st.Version != 7 || len(st.Rules) != 4 || st.Rules[3].ID != "rnew" {
			t.Fatalf("after the second start: v%d %v", st.Version, ids(st.Rules))
		}
		if got, _ := db.Listens().Get(ctx, "bai-hai"); got["load"] != 2 {
			t.Fatalf("bai-hai listens after the second start %v", got)
		}
	})
}

// An empty store (a new installation) imports nothing, once.
func TestImportFromAnEmptyStore(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		store, err := storage.OpenLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		sum, err := sqldb.ImportBlobStore(ctx, db, store, time.Now())
		if err != nil || sum != (sqldb.ImportSummary{}) {
			t.Fatalf("%+v, %v", sum, err)
		}
		if again, _ := sqldb.ImportBlobStore(ctx, db, store, time.Now()); !again.Skipped {
			t.Fatalf("second import ran: %+v", again)
		}
	})
}

// TestImportFromABucketOnceAcrossNodes: the records of an older Loa in an
// S3 bucket are imported by exactly one of several nodes starting at once
// on one PostgreSQL.
func TestImportFromABucketOnceAcrossNodes(t *testing.T) {
	srv := s3test.SharedMinIO(t)
	bucket, err := storage.Open(ctx, srv.Config(srv.NewBucket(t)))
	if err != nil {
		t.Fatal(err)
	}
	local, _ := fixture(t)
	infos, err := storage.ListAll(ctx, local, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		b, _, err := storage.GetBytes(ctx, local, info.Key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bucket.Put(ctx, info.Key, bytes.NewReader(b), int64(len(b)), storage.PutOptions{ContentType: "application/json"}); err != nil {
			t.Fatal(err)
		}
	}
	setting := sqldbtest.URL(t, sqldb.Postgres)
	var wg sync.WaitGroup
	var imported, skipped atomic.Int32
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sqldb.Open(ctx, setting)
			if err != nil {
				t.Error(err)
				return
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Error(err)
				return
			}
			sum, err := sqldb.ImportBlobStore(ctx, db, bucket, time.Now())
			switch {
			case err != nil:
				t.Error(err)
			case sum.Skipped:
				skipped.Add(1)
			case sum.Rules == 3 && sum.Tokens == 2 && sum.LexiconChanges == 6:
				imported.Add(1)
			default:
				t.Errorf("import from the bucket: %+v", sum)
			}
		}()
	}
	wg.Wait()
	if imported.Load() != 1 || skipped.Load() != 2 {
		t.Fatalf("%d nodes imported, %d skipped; want 1 and 2", imported.Load(), skipped.Load())
	}
	check, err := sqldb.Open(ctx, setting)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	if hist, err := check.Lexicon().History(ctx, 0, 100); err != nil || len(hist) != 6 {
		t.Fatalf("history after three imports: %d rows, %v", len(hist), err)
	}
}
