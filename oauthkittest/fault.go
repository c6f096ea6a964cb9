package oauthkittest

import (
	"net/http"
	"time"
)

// Fault is a failure a fake answers with instead of its normal response, for
// tests of retries, timeouts and error handling. Give it to a fake's
// InjectFault with the name of the endpoint it affects. The zero Fault does
// nothing.
//
// Faults queued for one endpoint run in order: a Fault with Times affects
// that many requests and then gives way to the next one; a Fault without
// Times affects every later request until the fake's ClearFaults.
type Fault struct {
	// Status is the HTTP status to answer with. Zero, with Delay set: wait
	// for Delay, then let the endpoint answer normally (a slow server).
	Status int
	// Body is the response body, sent as it is: an HTML error page, a JSON
	// error body, truncated JSON, 5 MiB of anything.
	Body string
	// ContentType of the answer. Zero: application/json when Body is valid
	// JSON, else text/html; charset=utf-8.
	ContentType string
	// Header holds extra response headers, such as Retry-After.
	Header http.Header
	// Delay is how long to wait before answering, or until the request's
	// context ends, whichever comes first: a server that answers late or,
	// with a Delay longer than the client's timeout, never.
	Delay time.Duration
	// Times is how many requests the Fault affects. Zero: every request
	// until the fake's ClearFaults.
	Times int

	// Hangup, when set, drops the connection instead of answering; Status,
	// Body and Stall are not used.
	Hangup Hangup
	// Stall, with Status, sends the header and the first half of Body, then
	// stops sending and waits until the request ends (the client gives up):
	// a body that stalls mid-way.
	Stall bool
}

// Hangup is how a [Fault] drops the connection: a peer or proxy that resets
// it while the request is in flight. The zero Hangup answers normally.
type Hangup int

const (
	// HangupBeforeBody resets the connection without reading the request
	// body: the request may not have reached the server, so a client may
	// safely send it again.
	HangupBeforeBody Hangup = iota + 1
	// HangupAfterBody reads the whole request body, then resets the
	// connection: the request reached the server and no answer comes back,
	// so a client cannot know whether it took effect (a refresh token may
	// already be spent).
	HangupAfterBody
)
