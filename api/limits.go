package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

var errTooManyRequests = errors.New("too many requests")

// keyedLimiters is one token bucket per key (a client, or a client and an
// article). The map is dropped when it grows large: forgetting a few
// buckets costs far less than memory an attacker could fill.
type keyedLimiters struct {
	every rate.Limit
	burst int
	mu    sync.Mutex
	m     map[string]*rate.Limiter
}

func newKeyedLimiters(every time.Duration, burst int) *keyedLimiters {
	return &keyedLimiters{every: rate.Every(every), burst: burst, m: map[string]*rate.Limiter{}}
}

func (k *keyedLimiters) get(key string) *rate.Limiter {
	k.mu.Lock()
	defer k.mu.Unlock()
	l, ok := k.m[key]
	if !ok {
		if len(k.m) >= 100_000 {
			clear(k.m)
		}
		l = rate.NewLimiter(k.every, k.burst)
		k.m[key] = l
	}
	return l
}

// exhausted reports whether key has no token left, without taking one,
// and how long until it has.
func (k *keyedLimiters) exhausted(key string) (bool, time.Duration) {
	l := k.get(key)
	if l.Tokens() >= 1 {
		return false, 0
	}
	return true, time.Duration(math.Ceil((1-l.Tokens())/float64(k.every))) * time.Second
}

// tooMany answers 429 with Retry-After.
func tooMany(c *gin.Context, wait time.Duration, what string) {
	secs := max(int(wait.Round(time.Second)/time.Second), 1)
	c.Header("Retry-After", strconv.Itoa(secs))
	respondErr(c, fmt.Errorf("%w: %s; retry in %d s", errTooManyRequests, what, secs))
}

// Failed authentications: a burst of 10, then one every 6 seconds per
// client, so guessing a token from one address is hopeless.
const (
	authFailEvery = 6 * time.Second
	authFailBurst = 10
)

// Listen events: a listen sends at most six (load, play, 25…100); a burst
// of 12 per client and article, then one every 10 seconds.
const (
	listenEvery = 10 * time.Second
	listenBurst = 12
)

// readyTTL is how long a readiness answer is reused: the check starts an
// espeak-ng process, and probes can be frequent.
const readyTTL = 5 * time.Second

type readyCache struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

// check runs fn at most once per readyTTL; concurrent probes wait for the
// one check in flight instead of starting their own.
func (r *readyCache) check(ctx context.Context, fn func(context.Context) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.at.IsZero() && time.Since(r.at) < readyTTL {
		return r.err
	}
	r.err = fn(ctx)
	r.at = time.Now()
	return r.err
}
