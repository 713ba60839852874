package api

import (
	"sync"
	"time"
)

// readCache remembers, for a short while, what a node read of a stored
// editor token or admin session, so a request does not cost a database
// read. forget (a revocation or sign-out on this node) drops a key at
// once, and a read that began before it is not kept: it may have seen the
// row just before the delete.
type readCache struct {
	mu      sync.Mutex
	entries map[string]cachedRead
	forgets uint64
}

type cachedRead struct {
	valid bool
	until time.Time
}

// maxCachedReads bounds the cache; past it the cache starts empty, which
// only costs fresh reads.
const maxCachedReads = 10000

// lookup answers from the cache while the answer is fresh at now, else
// from read, whose answer it keeps unless a forget came meanwhile.
func (c *readCache) lookup(key string, now time.Time, read func() (cachedRead, error)) (bool, error) {
	c.mu.Lock()
	e, hit := c.entries[key]
	ticket := c.forgets
	c.mu.Unlock()
	if hit && now.Before(e.until) {
		return e.valid, nil
	}
	r, err := read()
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.forgets == ticket {
		if c.entries == nil || len(c.entries) > maxCachedReads {
			c.entries = map[string]cachedRead{}
		}
		c.entries[key] = r
	}
	return r.valid, nil
}

func (c *readCache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgets++
	delete(c.entries, key)
}
