package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
)

// get requests path on n with the Bearer token (none when empty).
func get(t *testing.T, n *node, path, token string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+n.addr+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestJobsUIIsForAdmins: River's UI under /admin/jobs shows an admin the
// running synthesis job; anyone else gets the JSON errors of other admin
// routes, and a server without an admin token does not serve it at all.
func TestJobsUIIsForAdmins(t *testing.T) {
	engines := map[string]func(t *testing.T) []string{
		"sqlite": func(t *testing.T) []string { return []string{"LOA_DATA_DIR=" + t.TempDir()} },
		"postgres": func(t *testing.T) []string {
			return []string{"LOA_DATA_DIR=" + t.TempDir(), "LOA_DB=" + sqldbtest.URL(t, sqldb.Postgres)}
		},
	}
	for name, setup := range engines {
		t.Run(name, func(t *testing.T) {
			cfg, logPath := countingVoice(t, 100*time.Millisecond)
			n := startNode(t, append(setup(t), "LOA_TTS_CONFIG_JSON="+cfg, "LOA_ADMIN_TOKEN=adm")...)
			if code := n.api("POST", "/api/v1/articles", map[string]string{"id": "seen", "text": longArticle("seen", 20)}, nil); code != 202 {
				t.Fatalf("POST: %d", code)
			}
			waitCalls(t, logPath, 2, time.Minute)

			resp, body := get(t, n, "/admin/jobs", "adm")
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<script") {
				t.Fatalf("UI page: %d %s\n%.300s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			resp, body = get(t, n, "/admin/jobs/api/jobs?state=running&limit=20", "adm")
			var list struct {
				Data []struct {
					ID    int64           `json:"id"`
					Kind  string          `json:"kind"`
					State string          `json:"state"`
					Args  json.RawMessage `json:"args"`
				} `json:"data"`
			}
			if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 {
				t.Fatalf("jobs API: %d %v\n%.500s", resp.StatusCode, err, body)
			}
			var id int64
			for _, j := range list.Data {
				if j.Kind == "synthesize" && j.State == "running" && (strings.Contains(string(j.Args), `\"article_id\":\"seen\"`) || strings.Contains(string(j.Args), `\"article_id\": \"seen\"`)) {
					id = j.ID
				}
			}
			if id == 0 {
				t.Fatalf("running synthesis of %q not listed: %s", "seen", body)
			}

			// The view is read-only: a job cancelled there would leave its
			// article queued for ever.
			req, _ := http.NewRequest("POST", "http://"+n.addr+"/admin/jobs/api/jobs/cancel", bytes.NewReader(fmt.Appendf(nil, `{"ids":["%d"]}`, id)))
			req.Header.Set("Authorization", "Bearer adm")
			req.Header.Set("Content-Type", "application/json")
			cancel, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			cancel.Body.Close()
			if cancel.StatusCode != http.StatusMethodNotAllowed {
				t.Fatalf("cancel through the jobs UI: %d, want 405", cancel.StatusCode)
			}
			if st := n.waitReady("seen", 2*time.Minute); st.Status != "ready" {
				t.Fatalf("after a refused cancel: %+v", st)
			}

			for _, c := range []struct {
				token string
				code  int
			}{{"", 401}, {"tok", 403}, {"wrong", 403}} {
				for _, path := range []string{"/admin/jobs", "/admin/jobs/api/jobs?state=running"} {
					resp, body := get(t, n, path, c.token)
					var e struct{ Error string }
					if resp.StatusCode != c.code || json.Unmarshal(body, &e) != nil || e.Error == "" {
						t.Fatalf("%s with token %q: %d %s, want %d with a JSON error", path, c.token, resp.StatusCode, body, c.code)
					}
				}
			}
		})
	}

	t.Run("no admin token", func(t *testing.T) {
		n := startNode(t, "LOA_DATA_DIR="+t.TempDir())
		for _, tok := range []string{"", "tok"} {
			if resp, body := get(t, n, "/admin/jobs/api/jobs", tok); resp.StatusCode != 404 || !strings.Contains(string(body), `"error"`) {
				t.Fatalf("without an admin token configured: %d %s, want 404", resp.StatusCode, body)
			}
		}
	})
}
