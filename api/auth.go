package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
)

// Tokens checks Bearer tokens. The editor and admin tokens from the
// configuration are compared in constant time; tokens an admin creates are
// stored by their SHA-256 only, so the database never holds a usable secret.
type Tokens struct {
	store  TokenStore
	editor []byte // SHA-256 of the configured editor token (nil = none)
	admin  []byte
	// window is how long a node trusts what it read of a stored token or
	// session: a revocation or sign-out on another node reaches it within.
	window   time.Duration
	tokens   readCache // created editor tokens, by digest
	sessions readCache // admin sessions, by digest
	now      func() time.Time
}

// TokenStore keeps created editor tokens and admins' browser sessions by
// digest (sqldb.Tokens).
type TokenStore interface {
	Create(ctx context.Context, digest string, rec sqldb.TokenRow) error
	Valid(ctx context.Context, digest string) (bool, error)
	List(ctx context.Context) ([]sqldb.TokenRow, error)
	Revoke(ctx context.Context, id string) (digest string, err error)
	StartSession(ctx context.Context, digest string, now, expires time.Time, keep int) error
	// Session is the session's expiry; zero when there is none.
	Session(ctx context.Context, digest string) (time.Time, error)
	EndSession(ctx context.Context, digest string) error
}

// TokenRecord is a stored editor token (without the secret).
type TokenRecord struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// NewTokens configures authentication; empty tokens are disabled, and a
// nil store accepts only the configured tokens.
func NewTokens(store TokenStore, editorToken, adminToken string) *Tokens {
	t := &Tokens{store: store, window: tokenCacheWindow, now: time.Now}
	if editorToken != "" {
		t.editor = digest(editorToken)
	}
	if adminToken != "" {
		t.admin = digest(adminToken)
	}
	return t
}

// tokenCacheWindow is Tokens.window outside tests.
const tokenCacheWindow = 10 * time.Second

func digest(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

func (t *Tokens) isAdmin(token string) bool {
	return t.admin != nil && subtle.ConstantTimeCompare(digest(token), t.admin) == 1
}

func (t *Tokens) isEditor(ctx context.Context, token string) (bool, error) {
	d := digest(token)
	if t.isAdmin(token) || (t.editor != nil && subtle.ConstantTimeCompare(d, t.editor) == 1) {
		return true, nil
	}
	if t.store == nil {
		return false, nil
	}
	key := hex.EncodeToString(d)
	now := t.now()
	return t.tokens.lookup(key, now, func() (cachedRead, error) {
		valid, err := t.store.Valid(ctx, key)
		return cachedRead{valid: valid, until: now.Add(t.window)}, err
	})
}

// Create makes a new editor token and returns its secret once.
func (t *Tokens) Create(ctx context.Context, name string) (string, TokenRecord, error) {
	if t.store == nil {
		return "", TokenRecord{}, fmt.Errorf("%w: this server keeps no editor tokens", article.ErrUnavailable)
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", TokenRecord{}, err
	}
	secret := "loa_" + hex.EncodeToString(b[:])
	d := hex.EncodeToString(digest(secret))
	rec := TokenRecord{ID: d[:16], Name: name, CreatedAt: t.now().UTC()}
	if err := t.store.Create(ctx, d, sqldb.TokenRow(rec)); err != nil {
		return "", TokenRecord{}, err
	}
	return secret, rec, nil
}

// List returns stored editor tokens, oldest first.
func (t *Tokens) List(ctx context.Context) ([]TokenRecord, error) {
	out := []TokenRecord{}
	if t.store == nil {
		return out, nil
	}
	rows, err := t.store.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out = append(out, TokenRecord(r))
	}
	return out, nil
}

// Revoke deletes the stored token with this id.
func (t *Tokens) Revoke(ctx context.Context, id string) error {
	if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		return fmt.Errorf("%w: token id must be 16 hex digits", article.ErrInvalidInput)
	}
	if t.store == nil {
		return fmt.Errorf("%w: token %s", article.ErrNotFound, id)
	}
	d, err := t.store.Revoke(ctx, id)
	if err != nil {
		return err
	}
	t.tokens.forget(d)
	return nil
}

func bearer(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

func (s *server) requireEditor(c *gin.Context) {
	s.checkEditor(c, bearer(c))
}

// requireEditorOrQueryToken also accepts ?access_token=, because a browser
// EventSource cannot send an Authorization header.
func (s *server) requireEditorOrQueryToken(c *gin.Context) {
	tok := bearer(c)
	if tok == "" {
		tok = c.Query("access_token")
	}
	s.checkEditor(c, tok)
}

func (s *server) checkEditor(c *gin.Context, tok string) {
	if tok == "" {
		c.Header("WWW-Authenticate", `Bearer realm="loa"`)
		respondErr(c, fmt.Errorf("%w: missing Authorization: Bearer token", errUnauthorized))
		return
	}
	if limited, wait := s.authFails.exhausted(c.ClientIP()); limited {
		tooMany(c, wait, "too many failed authentications from this client")
		return
	}
	ok, err := s.Tokens.isEditor(c.Request.Context(), tok)
	if err != nil {
		respondErr(c, err)
		return
	}
	if !ok {
		s.authFails.get(c.ClientIP()).Allow()
		c.Header("WWW-Authenticate", `Bearer realm="loa", error="invalid_token"`)
		respondErr(c, fmt.Errorf("%w: invalid token", errUnauthorized))
		return
	}
	c.Set(tokenCtxKey, tok)
	c.Next()
}

func (s *server) requireAdmin(c *gin.Context) {
	tok := bearer(c)
	if limited, wait := s.authFails.exhausted(c.ClientIP()); limited && tok != "" {
		tooMany(c, wait, "too many failed authentications from this client")
		return
	}
	switch {
	case tok == "":
		c.Header("WWW-Authenticate", `Bearer realm="loa"`)
		respondErr(c, fmt.Errorf("%w: missing Authorization: Bearer token", errUnauthorized))
	case s.Tokens.admin == nil:
		respondErr(c, fmt.Errorf("%w: no admin token is configured on this server (LOA_ADMIN_TOKEN)", errForbidden))
	case !s.Tokens.isAdmin(tok):
		if ok, err := s.Tokens.isEditor(c.Request.Context(), tok); err == nil && !ok {
			s.authFails.get(c.ClientIP()).Allow() // a guess, not an editor at the wrong door
		}
		respondErr(c, fmt.Errorf("%w: admin token required", errForbidden))
	default:
		c.Next()
	}
}

func (s *server) listTokens(c *gin.Context) {
	list, err := s.Tokens.List(c.Request.Context())
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"tokens": list})
}

func (s *server) createToken(c *gin.Context) {
	var req struct {
		Name string `json:"name"`
	}
	if err := s.bindJSON(c, &req); err != nil {
		respondErr(c, err)
		return
	}
	if strings.TrimSpace(req.Name) == "" || len(req.Name) > 100 {
		respondErr(c, fmt.Errorf("%w: token name must be 1 to 100 characters", article.ErrInvalidInput))
		return
	}
	secret, rec, err := s.Tokens.Create(c.Request.Context(), req.Name)
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"token": secret, "id": rec.ID, "name": rec.Name, "created_at": rec.CreatedAt})
}

func (s *server) revokeToken(c *gin.Context) {
	if err := s.Tokens.Revoke(c.Request.Context(), c.Param("token")); err != nil {
		respondErr(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
