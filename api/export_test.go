package api

import "time"

// SetCacheWindow sets how long a test node trusts what it read of stored
// tokens and sessions, to see another node's sign-out without waiting the
// production window.
func SetCacheWindow(t *Tokens, d time.Duration) { t.window = d }
