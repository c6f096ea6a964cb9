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
// # The Redis the lease needs
//
// The lease is the single-instance lock of the Redis documentation (SET NX
// PX on the primary; see References), and "a refresh token is never sent
// twice across the fleet", here and for [SessionStore], holds only for a
// Redis whose primary does not lose an acknowledged write: one primary
// without failover (a restart with persistence keeps the lease; without it
// a restart loses it, and the tokens with it). Replication in Redis is
// asynchronous: with replicas and automatic failover (Sentinel, Redis
// Cluster, a managed service's high availability), a lease the old primary
// acknowledged may not have reached the replica that is promoted, so
// another application replica can take the same lease and send the same
// refresh token while the first holder's request is still out. On a vendor
// that rotates refresh tokens one of the two is refused (invalid_grant) and
// that user must log in again; a server that follows RFC 9700 §4.14 may
// revoke the whole grant. Closing that window takes waiting for the lease to
// reach the replicas (WAIT or WAITAOF after SET NX, or a consensus-based
// lock), which this package does not do. The same holds for
// [SessionStore]'s single-use keys (SET NX PX too): a failover may let a used
// state be accepted once more. Client-credentials keys are not affected
// beyond a second fetch.
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
// The configurations and stores print, log and marshal their keys as
// "[redacted]" and the Redis client by its type only.
//
// # When Redis fails
//
// Every Redis call is bounded by [Config.Timeout] (250 ms) and by the
// caller's ctx, whether or not the client was configured with
// ContextTimeoutEnabled (without it, a call runs on a worker goroutine,
// kept for the next call, while the caller waits for it no longer than
// that; a call the caller stopped waiting for finishes there with its ctx
// cancelled). While Redis is down, slow or flapping, each replica keeps
// serving from memory; errors reach [tokencache.Config.OnError] at most
// once a second per operation; sharing resumes when Redis answers again.
// Meanwhile:
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
// with no more than 64 KiB of it read: [Store.Get] asks Redis for its first
// 64 KiB and a byte (then for its length), and reports a longer entry as
// [ErrUnreadable], a miss the next fetch replaces.
//
// # Web sessions
//
// [SessionStore] is a [web.TokenStore] on Redis: the server-side state of
// package web's sessions (tokens, ID token, end, last use, index refs),
// shared by every replica, so that a session survives a replica's restart
// and follows its user from one replica to the next, a refresh token is
// sent once per fleet ([web.TokenStore.Lease]), and a logout by index
// ([web.TokenStore.DeleteRef]) reaches sessions saved by any replica.
//
//	store, err := redisstore.NewSessionStore(redisstore.SessionConfig{
//		Client:  rdb,
//		Keys:    [][]byte{sealKey}, // rotated like Config.Keys
//		NameKey: nameKey,           // 32+ bytes of its own, never rotated
//	})
//	h, err := web.New(web.Config{Providers: providers, Keys: cookieKeys, Tokens: store})
//
// Each session is one record, sealed with AES-256-GCM under
// [SessionConfig.Keys] and bound to the prefix and the session, so that a
// record copied under another session's name does not open. Key names are
// Prefix + "{" + h + "}:" and a suffix, h being 16 bytes of HMAC-SHA-256
// keyed with [SessionConfig.NameKey] over the session ID (or ref, or
// single-use key): no session ID, subject, tenant or token appears in a key
// or value in clear, and since refs are made of guessable subjects and
// tenants the hash is keyed, so that reading the Redis does not let one
// confirm a guess. NameKey is separate from Keys because names must not
// change when Keys rotate.
//
//	{h}:s  the sealed record, expiring at the session's end
//	{h}:w  the sealed last-use time Touch writes (only while :s exists)
//	{h}:l  the refresh lease: SET NX PX with a random owner
//	{r}:i  a ref's index: a sorted set of the h of its sessions, scored by
//	       their ends (ended ones are dropped at the next Save under the
//	       ref), living as long as the longest of them
//	{o}:o  a single-use key (SET NX PX)
//
// A session's keys share a hash tag, so one Lua script reads or changes
// them together, in one Cluster slot: Replace overwrites the record only
// if it exists (a Delete that wins the race is never undone), Touch writes
// the last-use time only if the record exists, Delete reads and deletes
// the record, last use and lease at once. Indexes live in other slots:
// Save files the session under its refs before it writes the record (a
// session is never reachable without its index entries), and Delete
// removes it from them after the record is gone; an index entry left by a
// crash in between names no session: DeleteRef skips it, and the first
// Save under the ref after that session's end drops it. DeleteRef walks an
// index with ZSCAN, a bounded batch at a time.
//
// Reads are bounded before they are made: a script checks a record's type
// and length (64 KiB at most) before it returns it. A record that does not
// open — tampered with, sealed with a key this replica lacks, of another
// session, too long, not a string — reads as no session: an error wrapping
// [web.ErrNoTokens] (the user logs in again) and [ErrUnreadable] (for the
// log). It is left in place to expire, since another replica may hold the
// key it was sealed with. A failing Redis is an error wrapping neither,
// which the web handler answers with 503 rather than logging the user out.
//
// Sessions outlive replicas, not the Redis: run it with persistence (RDB or
// AOF) or replicas if its restart must not log everyone out. Replicas with
// automatic failover keep the sessions but not the refresh lease's promise
// (see "The Redis the lease needs" above): a failover may let a
// session's refresh token be sent twice. Besides
// hashed names and sealed values, Redis sees each session's end (its keys'
// expiry, and its index score), nothing else.
//
// # References
//
//   - Redis SET NX PX and the single-instance lock it makes:
//     https://redis.io/docs/latest/develop/use/patterns/distributed-locks/
//   - Redis SCAN (and ZSCAN) guarantees: https://redis.io/docs/latest/commands/scan/
//   - RFC 2104, HMAC: https://www.rfc-editor.org/rfc/rfc2104
//   - Redis Cluster hash tags: https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags
//   - NIST SP 800-38D, AES-GCM: https://csrc.nist.gov/pubs/sp/800/38/d/final
//   - RFC 9700 §4.14, refresh token rotation: https://www.rfc-editor.org/rfc/rfc9700
package redisstore
