package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/loa-audio/loa/synth/article"
)

// An admin's browser signs in once with the admin token and gets a session
// cookie for the jobs view, because a browser cannot send the Bearer
// header River UI's page and its fetches would need. The cookie holds a
// random secret; the database keeps, with the session's expiry, only the
// secret's HMAC under a key derived from the admin token. So every node
// sharing the database honours the session, sign-out deletes it for every
// copy of the cookie, and changing the admin token matches no stored
// session any more. A node that read a session within Tokens.window may
// honour it that long after another node signed it out, as it does a
// revoked editor token; the node that signs out forgets it at once.
//
// The cookie opens the read-only /admin/jobs only (never /api/v1), it is
// SameSite=Strict, and the two POSTs that set and clear it refuse
// cross-origin requests, so no other site can act with it.

const (
	adminCookie = "loa_admin"
	// DefaultAdminSession is how long an admin's browser stays signed in.
	DefaultAdminSession = 8 * time.Hour
	// maxAdminSessions bounds the stored sessions, since anyone with the
	// admin token may sign in at will: a sign-in beyond it ends the oldest.
	maxAdminSessions = 100
)

// sessionKey is the HMAC key of admin sessions (nil without an admin token).
func (t *Tokens) sessionKey() []byte {
	if t.admin == nil {
		return nil
	}
	m := hmac.New(sha256.New, t.admin)
	m.Write([]byte("loa admin session v2"))
	return m.Sum(nil)
}

// sessionDigest is what the database keeps of the cookie value v; false
// when v cannot be a session of this admin token.
func (t *Tokens) sessionDigest(v string) (string, bool) {
	key := t.sessionKey()
	if key == nil || len(v) != 64 || strings.Trim(v, "0123456789abcdef") != "" {
		return "", false
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil)), true
}

// startSession stores a session valid for ttl and returns the cookie value.
func (t *Tokens) startSession(ctx context.Context, ttl time.Duration) (string, error) {
	if t.store == nil {
		return "", fmt.Errorf("%w: this server keeps no admin sessions", article.ErrUnavailable)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	v := hex.EncodeToString(b[:])
	d, _ := t.sessionDigest(v)
	now := t.now()
	if err := t.store.StartSession(ctx, d, now, now.Add(ttl), maxAdminSessions); err != nil {
		return "", err
	}
	return v, nil
}

// validSession says whether v is a live session of this admin token.
func (t *Tokens) validSession(ctx context.Context, v string) (bool, error) {
	d, ok := t.sessionDigest(v)
	if !ok || t.store == nil {
		return false, nil
	}
	now := t.now()
	return t.sessions.lookup(d, now, func() (cachedRead, error) {
		exp, err := t.store.Session(ctx, d)
		r := cachedRead{valid: now.Before(exp), until: now.Add(t.window)}
		if r.valid && exp.Before(r.until) {
			r.until = exp
		}
		return r, err
	})
}

// endSession deletes the session of cookie value v, for every node.
func (t *Tokens) endSession(ctx context.Context, v string) error {
	d, ok := t.sessionDigest(v)
	if !ok || t.store == nil {
		return nil
	}
	if err := t.store.EndSession(ctx, d); err != nil {
		return err
	}
	t.sessions.forget(d)
	return nil
}

// secureRequest says whether the browser reached Loa over TLS, directly or
// through a trusted proxy that says so.
func (s *server) secureRequest(c *gin.Context) bool {
	return c.Request.TLS != nil || (s.fromTrustedProxy(c) && strings.EqualFold(forwarded(c, "X-Forwarded-Proto"), "https"))
}

func (s *server) setAdminCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: adminCookie, Value: value, Path: "/admin", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secureRequest(c),
	})
}

// sameOrigin refuses cross-origin form posts (CSRF) with a JSON 403.
func (s *server) sameOrigin(c *gin.Context) {
	if err := s.csrf.Check(c.Request); err != nil {
		respondErr(c, fmt.Errorf("%w: %v", errForbidden, err))
		return
	}
	c.Next()
}

// wantsHTML tells a browser's navigation from a script's request.
func wantsHTML(c *gin.Context) bool {
	return strings.Contains(c.GetHeader("Accept"), "text/html")
}

// adminSignIn takes the admin token from the sign-in form and answers with
// a session cookie and the jobs view.
func (s *server) adminSignIn(c *gin.Context) {
	if s.Tokens.admin == nil {
		respondErr(c, fmt.Errorf("%w: no admin token is configured on this server (LOA_ADMIN_TOKEN)", errForbidden))
		return
	}
	if limited, wait := s.authFails.exhausted(c.ClientIP()); limited {
		tooMany(c, wait, "too many failed authentications from this client")
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 4<<10)
	tok := c.PostForm("token")
	if tok == "" || !s.Tokens.isAdmin(tok) {
		if tok != "" {
			s.authFails.get(c.ClientIP()).Allow()
		}
		if wantsHTML(c) {
			c.Redirect(http.StatusSeeOther, "/admin/signin?failed=1")
			return
		}
		respondErr(c, fmt.Errorf("%w: the form's token field must hold the admin token", errUnauthorized))
		return
	}
	ttl := s.AdminSession
	v, err := s.Tokens.startSession(c.Request.Context(), ttl)
	if err != nil {
		respondErr(c, err)
		return
	}
	s.setAdminCookie(c, v, int(ttl.Seconds()))
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, "/admin/jobs")
}

// adminSignOut ends the browser's session for every copy of its cookie,
// then clears it; when the session could not be ended the browser keeps
// the cookie, to sign out again.
func (s *server) adminSignOut(c *gin.Context) {
	if v, err := c.Cookie(adminCookie); err == nil {
		if err := s.Tokens.endSession(c.Request.Context(), v); err != nil {
			respondErr(c, err)
			return
		}
	}
	s.setAdminCookie(c, "", -1)
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, "/admin/signin")
}

// requireAdminSession lets in the admin's Bearer token or a valid session
// cookie; a browser without either is sent to the sign-in form.
func (s *server) requireAdminSession(c *gin.Context) {
	if bearer(c) == "" {
		if v, err := c.Cookie(adminCookie); err == nil {
			ok, err := s.Tokens.validSession(c.Request.Context(), v)
			if err != nil {
				respondErr(c, err)
				return
			}
			if ok {
				c.Next()
				return
			}
			s.setAdminCookie(c, "", -1) // ended, expired or forged: forget it
		}
		if s.Tokens.admin != nil && wantsHTML(c) && c.Request.Method == http.MethodGet {
			c.Header("Cache-Control", "no-store")
			c.Redirect(http.StatusSeeOther, "/admin/signin")
			c.Abort()
			return
		}
	}
	s.requireAdmin(c)
}
