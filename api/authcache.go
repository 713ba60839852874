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

// get returns the cached answer for key, if still fresh at now, and the
// ticket a read from the store passes to put.
func (c *readCache) get(key string, now time.Time) (valid, hit bool, ticket uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if ok && now.Before(e.until) {
		return e.valid, true, c.forgets
	}
	return false, false, c.forgets
}

// put keeps a read taken with ticket, unless a forget came after it.
func (c *readCache) put(key string, ticket uint64, r cachedRead) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.forgets != ticket {
		return
	}
	if c.entries == nil || len(c.entries) > maxCachedReads {
		c.entries = map[string]cachedRead{}
	}
	c.entries[key] = r
}

func (c *readCache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgets++
	delete(c.entries, key)
}
