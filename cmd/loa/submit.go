package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/loa-audio/loa/api/client"
)

func declareSubmit(fs *flagSet) func(context.Context, env, []string) error {
	var server, token, file, id, title, voice, feed, url string
	var wait time.Duration
	fs.String(&server, "server", "LOA_SERVER", "http://127.0.0.1:8080", "Loa server to submit to")
	fs.String(&token, "token", "LOA_EDITOR_TOKEN", "", "editor token")
	fs.String(&file, "file", "LOA_SUBMIT_FILE", "", "article file (.html/.htm = HTML, otherwise plain text); - = stdin")
	fs.String(&url, "url", "LOA_ARTICLE_URL", "", urlUsage)
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
		api := client.New(server, token)
		if err := api.WaitHealthy(ctx, 30*time.Second); err != nil {
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
		if err := api.Do(ctx, http.MethodPost, "/api/v1/articles", body, &st); err != nil {
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
			if err := api.Do(ctx, http.MethodGet, "/api/v1/articles/"+st.ID, nil, &st); err != nil {
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
