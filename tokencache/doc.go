// Package tokencache is the expiry-aware token cache every oauthkit provider
// shares: one [oauth2.Token] per key, fetched at most once at a time,
// refreshed ahead of expiry on demand, and served from memory without locks.
//
// A backend service serving thousands of tenants holds one [Cache] and asks
// it for each tenant's token:
//
//	cache := tokencache.New(tokencache.Config{})
//	key, err := cache.Key(tokencache.KeyParts{Vendor: "webuntis", Tenant: school, ClientID: id, Flow: "client_credentials", Credential: secret})
//	src := cache.TokenSource(key, func(ctx context.Context) (*oauth2.Token, error) {
//		return provider.ClientCredentials(ctx)
//	})
//
// # Keys
//
// [Key] names what a token is for: vendor, tenant, client id and flow in
// clear, and the endpoint, scopes, user and credential through an HMAC.
// Keys leave the process — debug logs, [Config.OnError], Metrics'
// CacheInfo.Key, a shared [Store] — so the HMAC is keyed by a secret: by
// default a random key drawn once per process, so that a key seen outside
// it cannot be used to test guesses of a password offline, and no other
// process reproduces it. Replicas sharing a Store must compute the same key
// for a tenant, so there the secret comes from configuration,
// [Config.KeySecret] (or [KeyParts.HashKey]), the same on every replica:
// [Cache.Key] builds keys with it, and refuses ([ErrKeySecretRequired]) on
// a Cache with a Store and no secret rather than let each replica key its
// tokens apart and silently share none. The vendor packages build their
// keys with Cache.Key, from their Config's CacheKeySecret or the Cache's
// KeySecret.
//
// # States: fresh, stale, expired
//
// A token the cache holds for a key is in one of three states:
//
//   - fresh: returned at once. A hit of a bound [Cache.TokenSource] is two
//     atomic loads; one of [Cache.Token] hashes the key and reads one table
//     slot, which holds the key and its token. Neither takes a lock or
//     reads the clock.
//   - stale: within [Config.RefreshAhead] of expiring. Still returned at
//     once, and the first caller to see it starts one background refresh
//     with its fetch function. Other callers keep getting the stale token
//     until the new one replaces it.
//   - expired: within [Config.ExpiryMargin] (10 s) of its Expiry, or past
//     it. Callers wait for a fetch. An expired key nobody asks for is dropped.
//
// One timer per Cache on the [Config.Clock], armed for the earliest of the
// keys' deadlines, moves each key from one state to the next, which is why
// a hit needs no clock read. Deadlines more than a minute away are not kept
// in order: a pass over the keys, at most every 30 s and only while some
// deadline comes within the minute, picks those up, so that a long-lived
// token costs its key no scheduler memory. Refreshes happen only on demand: a key
// nobody asks for is never refreshed, since the vendors want no needless
// token requests. A token without Expiry stays fresh until
// [Cache.Invalidate].
//
// # Default refresh-ahead policy
//
// A token turns stale a tenth of its usable lifetime (lifetime minus the
// margin) before it expires, at least 5 s and at most 5 min before, plus up
// to a quarter more at random, so that keys fetched together (at start-up,
// say) do not all refresh together. For WebUntis' 3-minute tokens that is
// 17 s to 21 s before the 10 s margin: a token is fresh for about 2.5 min,
// so the vendor sees one request every 2.5 min or so per busy key, and none
// for idle keys. Both the
// margin and the refresh-ahead are capped at half of what they apply to, so
// a very short-lived token is still reused. Set [Config.RefreshAhead] to a
// fixed duration, or to a negative one to refresh only on expiry. A key
// turns stale to the millisecond: at most a millisecond before the planned
// time (and at most about 49 days before the expiry); it expires exactly.
//
// # Single flight
//
// Only one fetch per key runs at a time: 1,000 callers of a missing or
// expired key share one fetch and its result. The fetch runs in a
// goroutine of the cache's own (one per fetch in flight, reused from one
// fetch to the next rather than started for each) with a context that keeps
// the values of the caller that started it but not its cancellation ([context.WithoutCancel]), bounded by
// [Config.FetchTimeout] (in real time, whatever the Clock: the Cache holds
// one timer for all its fetches' deadlines); a caller whose ctx ends stops
// waiting, while the fetch carries on for the others. Once the fetch's own ctx ends, its callers
// are released with that ctx's error ([context.DeadlineExceeded]) even if the
// fetch function ignores it and never returns; such a fetch still holds its
// key, so that no second one runs beside it.
//
// # Stale on error
//
// A refresh that fails while the old token is still valid never replaces
// it: callers keep getting the old token, the error goes to
// [Config.OnError], and the refresh is retried by the first caller after a
// backoff (1 s, doubling up to 30 s, jittered). When there is no valid token,
// the callers waiting for the fetch get its error, and so do callers in the
// short backoff after it (100 ms, doubling up to 5 s); then the next caller
// fetches again. A nil token, one without an access token, or one already
// expired by [Config.Clock] ([ErrExpiredToken]) is an error and is never
// cached or handed out.
//
// # HTTP clients
//
// [Cache.Client] sends each request with the key's token, bounded by
// [Config.ClientTimeout], and never sends the token to another origin: a
// redirect to another scheme or host fails with [oauthkit.ErrCrossOriginRedirect].
//
// # Compared with oauth2.ReuseTokenSource
//
// Measured against x/oauth2's [oauth2.ReuseTokenSource] and others: see BENCHMARKS.md.
//
// # Replicas: a shared Store
//
// With [Config.Store] the replicas of a service share their tokens: the
// cache's memory stays in front (a hit never touches the Store), and a
// replica that would fetch first adopts a fresh token another replica wrote.
// When none is there, one replica takes the key's lease in the Store and
// fetches; the others wait for its token, so the vendor sees one request per
// key for the whole fleet. Writes are compare-and-swap, so a rotated refresh
// token is never overwritten by an older one. A Store that is down or slow
// costs a fill a bounded wait and an error to [Config.OnError]; the cache
// keeps serving what it holds.
//
// Single-use secrets are used once per fleet: a [Cache.RefreshingSource]
// sends a refresh token only while holding the key's lease. Without it —
// the Store fails, or another replica is still renewing when the fill's
// time runs out — it sends nothing and fails with [ErrStoreUnavailable] or
// [ErrRefreshInFlight] (retryable; a still-valid token is served
// meanwhile). Client-credentials keys wait at most [Config.StoreWait] and
// then, or when the Store fails, fetch on their own. [Store] has the steps.
// Package [github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore] is such
// a Store on Redis, encrypted at rest.
//
// # Sharing tokens
//
// Returned tokens are the cached values themselves, shared by every caller
// of a key (which is what makes a hit allocation-free): callers must not
// modify them. Keys built by [Key] contain no secret, but they do contain
// tenant and client names.
//
// Tests drive a Cache with the fake clock of
// [github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest].
//
// # References
//
//   - RFC 6749 §4.4, client credentials, and §5.1, expires_in:
//     https://www.rfc-editor.org/rfc/rfc6749
//   - RFC 6749 §6 and RFC 9700 §4.14, refresh token rotation (what
//     [Config.OnTokenChange] is for): https://www.rfc-editor.org/rfc/rfc9700
package tokencache
