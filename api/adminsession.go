package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// An admin's browser signs in once with the admin token and gets a session
// cookie for the jobs view, because a browser cannot send the Bearer
// header River UI's page and its fetches would need. The cookie holds an
// expiry and its HMAC under a key derived from the admin token, never the
// token: every node with the same admin token verifies it, and changing the
// token ends every session. Sign-out clears the browser's cookie; a copied
// value stays valid until it expires, hence the short default.
//
// The cookie opens the read-only /admin/jobs only (never /api/v1), it is
// SameSite=Strict, and the two POSTs that set and clear it refuse
// cross-origin requests, so no other site can act with it.

const (
	adminCookie = "loa_admin"
	// DefaultAdminSession is how long an admin's browser stays signed in.
	DefaultAdminSession = 8 * time.Hour
)

// sessionKey is the HMAC key of admin sessions (nil without an admin token).
func (t *Tokens) sessionKey() []byte {
	if t.admin == nil {
		return nil
	}
	m := hmac.New(sha256.New, t.admin)
	m.Write([]byte("loa admin session v1"))
	return m.Sum(nil)
}

// newSession is a cookie value valid until exp: "<unix ms>.<hex HMAC>".
func (t *Tokens) newSession(exp time.Time) string {
	ms := strconv.FormatInt(exp.UnixMilli(), 10)
	m := hmac.New(sha256.New, t.sessionKey())
	m.Write([]byte(ms))
	return ms + "." + hex.EncodeToString(m.Sum(nil))
}

// validSession says whether v is an unexpired session of this admin token.
func (t *Tokens) validSession(v string) bool {
	key := t.sessionKey()
	ms, mac, ok := strings.Cut(v, ".")
	if key == nil || !ok {
		return false
	}
	exp, err := strconv.ParseInt(ms, 10, 64)
	got, herr := hex.DecodeString(mac)
	if err != nil || herr != nil {
		return false
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ms))
	return hmac.Equal(got, m.Sum(nil)) && t.now().Before(time.UnixMilli(exp))
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
	s.setAdminCookie(c, s.Tokens.newSession(s.Tokens.now().Add(ttl)), int(ttl.Seconds()))
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, "/admin/jobs")
}

func (s *server) adminSignOut(c *gin.Context) {
	s.setAdminCookie(c, "", -1)
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, "/admin/signin")
}

// requireAdminSession lets in the admin's Bearer token or a valid session
// cookie; a browser without either is sent to the sign-in form.
func (s *server) requireAdminSession(c *gin.Context) {
	if bearer(c) == "" {
		if v, err := c.Cookie(adminCookie); err == nil {
			if s.Tokens.validSession(v) {
				c.Next()
				return
			}
			s.setAdminCookie(c, "", -1) // expired or forged: forget it
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
