package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/text"
)

// bindJSON reads a JSON body strictly: JSON content type, size limit,
// known fields only, exactly one value.
func (s *server) bindJSON(c *gin.Context, v any) error {
	ct := c.GetHeader("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return fmt.Errorf("%w: Content-Type must be application/json, got %q", errUnsupportedMedia, ct)
	}
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, s.MaxBody+1))
	if err != nil {
		return fmt.Errorf("%w: reading body: %v", article.ErrInvalidInput, err)
	}
	if int64(len(body)) > s.MaxBody {
		return fmt.Errorf("%w: the limit is %d bytes", errBodyTooLarge, s.MaxBody)
	}
	if !utf8.Valid(body) {
		return fmt.Errorf("%w: body is not valid UTF-8", article.ErrInvalidInput)
	}
	if err := checkMemberNames(body, v); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: malformed JSON: %v", article.ErrInvalidInput, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: malformed JSON: more than one value in the body", article.ErrInvalidInput)
	}
	return nil
}

// articleJSON is a State with URLs made absolute.
func (s *server) articleJSON(c *gin.Context, st article.State) article.State {
	base := s.baseURL(c)
	abs := func(u string) string {
		if u == "" || strings.Contains(u, "://") {
			return u
		}
		return base + u
	}
	st.AudioURL = abs(st.AudioURL)
	st.VersionAudioURL = abs(st.VersionAudioURL)
	st.TimingsURL = abs(st.TimingsURL)
	st.TranscriptURL = abs(st.TranscriptURL)
	st.PageURL = abs(st.PageURL)
	return st
}

func (s *server) createArticle(c *gin.Context) {
	var sub article.Submission
	if err := s.bindJSON(c, &sub); err != nil {
		respondErr(c, err)
		return
	}
	st, created, err := s.Editor.Create(c.Request.Context(), sub)
	if err != nil {
		respondErr(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusAccepted
	}
	c.Header("Location", "/api/v1/articles/"+st.ID)
	c.JSON(status, s.articleJSON(c, st))
}

func (s *server) updateArticle(c *gin.Context) {
	var sub article.Submission
	if err := s.bindJSON(c, &sub); err != nil {
		respondErr(c, err)
		return
	}
	st, _, err := s.Editor.Update(c.Request.Context(), c.Param("id"), sub)
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusAccepted, s.articleJSON(c, st))
}

func (s *server) getArticle(c *gin.Context) {
	st, err := s.Catalog.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusOK, s.articleJSON(c, st))
}

func (s *server) deleteArticle(c *gin.Context) {
	if err := s.Editor.Delete(c.Request.Context(), c.Param("id")); err != nil {
		respondErr(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// resynthesize takes an optional body {"voice": "..."} to change the voice.
func (s *server) resynthesize(c *gin.Context) {
	var req struct {
		Voice string `json:"voice"`
	}
	if c.Request.ContentLength != 0 {
		if err := s.bindJSON(c, &req); err != nil {
			respondErr(c, err)
			return
		}
	}
	st, err := s.Editor.Resynthesize(c.Request.Context(), c.Param("id"), req.Voice)
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusAccepted, s.articleJSON(c, st))
}

func (s *server) listArticles(c *gin.Context) {
	f := article.ListFilter{Status: article.Status(c.Query("status")), Feed: c.Query("feed"), Voice: c.Query("voice"), Query: c.Query("q"), Cursor: c.Query("cursor")}
	var err error
	if f.Offset, err = intParam(c, "offset"); err != nil {
		respondErr(c, err)
		return
	}
	if f.Limit, err = intParam(c, "limit"); err != nil {
		respondErr(c, err)
		return
	}
	if f.Since, err = timeParam(c, "since"); err != nil {
		respondErr(c, err)
		return
	}
	if f.Until, err = timeParam(c, "until"); err != nil {
		respondErr(c, err)
		return
	}
	res, err := s.Catalog.List(c.Request.Context(), f)
	if err != nil {
		respondErr(c, err)
		return
	}
	resp := gin.H{"articles": res.Articles, "total": res.Total, "offset": res.Offset, "limit": res.Limit}
	if res.TotalCapped {
		resp["total_capped"] = true
	}
	if res.NextCursor != "" {
		resp["next_cursor"] = res.NextCursor
		q := c.Request.URL.Query()
		q.Del("offset")
		q.Set("cursor", res.NextCursor)
		resp["next"] = "/api/v1/articles?" + q.Encode()
	}
	c.JSON(http.StatusOK, resp)
}

func intParam(c *gin.Context, name string) (int, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %s must be a non-negative integer", article.ErrInvalidInput, name)
	}
	return n, nil
}

func timeParam(c *gin.Context, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: %s must be a date (2006-01-02) or RFC 3339 time", article.ErrInvalidInput, name)
}

func (s *server) preview(c *gin.Context) {
	var sub article.Submission
	if err := s.bindJSON(c, &sub); err != nil {
		respondErr(c, err)
		return
	}
	res, err := s.Editor.Preview(c.Request.Context(), sub)
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *server) previewArticle(c *gin.Context) {
	res, err := s.Editor.Preview(c.Request.Context(), article.Submission{ID: c.Param("id")})
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *server) listens(c *gin.Context) {
	if _, err := s.Catalog.Get(c.Request.Context(), c.Param("id")); err != nil {
		respondErr(c, err)
		return
	}
	counts, err := s.Playback.Listens(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "events": counts})
}

func (s *server) voices(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"voices": s.Catalog.Voices(c.Request.Context())})
}

func (s *server) getLexicon(c *gin.Context) {
	lx, err := s.Lexicon.Lexicon(c.Request.Context(), c.Query("feed"))
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusOK, lx)
}

func (s *server) addRule(c *gin.Context) {
	var r text.Rule
	if err := s.bindJSON(c, &r); err != nil {
		respondErr(c, err)
		return
	}
	rule, lx, err := s.Lexicon.AddRule(c.Request.Context(), r)
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"rule": rule, "version": lx.Version})
}

func (s *server) updateRule(c *gin.Context) {
	var r text.Rule
	if err := s.bindJSON(c, &r); err != nil {
		respondErr(c, err)
		return
	}
	rule, lx, err := s.Lexicon.UpdateRule(c.Request.Context(), c.Param("rule"), r)
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"rule": rule, "version": lx.Version})
}

func (s *server) deleteRule(c *gin.Context) {
	if _, err := s.Lexicon.DeleteRule(c.Request.Context(), c.Param("rule")); err != nil {
		respondErr(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *server) ruleTouches(c *gin.Context) {
	var r text.Rule
	if err := s.bindJSON(c, &r); err != nil {
		respondErr(c, err)
		return
	}
	touches, err := s.Lexicon.RuleTouches(c.Request.Context(), r, 100)
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"sentences": touches})
}

// playerEvent counts anonymous player events sent with navigator.sendBeacon,
// which posts text/plain; the body is small JSON either way.
func (s *server) playerEvent(c *gin.Context) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, 1025))
	if err != nil {
		respondErr(c, fmt.Errorf("%w: reading the event body: %v", article.ErrInvalidInput, err))
		return
	}
	if len(body) > 1024 {
		respondErr(c, fmt.Errorf("%w: event body must be at most 1 KB", errBodyTooLarge))
		return
	}
	var ev struct {
		Article string `json:"article"`
		Event   string `json:"event"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		respondErr(c, fmt.Errorf("%w: malformed event JSON: %v", article.ErrInvalidInput, err))
		return
	}
	if !s.playerEvents.get(c.ClientIP() + "\x00" + ev.Article).Allow() {
		tooMany(c, listenEvery, "too many player events for this article from this client")
		return
	}
	if err := s.Playback.ListenEvent(c.Request.Context(), ev.Article, ev.Event); err != nil {
		respondErr(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
