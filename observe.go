package oauthkit

import (
	"context"
	"time"
)

// Metrics receives the library's events, for counters, histograms and
// traces. Every field is optional: a nil func is not called, and a nil
// *Metrics reports nothing. Vendor packages take one in their Config
// (Config.Metrics), next to a *slog.Logger that gets the same events as
// debug-level log records.
//
// Metrics is a struct of funcs, like [net/http/httptrace.ClientTrace], rather
// than an interface: a user sets only the events they count, and a later
// version adds an event as a new field without breaking any user's code,
// where a new interface method would break every implementation. Each func
// takes a context (the caller's, so a span or an exemplar finds its parent)
// and an info struct that can grow fields the same way.
//
// The funcs are called synchronously on the request's goroutine, possibly
// from many goroutines at once: they must be safe for concurrent use, and
// quick. No info holds a secret, token, code or password.
//
// A Provider keeps a copy of the Metrics it was made with: changing the
// struct afterwards has no effect on it.
type Metrics struct {
	// TokenRequest is called once per token request (code exchange, client
	// credentials, password, refresh), after the last attempt.
	TokenRequest func(ctx context.Context, info TokenRequestInfo)

	// Retry is called when a request failed transiently and is about to be
	// sent again, before the wait.
	Retry func(ctx context.Context, info RetryInfo)

	// Webhook is called once per request to a webhook handler, after it
	// answered.
	Webhook func(ctx context.Context, info WebhookInfo)

	// The cache events are package tokencache's to report, for every key
	// (Key in [CacheInfo] names it), from a Metrics given to its Cache: a
	// hit, a stale serve or a miss from the read path, a fill from the
	// fetch.

	// CacheHit is called when a fresh token is served from the cache.
	CacheHit func(ctx context.Context, info CacheInfo)
	// CacheStale is called when a token past its refresh point but not yet
	// expired is served while one refresh runs (or after a refresh failed).
	CacheStale func(ctx context.Context, info CacheInfo)
	// CacheMiss is called when no usable token is cached and the caller
	// waits for a fetch.
	CacheMiss func(ctx context.Context, info CacheInfo)
	// CacheFill is called when a fetch that fills the cache ends, whether
	// a caller waited for it or it ran in the background.
	CacheFill func(ctx context.Context, info CacheFillInfo)
}

// Outcome classifies how a request ended, for a metric label. The set is
// closed and small; new values may be added.
type Outcome string

// Outcomes of token requests and cache fills.
const (
	// OutcomeOK: the request succeeded.
	OutcomeOK Outcome = "ok"
	// OutcomeError: the server answered, with an error or with an answer
	// that breaks the protocol (an [*Error] with its status).
	OutcomeError Outcome = "error"
	// OutcomeTransportError: no usable answer arrived: a network failure,
	// a timeout, a body over the limit.
	OutcomeTransportError Outcome = "transport_error"
	// OutcomeCanceled: the caller's context ended first.
	OutcomeCanceled Outcome = "canceled"
)

// Outcomes of webhook requests, besides [OutcomeOK].
const (
	// OutcomeBadSignature: the signature was missing or did not verify.
	OutcomeBadSignature Outcome = "bad_signature"
	// OutcomeBadRequest: the request was refused before it was verified or
	// after (wrong method, body too large or unreadable, body not an event).
	OutcomeBadRequest Outcome = "bad_request"
	// OutcomeStoreFailed: the event verified but the application's store
	// function failed; the sender will send it again.
	OutcomeStoreFailed Outcome = "store_failed"
	// OutcomeRejected: the event verified but its credentials do not work
	// (a replayed older event); nothing was stored.
	OutcomeRejected Outcome = "rejected"
	// OutcomeCheckFailed: the event verified but its credentials could not
	// be checked (the token endpoint did not answer); nothing was stored,
	// and the sender will send it again.
	OutcomeCheckFailed Outcome = "check_failed"
)

// TokenRequestInfo describes one token request.
type TokenRequestInfo struct {
	Provider   string        // "webuntis", "unisignin", "justimmo", "licensespring"
	Op         string        // OpExchange, OpClientCredentials, OpPassword, OpRefresh, OpRevoke
	Outcome    Outcome       // OutcomeOK, OutcomeError, OutcomeTransportError, OutcomeCanceled
	StatusCode int           // HTTP status of the last answer; 0 when none arrived
	ErrorCode  string        // the RFC 6749 (or vendor) error code of a refusal, if any
	Attempts   int           // how many times the request was sent
	Start      time.Time     // when the first attempt started
	Duration   time.Duration // from Start to the end of the last attempt, waits included

	// Err is the error the caller gets (nil on success): an [*Error] or a
	// wrapped transport error, safe to log like every error of this
	// library.
	Err error
}

// RetryInfo describes one retry.
type RetryInfo struct {
	Provider   string        // as in TokenRequestInfo
	Op         string        // the operation, as in [Error.Op]: OpClientCredentials, OpDiscovery, …
	Attempt    int           // the attempt that failed: 1 for the first
	Reason     string        // "network error" or "HTTP 503" (429, 502, 503, 504)
	StatusCode int           // the failed attempt's status; 0 for a network error
	Delay      time.Duration // the wait before the next attempt
}

// WebhookInfo describes one request to a webhook handler.
type WebhookInfo struct {
	Provider   string  // "webuntis"
	EventType  string  // as the verified event names it ("CREATED", …); "" when not verified
	Tenant     string  // the tenant (school) id of a verified event; "" when not verified
	Outcome    Outcome // OutcomeOK, OutcomeBadSignature, OutcomeBadRequest, OutcomeStoreFailed, OutcomeRejected, OutcomeCheckFailed
	StatusCode int     // the status the handler answered
}

// CacheInfo describes a cache lookup. package tokencache reports it from its
// read path, which takes no lock and reads no clock for it.
type CacheInfo struct {
	// Key is the cache key. It names vendor, endpoint, tenant, client and
	// scopes and holds only a hash of the credential, never the credential;
	// there is one per tenant and client, too many for a metric label.
	Key string
}

// CacheFillInfo describes one fetch that fills the cache.
type CacheFillInfo struct {
	Key        string        // as in CacheInfo
	Outcome    Outcome       // OutcomeOK; OutcomeCanceled when the context ended first; else OutcomeError
	Background bool          // a refresh ahead of expiry that no caller waited for
	Duration   time.Duration // how long the fetch took
	Err        error         // the fetch's error; nil on success
}
