package tokencache

import (
	"runtime"
	"sync"
	"weak"

	"golang.org/x/oauth2"
)

// lineage is the newest token of one key's [Cache.RefreshingSource]s: the
// refresh token to renew with next. The entry's token is dropped by
// Invalidate, expiry and eviction; the lineage survives them, so that no
// source renews from an older token that another source already rotated
// away (a dead refresh token, sent twice).
//
// A Cache holds lineages weakly: one lives as long as a source of its key
// does, and is forgotten with the last of them.
type lineage struct {
	mu     sync.Mutex
	newest *oauth2.Token
	cached bool // newest has been handed to the cache: never again as it is

	// refused is a refresh token the server refused for good (an error for
	// which [oauthkit.NeedsLogin] is true), and refusedErr that error: the
	// token is not sent again, its renewals fail with the error at once. A
	// new login brings another refresh token.
	refused    string
	refusedErr error
}

// lineageRef is a Cache's weak reference to a key's lineage.
type lineageRef struct {
	key string
	ptr weak.Pointer[lineage]
}

// lineageOf returns key's lineage, creating it from seed if no source of key
// is in use, and offers it seed.
func (c *Cache) lineageOf(key string, seed *oauth2.Token) *lineage {
	c.linMu.Lock()
	defer c.linMu.Unlock()
	if ref, ok := c.lineages[key]; ok {
		if l := ref.ptr.Value(); l != nil {
			l.offer(seed)
			return l
		}
	}
	l := &lineage{newest: seed}
	ref := lineageRef{key: key, ptr: weak.Make(l)}
	c.lineages[key] = ref
	runtime.AddCleanup(l, c.forgetLineage, ref)
	return l
}

// forgetLineage removes ref once its lineage has been collected, unless the
// key has a new one.
func (c *Cache) forgetLineage(ref lineageRef) {
	c.linMu.Lock()
	defer c.linMu.Unlock()
	if c.lineages[ref.key] == ref {
		delete(c.lineages, ref.key)
	}
}

// offer makes seed, the token a new source was made with, the newest unless
// it is the same token or expires before the newest one (an older copy of
// the login, read back from storage before the rotation was persisted). A
// later one is a new login, which replaces a possibly dead refresh token.
func (l *lineage) offer(seed *oauth2.Token) {
	if seed == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.newest
	if n != nil && (same(n, seed) || n.Expiry.After(seed.Expiry)) {
		return
	}
	l.newest, l.cached = seed, false
}

// base returns the token a fill renews from: prev, the key's token, if it
// has one (it is then the newest), else the lineage's newest. handOver
// reports that the latter has never been in the cache and may be handed to
// it as it is if still fresh; it is true once per token.
func (l *lineage) base(prev *oauth2.Token) (base *oauth2.Token, handOver bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if prev != nil {
		l.newest, l.cached = prev, true // perhaps adopted from the Store
		return prev, false
	}
	handOver = !l.cached
	l.cached = true
	return l.newest, handOver && l.newest != nil
}

// renewed records tok, just obtained by renewing: it is the newest.
func (l *lineage) renewed(tok *oauth2.Token) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.newest, l.cached = tok, true
}

// refuse records that the server refused base's refresh token for good,
// with err.
func (l *lineage) refuse(base *oauth2.Token, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refused, l.refusedErr = base.RefreshToken, err
}

// refusal returns the error the server refused base's refresh token with,
// or nil if it did not.
func (l *lineage) refusal(base *oauth2.Token) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refusedErr != nil && base.RefreshToken == l.refused {
		return l.refusedErr
	}
	return nil
}

// same reports whether a and b carry the same credentials.
func same(a, b *oauth2.Token) bool {
	return a.AccessToken == b.AccessToken && a.RefreshToken == b.RefreshToken
}
