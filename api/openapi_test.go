package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/loa-audio/loa/api"
	"github.com/loa-audio/loa/api/apitest"
)

// TestOpenAPIMatchesRoutes checks the served OpenAPI document against the
// router: every /api/v1 route is documented and every documented
// operation (the public player lookup too) exists, and each documented operation answers (no 404/405 from
// the router) when called.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := apitest.New(t, apitest.Options{})
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if code := h.Do("GET", "/api/v1/openapi.json", nil, &doc); code != 200 || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %d, version %q", code, doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	param := regexp.MustCompile(`:([a-z]+)`)
	routed := map[string]bool{}
	engine := api.New(api.Deps{Editor: h.Service.Editor, Catalog: h.Service.Catalog, Playback: h.Service.Playback, Lexicon: h.Service.Lexicon, Tokens: api.NewTokens(h.DB.Tokens(), "x", ""), Webhooks: h.Hooks, Sources: h.Sources})
	for _, r := range engine.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1") {
			continue
		}
		routed[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	var missing, extra []string
	for k := range routed {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		// The public player endpoint is served by the pages, not this engine.
		if _, path, _ := strings.Cut(k, " "); !routed[k] && strings.HasPrefix(path, "/api/v1") {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("routes not documented: %v\ndocumented but not routed: %v", missing, extra)
	}

	// Every documented operation is reachable: the router answers with the
	// handler's own status, never its 404/405 fallbacks.
	for k := range documented {
		method, path, _ := strings.Cut(k, " ")
		if strings.HasSuffix(path, "/events") {
			continue // streams; covered by their own tests
		}
		path = strings.NewReplacer("{id}", "nosuch", "{rule}", "nosuch", "{hook}", "nosuch", "{source}", "nosuch", "{token}", "0123456789abcdef").Replace(path)
		req, _ := http.NewRequest(method, h.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+apitest.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusMethodNotAllowed || (resp.StatusCode == http.StatusNotFound && strings.HasPrefix(body.Error, "no such endpoint")) {
			t.Errorf("%s: router answered %d", k, resp.StatusCode)
		}
	}
}
