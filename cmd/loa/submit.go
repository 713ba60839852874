package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

func declareSubmit(fs *flagSet) func(context.Context, env, []string) error {
	var server, token, file, id, title, voice, feed, url string
	var wait time.Duration
	fs.String(&server, "server", "LOA_SERVER", "http://127.0.0.1:8080", "Loa server to submit to")
	fs.String(&token, "token", "LOA_EDITOR_TOKEN", "", "editor token")
	fs.String(&file, "file", "LOA_SUBMIT_FILE", "", "article file (.html/.htm = HTML, otherwise plain text); - = stdin")
	fs.String(&url, "url", "LOA_SUBMIT_URL", "", "submit this article URL instead of a file")
	fs.String(&id, "id", "LOA_SUBMIT_ID", "", "article id (default: chosen by the server)")
	fs.String(&title, "title", "LOA_TITLE", "", "title, for plain-text articles")
	fs.String(&voice, "voice-id", "LOA_SUBMIT_VOICE", "", "voice id (default: the server's default)")
	fs.String(&feed, "feed", "LOA_SUBMIT_FEED", "", "podcast feed to publish in")
	fs.Duration(&wait, "wait", "LOA_SUBMIT_WAIT", 0, "wait this long for the audio to be ready, showing progress (0 = do not wait)")
	return func(ctx context.Context, e env, args []string) error {
		if (file == "") == (url == "") {
			return usageError{"give exactly one of --file or --url"}
		}
		body := map[string]string{"id": id, "title": title, "voice": voice, "feed": feed, "url": url}
		if file != "" {
			src, err := readSource(ctx, e, file)
			if err != nil {
				return err
			}
			body["html"], body["text"] = src.html, src.text
		}
		for k, v := range body {
			if v == "" {
				delete(body, k)
			}
		}
		client := &client{base: strings.TrimRight(server, "/"), token: token}
		if err := client.waitHealthy(ctx, 30*time.Second); err != nil {
			return err
		}
		var st struct {
			ID       string  `json:"id"`
			Status   string  `json:"status"`
			Progress float64 `json:"progress"`
			PageURL  string  `json:"page_url"`
			AudioURL string  `json:"audio_url"`
			Error    string  `json:"error"`
		}
		if err := client.do(ctx, http.MethodPost, "/api/v1/articles", body, &st); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "submitted %s (%s)\n", st.ID, st.Status)
		deadline := time.Now().Add(wait)
		for wait > 0 && st.Status != "ready" && st.Status != "failed" {
			if time.Now().After(deadline) {
				return fmt.Errorf("article %s not ready after %v (status %s)", st.ID, wait, st.Status)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(500 * time.Millisecond):
			}
			if err := client.do(ctx, http.MethodGet, "/api/v1/articles/"+st.ID, nil, &st); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "\r%s: %s %3.0f%%", st.ID, st.Status, st.Progress*100)
		}
		if wait > 0 {
			fmt.Fprintln(e.stderr)
		}
		if st.Status == "failed" {
			return fmt.Errorf("synthesis of %s failed: %s", st.ID, st.Error)
		}
		fmt.Fprintln(e.stdout, st.PageURL)
		return nil
	}
}

type client struct {
	base, token string
}

// waitHealthy waits for a server that is still starting (as in make run).
func (c *client) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/healthz", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server %s not answering /healthz after %v: %v", c.base, limit, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (c *client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, e.Error)
	}
	return json.Unmarshal(data, out)
}
