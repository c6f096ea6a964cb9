// Package redisstore is a [tokencache.Store] on Redis (or Valkey), so that
// the replicas of a service share their tokens: one upstream fetch per key
// for the whole fleet, instead of one per replica.
//
//	store, err := redisstore.New(redisstore.Config{
//		Client: redis.NewClient(&redis.Options{Addr: "redis:6379"}),
//		Keys:   [][]byte{key}, // 32 bytes from crypto/rand, the same on every replica
//	})
//	cache := tokencache.New(tokencache.Config{Store: store})
//
// # Two levels
//
// Each replica's [tokencache.Cache] stays in front: a hit is served from
// its memory and never touches Redis. Redis is read only when a replica
// would otherwise fetch (a missing, stale or expired token), and written
// after every fetch.
//
// # One fetch per key for the fleet
//
// A replica that finds no fresh token in Redis takes the key's lease
// (SET NX PX with a random owner token, for [tokencache.Config.FetchTimeout]
// plus 5 s, given back by a script only while it still holds that token),
// reads the key once more, fetches and writes. The others poll for the
// token it writes, with backoff, and take the lease if it comes free first.
// Meanwhile a stale but valid token is still served. Writes are
// compare-and-swap on the entry's revision, so that a rotated refresh
// token (UniSignIn and Justimmo rotate on every refresh) is never
// overwritten by an older one, and a replica renews from the newest refresh
// token of the fleet, not from its own older copy.
//
// How long the others wait depends on the key:
//
//   - A user's login ([tokencache.Cache.RefreshingSource], every vendor's
//     UserTokenSource): one refresh per login for the fleet, and a refresh
//     token is never sent by a replica that does not hold the lease. The
//     others wait for the holder's token until the lease is free or their
//     FetchTimeout is nearly over, however slow the identity provider, and
//     then fail with [tokencache.ErrRefreshInFlight] rather than send the
//     same refresh token (retryable: the next call adopts the holder's
//     token).
//   - Client credentials ([tokencache.Cache.Token], TokenSource): the
//     others wait at most [tokencache.Config.StoreWait] (3 s), then fetch on
//     their own rather than fail: a second client-credentials request costs
//     the vendor a request, not a login.
//
// # Encryption and key names
//
// Tokens are sealed with AES-256-GCM under [Config.Keys] (the key id is
// stored with each entry; Keys[0] seals and all keys open, for rotation),
// bound to their cache key so that an entry copied under another key does
// not open. Plaintext only with [Config.InsecurePlaintext]. Key names are a
// prefix and a SHA-256 of the cache key in a hash tag, {…}: they hold no
// tenant, user, credential or token, and a token's entry and lease share one
// Cluster slot. An entry that does not open — tampered with, sealed with an
// unknown key, garbage, another format — is a miss, reported to
// [tokencache.Config.OnError], and replaced by the next fetch.
//
// Entries expire with their token (plus [Config.KeepRefreshToken] when they
// carry a refresh token). Only the token's own fields and its ID token are
// stored, not other extras of the token response.
//
// # When Redis fails
//
// Every Redis call is bounded by [Config.Timeout] (250 ms) and by the
// caller's ctx, whether or not the client was configured with
// ContextTimeoutEnabled. While Redis is down, slow or flapping, each
// replica keeps serving from memory; errors reach
// [tokencache.Config.OnError] at most once a second per operation; sharing
// resumes when Redis answers again. Meanwhile:
//
//   - client-credentials keys are fetched by each replica on its own;
//   - no refresh token is sent at all: without the lease no replica can
//     know that no other one is sending it. A user's token that is still
//     valid is served; once it has expired, callers get
//     [tokencache.ErrStoreUnavailable] (retryable, and not
//     oauthkit.NeedsLogin) until Redis answers again. A fresh token handed
//     to a new source is still served, since that sends nothing.
//
// An entry longer than 64 KiB (a sealed token is a few KiB) is refused
// without being read: [Store.Get] asks Redis for its length first, and
// reports it as [ErrUnreadable], a miss the next fetch replaces.
//
// # References
//
//   - Redis SET NX PX and the single-instance lock it makes:
//     https://redis.io/docs/latest/develop/use/patterns/distributed-locks/
//   - Redis Cluster hash tags: https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags
//   - NIST SP 800-38D, AES-GCM: https://csrc.nist.gov/pubs/sp/800/38/d/final
//   - RFC 9700 §4.14, refresh token rotation: https://www.rfc-editor.org/rfc/rfc9700
package redisstore
