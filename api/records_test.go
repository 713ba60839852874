package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth"
)

// callAPI sends a request with a token and decodes a JSON answer.
func callAPI(t *testing.T, h *apitest.Server, method, path, token string, body any, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.URL+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		_ = json.Unmarshal(data, out)
	}
	return resp.StatusCode
}

// parallel runs n requests at once and counts their status codes.
func parallel(n int, req func(i int) int) map[int]int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	codes := map[int]int{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code := req(i)
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return codes
}

// TestLexiconParallelRequests: parallel adds, duplicate adds, updates and
// deletes of the lexicon keep its invariants on both engines: every
// success is one version and one history row, a duplicate has one winner,
// a rule is deleted once.
func TestLexiconParallelRequests(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		h := apitest.New(t, apitest.Options{DB: db, NoWorkers: true})
		tok := apitest.Token
		codes := parallel(16, func(i int) int {
			return callAPI(t, h, "POST", "/api/v1/lexicon", tok, map[string]any{"match": fmt.Sprintf("Tên %d", i), "say": "tên"}, nil)
		})
		if codes[201] != 16 {
			t.Fatalf("distinct adds: %v", codes)
		}
		codes = parallel(12, func(int) int {
			return callAPI(t, h, "POST", "/api/v1/lexicon", tok, map[string]any{"match": "Kremlin", "say": "Crem-lin"}, nil)
		})
		if codes[201] != 1 || codes[409] != 11 {
			t.Fatalf("the same rule added 12 times at once: %v; want one 201 and 11 409", codes)
		}
		var lx synth.Lexicon
		callAPI(t, h, "GET", "/api/v1/lexicon", tok, nil, &lx)
		target := lx.Rules[3].ID
		var mu sync.Mutex
		updates, deletes := 0, 0
		codes = parallel(20, func(i int) int {
			if i%2 == 0 {
				code := callAPI(t, h, "PUT", "/api/v1/lexicon/"+target, tok, map[string]any{"match": "Tên 3", "say": fmt.Sprintf("lần %d", i)}, nil)
				if code == 200 {
					mu.Lock()
					updates++
					mu.Unlock()
				}
				return code
			}
			code := callAPI(t, h, "DELETE", "/api/v1/lexicon/"+target, tok, nil, nil)
			if code == 204 {
				mu.Lock()
				deletes++
				mu.Unlock()
			}
			return code
		})
		if deletes != 1 || codes[200]+codes[204]+codes[404] != 20 {
			t.Fatalf("updates and deletes of one rule: %v; want exactly one 204 and only 200/404 besides", codes)
		}
		callAPI(t, h, "GET", "/api/v1/lexicon", tok, nil, &lx)
		wantVersion := 16 + 1 + updates + deletes
		if len(lx.Rules) != 16 || lx.Version != wantVersion {
			t.Fatalf("lexicon has %d rules at version %d; want 16 at version %d", len(lx.Rules), lx.Version, wantVersion)
		}
		for _, r := range lx.Rules {
			if r.ID == target {
				t.Fatalf("deleted rule %s is back", target)
			}
		}
		hist, err := db.Lexicon().History(context.Background(), 0, 1000)
		if err != nil || len(hist) != wantVersion || hist[len(hist)-1].Version != wantVersion {
			t.Fatalf("%d history rows, want one per version (%d): %v", len(hist), wantVersion, err)
		}
	})
}

// TestTokensParallelRequests: parallel creations give distinct working
// tokens; parallel revocations of one token succeed once, and leave the
// others working.
func TestTokensParallelRequests(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		h := apitest.New(t, apitest.Options{DB: db, NoWorkers: true, AdminToken: "admin-secret"})
		type created struct{ Token, ID string }
		var mu sync.Mutex
		var made []created
		codes := parallel(12, func(i int) int {
			var c created
			code := callAPI(t, h, "POST", "/api/v1/tokens", "admin-secret", map[string]string{"name": fmt.Sprintf("cms-%d", i)}, &c)
			mu.Lock()
			made = append(made, c)
			mu.Unlock()
			return code
		})
		if codes[201] != 12 {
			t.Fatalf("parallel creations: %v", codes)
		}
		var list struct{ Tokens []struct{ ID string } }
		callAPI(t, h, "GET", "/api/v1/tokens", "admin-secret", nil, &list)
		if len(list.Tokens) != 12 {
			t.Fatalf("%d tokens listed, want 12", len(list.Tokens))
		}
		victim := made[0]
		codes = parallel(12, func(int) int {
			return callAPI(t, h, "DELETE", "/api/v1/tokens/"+victim.ID, "admin-secret", nil, nil)
		})
		if codes[204] != 1 || codes[404] != 11 {
			t.Fatalf("parallel revocations: %v; want one 204 and 11 404", codes)
		}
		if code := callAPI(t, h, "GET", "/api/v1/voices", victim.Token, nil, nil); code != 401 {
			t.Fatalf("revoked token: %d", code)
		}
		for _, c := range made[1:] {
			if code := callAPI(t, h, "GET", "/api/v1/voices", c.Token, nil, nil); code != 200 {
				t.Fatalf("token %s stopped working: %d", c.ID, code)
			}
		}
	})
}

// TestListensForgottenWithTheArticle: counted player events are served
// with the stored ones and go with the article.
func TestListensForgottenWithTheArticle(t *testing.T) {
	h := apitest.New(t, apitest.Options{NoWorkers: true})
	if code := h.Do("POST", "/api/v1/articles", map[string]string{"id": "heard", "text": "Giá xăng tăng mạnh."}, nil); code != 202 {
		t.Fatalf("POST article: %d", code)
	}
	// Counts already in the database (an earlier flush) and pending ones add up.
	if err := h.DB.Listens().Add(context.Background(), map[string]map[string]int{"heard": {"play": 5}}); err != nil {
		t.Fatal(err)
	}
	codes := parallel(8, func(int) int {
		return callAPI(t, h, "POST", "/events", "", map[string]string{"article": "heard", "event": "play"}, nil)
	})
	if codes[204]+codes[200]+codes[202] != 8 {
		t.Fatalf("player events: %v", codes)
	}
	var got struct{ Events map[string]int }
	h.Do("GET", "/api/v1/articles/heard/listens", nil, &got)
	if got.Events["play"] != 13 {
		t.Fatalf("listens %v, want 13 plays", got.Events)
	}
	if code := h.Do("DELETE", "/api/v1/articles/heard", nil, nil); code != 204 {
		t.Fatalf("DELETE: %d", code)
	}
	if left, err := h.DB.Listens().Get(context.Background(), "heard"); err != nil || len(left) != 0 {
		t.Fatalf("counts left after delete: %v, %v", left, err)
	}
}

// TestRefusedLexiconEditsChangeNothing: a refused edit names its problem
// and leaves the version, the rules and the history as they were.
func TestRefusedLexiconEditsChangeNothing(t *testing.T) {
	h := apitest.New(t, apitest.Options{NoWorkers: true})
	var added struct{ Rule struct{ ID string } }
	if code := h.Do("POST", "/api/v1/lexicon", map[string]any{"match": "Putin", "say": "Pu tin"}, &added); code != 201 {
		t.Fatalf("add: %d", code)
	}
	for _, c := range []struct {
		method, path string
		body         any
		code         int
		says         string
	}{
		{"POST", "/api/v1/lexicon", map[string]any{"match": "", "say": "x"}, 400, "match"},
		{"POST", "/api/v1/lexicon", map[string]any{"match": "putin", "say": "khác"}, 409, "already exists"},
		{"PUT", "/api/v1/lexicon/" + added.Rule.ID, map[string]any{"match": "Putin", "say": " "}, 400, "say"},
		{"PUT", "/api/v1/lexicon/rnosuch", map[string]any{"match": "Nga", "say": "Nga"}, 404, "rnosuch"},
		{"DELETE", "/api/v1/lexicon/rnosuch", nil, 404, "rnosuch"},
	} {
		var e struct{ Error string }
		if code := h.Do(c.method, c.path, c.body, &e); code != c.code || !strings.Contains(e.Error, c.says) {
			t.Errorf("%s %s: %d %q; want %d naming %q", c.method, c.path, code, e.Error, c.code, c.says)
		}
	}
	var lx synth.Lexicon
	h.Do("GET", "/api/v1/lexicon", nil, &lx)
	hist, err := h.DB.Lexicon().History(context.Background(), 0, 100)
	if err != nil || lx.Version != 1 || len(lx.Rules) != 1 || lx.Rules[0].Say != "Pu tin" || len(hist) != 1 {
		t.Fatalf("after refused edits: version %d, rules %+v, %d history rows, %v", lx.Version, lx.Rules, len(hist), err)
	}
}
