package discovery

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

// Bounds of how long a [Refreshing] keeps a discovery document.
const (
	// DefaultMaxAge is how long a document whose answer has no
	// Cache-Control max-age is kept.
	DefaultMaxAge = time.Hour
	// MinMaxAge is the least a document is kept, whatever Cache-Control
	// says (no-store and max-age=0 included): it bounds how often a server
	// is asked, and how often an unknown kid can make it be asked.
	MinMaxAge = time.Minute
	// MaxMaxAge is the most a document is kept, whatever Cache-Control
	// says: a server that moves its endpoints or keys is followed within a
	// day.
	MaxMaxAge = 24 * time.Hour
)

// Refreshing keeps one issuer's discovery document current. Unlike
// [Discovery.Get], which fetches once and keeps the document for the life of
// the process, it fetches the document again once it has aged (by the
// answer's Cache-Control max-age, bounded by [MinMaxAge] and [MaxMaxAge];
// [DefaultMaxAge] without one), and on demand ([Refreshing.Refresh]) when a
// token names a key the current key set does not hold. A failed re-fetch
// keeps the last good document (retried after [MinMaxAge]); only a first
// fetch that fails is an error. One fetch runs at a time however many
// callers wait; each caller stops waiting when its context ends.
type Refreshing struct {
	d   *Discovery
	now func() time.Time

	mu       sync.Mutex
	cur      *Metadata
	expires  time.Time // when cur must be fetched again
	forced   time.Time // when Refresh last fetched
	inflight *refreshCall
}

type refreshCall struct {
	done chan struct{}
	md   *Metadata
	err  error
}

// NewRefreshing returns a Refreshing over d's URL, issuer and client, on
// the clock now (nil: time.Now).
func NewRefreshing(d *Discovery, now func() time.Time) *Refreshing {
	if now == nil {
		now = time.Now
	}
	return &Refreshing{d: d, now: now}
}

// Get returns the current document, fetching it when there is none or it
// has aged.
func (r *Refreshing) Get(ctx context.Context) (*Metadata, error) {
	return r.load(ctx, false)
}

// Refresh fetches the document again unless it was fetched (by Refresh, or
// for the first time) less than [MinMaxAge] ago, and returns the current
// one. Call it when a token names a kid the keys do not hold: the server
// may have moved its jwks_uri.
func (r *Refreshing) Refresh(ctx context.Context) (*Metadata, error) {
	return r.load(ctx, true)
}

func (r *Refreshing) load(ctx context.Context, force bool) (*Metadata, error) {
	r.mu.Lock()
	now := r.now()
	switch {
	case r.cur != nil && !force && now.Before(r.expires):
		md := r.cur
		r.mu.Unlock()
		return md, nil
	case r.cur != nil && force && now.Before(r.forced.Add(MinMaxAge)):
		md := r.cur
		r.mu.Unlock()
		return md, nil
	}
	c := r.inflight
	if c == nil {
		c = &refreshCall{done: make(chan struct{})}
		r.inflight = c
		if force || r.cur == nil {
			r.forced = now
		}
		go r.run(context.WithoutCancel(ctx), c)
	}
	r.mu.Unlock()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		return c.md, c.err
	}
}

// run fetches the document once, bounded by three HTTP timeouts (the
// retries), and publishes the result.
func (r *Refreshing) run(ctx context.Context, c *refreshCall) {
	ctx, cancel := context.WithTimeout(ctx, r.d.http.Timeout()*3)
	defer cancel()
	md, resp, err := r.d.fetchDocument(ctx)

	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	switch {
	case err != nil && r.cur != nil:
		// Keep the last good document; ask again after the least age.
		c.md = r.cur
		r.expires = now.Add(MinMaxAge)
	case err != nil:
		c.err = err
	default:
		if r.cur != nil && r.cur.Endpoints.JWKSURL == md.Endpoints.JWKSURL {
			md.keys = r.cur.keys // keep the fetched keys of an unchanged jwks_uri
		}
		r.cur = md
		r.expires = now.Add(MaxAge(resp.Header))
		c.md = md
	}
	r.inflight = nil
	close(c.done)
}

// MaxAge is how long a discovery answer with header h is kept: its
// Cache-Control max-age within [MinMaxAge, MaxMaxAge], MinMaxAge for
// no-store or no-cache, [DefaultMaxAge] with neither.
func MaxAge(h http.Header) time.Duration {
	age := DefaultMaxAge
	for _, v := range h.Values("Cache-Control") {
		for d := range strings.SplitSeq(v, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(name) {
			case "no-store", "no-cache":
				return MinMaxAge
			case "max-age":
				if n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64); err == nil && n >= 0 {
					age = time.Duration(min(n, int64(MaxMaxAge/time.Second))) * time.Second
				}
			}
		}
	}
	return min(max(age, MinMaxAge), MaxMaxAge)
}

// Static returns the metadata of a server configured by its endpoints
// rather than discovered: its key set (go-oidc's, fetched on first use) is
// at e.JWKSURL, if any. The URLs must have been checked.
func Static(e oauthkit.Endpoints, hc *httpc.Client) *Metadata {
	md := &Metadata{Endpoints: e}
	if e.JWKSURL != "" {
		md.keys = newKeySet(e.JWKSURL, hc)
	}
	return md
}
