package providertest

// The fault suite: each kind of token request a vendor sends, into each way
// a token endpoint fails, checking the error, the retries and that a
// single-use request reached the server at most once. The table and the
// driver are written once; a vendor's fault_test.go says only how to start
// its fake and Provider and which requests to run.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
)

// FaultNow is the frozen clock of the fault suite: expiries are exact.
var FaultNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// FaultWant is what a request must make of a fault.
type FaultWant struct {
	Served   bool          // the fake's own token, after the retries the fault allows
	Life     time.Duration // > 0: the fault's token, with Expiry = FaultNow + Life
	NoExpiry bool          // the fault's token, without expiry
	Status   int           // an *oauthkit.Error with this StatusCode
	Is       error         // errors.Is(err, Is)
	Net      bool          // a transport error: no *oauthkit.Error
}

// Usable reports whether the fault leaves a usable answer: the upstream
// recovers, or answers a token.
func (w FaultWant) Usable() bool { return w.Served || w.Life > 0 || w.NoExpiry }

// FaultCase is one way the token endpoint fails. Reusable requests (client
// credentials, password) may be resent; single-use ones (code exchange,
// refresh) never are once written, so they always reach the server once.
type FaultCase struct {
	Name     string
	Faults   []oauthkittest.Fault
	Timeout  time.Duration // Config.Timeout, per attempt; zero: the default
	Deadline time.Duration // the caller's ctx; zero: 10 s
	Want     FaultWant     // reusable request
	Attempts int           // reusable request; < 0: not fixed, not checked
	Single   *FaultWant    // single-use request; nil: Want
	MinWait  time.Duration // the reusable request took at least this long (Retry-After)
}

// faultHugeBody is a 5 MiB token response, five times the size limit.
var faultHugeBody = `{"access_token":"` + strings.Repeat("a", 5<<20) + `"}`

func faultBody(expiresIn string) string {
	b := `{"access_token":"fault-token","token_type":"Bearer"`
	if expiresIn != "" {
		b += `,"expires_in":` + expiresIn
	}
	return b + "}"
}

// FaultCases returns the suite's table, afresh (one case holds an HTTP date
// a second from now).
func FaultCases() []FaultCase {
	once := func(f oauthkittest.Fault) []oauthkittest.Fault {
		f.Times = 1
		return []oauthkittest.Fault{f}
	}
	always := func(f oauthkittest.Fault) []oauthkittest.Fault { return []oauthkittest.Fault{f} }
	fail := func(status int, is error) *FaultWant { return &FaultWant{Status: status, Is: is} }
	ok := func(life time.Duration) FaultWant { return FaultWant{Life: life} }
	malformed := FaultWant{Status: 200, Is: oauthkit.ErrMalformedResponse}
	html := "<html><head><title>500</title></head><body><h1>Internal Server Error</h1></body></html>"
	retryAfter := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	return []FaultCase{
		{Name: "500", Faults: always(oauthkittest.Fault{Status: 500, Body: `{"error":"server_error"}`}),
			Want: FaultWant{Status: 500, Is: oauthkit.ErrServerError}, Attempts: 1},
		{Name: "502 once", Faults: once(oauthkittest.Fault{Status: 502, Body: "Bad Gateway"}),
			Want: FaultWant{Served: true}, Attempts: 2, Single: fail(502, nil)},
		{Name: "503 once", Faults: once(oauthkittest.Fault{Status: 503, Body: `{"error":"temporarily_unavailable"}`}),
			Want: FaultWant{Served: true}, Attempts: 2, Single: fail(503, oauthkit.ErrTemporarilyUnavailable)},
		{Name: "504 once", Faults: once(oauthkittest.Fault{Status: 504}),
			Want: FaultWant{Served: true}, Attempts: 2, Single: fail(504, nil)},
		{Name: "502 HTML page always", Faults: always(oauthkittest.Fault{Status: 502, Body: html}),
			Want: FaultWant{Status: 502}, Attempts: 3},
		{Name: "429 without Retry-After", Faults: once(oauthkittest.Fault{Status: 429}),
			Want: FaultWant{Served: true}, Attempts: 2, Single: fail(429, nil)},
		{Name: "429 Retry-After 1 s", Faults: once(oauthkittest.Fault{Status: 429, Header: retryAfter("1")}),
			Want: FaultWant{Served: true}, Attempts: 2, Single: fail(429, nil), MinWait: 900 * time.Millisecond},
		{Name: "429 Retry-After HTTP date", Faults: once(oauthkittest.Fault{Status: 429, Header: retryAfter(time.Now().Add(time.Second).UTC().Format(http.TimeFormat))}),
			Want: FaultWant{Served: true}, Attempts: 2, Single: fail(429, nil)},
		{Name: "429 Retry-After 1 h", Faults: always(oauthkittest.Fault{Status: 429, Header: retryAfter("3600")}),
			Want: FaultWant{Status: 429}, Attempts: 1},
		{Name: "429 Retry-After past the deadline", Faults: always(oauthkittest.Fault{Status: 429, Header: retryAfter("20")}),
			Deadline: 2 * time.Second, Want: FaultWant{Status: 429}, Attempts: 1},
		{Name: "reset before the body is read", Faults: once(oauthkittest.Fault{Hangup: oauthkittest.HangupBeforeBody}),
			Want: FaultWant{Served: true}, Attempts: 2, Single: &FaultWant{Net: true}},
		{Name: "reset after the body is read", Faults: once(oauthkittest.Fault{Hangup: oauthkittest.HangupAfterBody}),
			Want: FaultWant{Served: true}, Attempts: 2, Single: &FaultWant{Net: true}},
		{Name: "reset always", Faults: always(oauthkittest.Fault{Hangup: oauthkittest.HangupAfterBody}),
			Want: FaultWant{Net: true}, Attempts: 3},
		{Name: "never answers, ctx deadline", Faults: always(oauthkittest.Fault{Delay: time.Minute}),
			Deadline: 200 * time.Millisecond, Want: FaultWant{Net: true, Is: context.DeadlineExceeded}, Attempts: 1},
		{Name: "never answers, per-attempt timeout", Faults: always(oauthkittest.Fault{Delay: time.Minute}),
			Timeout: 150 * time.Millisecond, Want: FaultWant{Net: true, Is: context.DeadlineExceeded}, Attempts: 3},
		// The headers must arrive within the attempt's timeout, also on a
		// loaded machine under -race: only the body stalls.
		{Name: "body stalls mid-way", Faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("3600"), Stall: true}),
			Timeout: time.Second, Want: FaultWant{Status: 200, Is: context.DeadlineExceeded}, Attempts: 1},
		{Name: "HTML 500 page", Faults: always(oauthkittest.Fault{Status: 500, Body: html}),
			Want: FaultWant{Status: 500}, Attempts: 1},
		{Name: "empty 200", Faults: always(oauthkittest.Fault{Status: 200}), Want: malformed, Attempts: 1},
		{Name: "error in a 200", Faults: always(oauthkittest.Fault{Status: 200, Body: `{"error":"invalid_grant","error_description":"nope"}`}),
			Want: FaultWant{Status: 200, Is: oauthkit.ErrInvalidGrant}, Attempts: 1},
		{Name: "truncated JSON", Faults: always(oauthkittest.Fault{Status: 200, ContentType: "application/json", Body: `{"access_token":"fault-token","token_ty`}),
			Want: malformed, Attempts: 1},
		{Name: "5 MiB body", Faults: always(oauthkittest.Fault{Status: 200, ContentType: "application/json", Body: faultHugeBody}),
			Want: FaultWant{Status: 200, Is: oauthkit.ErrResponseTooLarge}, Attempts: 1},
		{Name: "token_type DPoP", Faults: always(oauthkittest.Fault{Status: 200, Body: `{"access_token":"fault-token","token_type":"DPoP","expires_in":60}`}),
			Want: malformed, Attempts: 1},
		{Name: "expires_in negative", Faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("-60")}), Want: malformed, Attempts: 1},
		{Name: "expires_in zero", Faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("0")}), Want: malformed, Attempts: 1},
		{Name: "expires_in half a second", Faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("0.5")}), Want: malformed, Attempts: 1},
		{Name: "expires_in over ten years", Faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("1e12")}), Want: malformed, Attempts: 1},
		{Name: "expires_in ten years", Faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("315360000")}), Want: ok(315360000 * time.Second), Attempts: 1},
		{Name: "expires_in not a number", Faults: always(oauthkittest.Fault{Status: 200, Body: faultBody(`"soon"`)}), Want: malformed, Attempts: 1},
		{Name: "expires_in numeric string", Faults: always(oauthkittest.Fault{Status: 200, Body: faultBody(`"3600"`)}), Want: ok(time.Hour), Attempts: 1},
		{Name: "expires_in float", Faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("59.9")}), Want: ok(59 * time.Second), Attempts: 1},
		{Name: "expires_in absent", Faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("")}), Want: FaultWant{NoExpiry: true}, Attempts: 1},
	}
}

// CheckFault asserts that tok and err are what want says; an
// [*oauthkit.Error] must name provider.
func CheckFault(t *testing.T, provider string, want FaultWant, tok *oauth2.Token, err error) {
	t.Helper()
	switch {
	case want.Served:
		require.NoError(t, err)
		assert.NotEmpty(t, tok.AccessToken)
		assert.NotEqual(t, "fault-token", tok.AccessToken, "the fault's token, not the fake's")
	case want.Life > 0 || want.NoExpiry:
		require.NoError(t, err)
		assert.Equal(t, "fault-token", tok.AccessToken)
		if want.NoExpiry {
			assert.True(t, tok.Expiry.IsZero(), "no expires_in: no known expiry, got %v", tok.Expiry)
		} else {
			assert.Equal(t, FaultNow.Add(want.Life), tok.Expiry)
		}
	default:
		require.Error(t, err)
		assert.Nil(t, tok)
		var e *oauthkit.Error
		isOAuth := errors.As(err, &e)
		if want.Net {
			assert.False(t, isOAuth, "a transport failure is not an *oauthkit.Error: %v", err)
		} else if assert.True(t, isOAuth, "want an *oauthkit.Error, got %T: %v", err, err) {
			assert.Equal(t, want.Status, e.StatusCode)
			assert.Equal(t, provider, e.Provider)
		}
		if want.Is != nil {
			assert.ErrorIs(t, err, want.Is)
		}
	}
}

// FaultServer is what the suite needs of a vendor's fake.
type FaultServer interface {
	InjectFault(endpoint string, f oauthkittest.Fault)
	Requests(endpoint string) int
	Authorize(ctx context.Context, authURL string) (*url.URL, error)
}

// FaultSuite runs every [FaultCase] against every request of one vendor.
// S is the vendor's fake, P its Provider.
type FaultSuite[S FaultServer, P oauthkit.Provider] struct {
	Provider string // the vendor's name, as an *oauthkit.Error names it
	Endpoint string // the fake's token endpoint, where the faults go

	// New starts a fake whose clock is now and a Provider against it with
	// Config.Timeout set to timeout; it closes the fake on t.Cleanup.
	New func(t *testing.T, now func() time.Time, timeout time.Duration) (S, P)

	Requests []FaultRequest[S, P]
}

// FaultRequest is one kind of request the suite sends.
type FaultRequest[S FaultServer, P oauthkit.Provider] struct {
	Name      string
	SingleUse bool
	Endpoint  string // the fake's endpoint the faults go to; zero: the suite's

	// Prepare readies a request on a fresh fake (a login's code, say) and
	// returns the call; it runs before any fault is injected.
	Prepare func(t *testing.T, srv S, p P) func(context.Context) (*oauth2.Token, error)

	// Adapt turns a token-endpoint case into this request's; nil: as is.
	Adapt func(FaultCase) FaultCase
}

// ClientCredentialsRequest is the client-credentials grant: reusable.
func ClientCredentialsRequest[S FaultServer, P oauthkit.Provider]() FaultRequest[S, P] {
	return FaultRequest[S, P]{Name: "client credentials", Prepare: func(_ *testing.T, _ S, p P) func(context.Context) (*oauth2.Token, error) {
		return p.ClientCredentials
	}}
}

// ExchangeRequest is the exchange of a code the fake issued for a login:
// single-use.
func ExchangeRequest[S FaultServer, P oauthkit.Provider]() FaultRequest[S, P] {
	return FaultRequest[S, P]{Name: "exchange", SingleUse: true, Prepare: func(t *testing.T, srv S, p P) func(context.Context) (*oauth2.Token, error) {
		ctx := context.Background()
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		cb, err := srv.Authorize(ctx, ar.URL)
		require.NoError(t, err)
		code := cb.Query().Get("code")
		require.NotEmpty(t, code)
		return func(ctx context.Context) (*oauth2.Token, error) { return p.Exchange(ctx, code, ar) }
	}}
}

// RefreshRequest is a refresh with a refresh token the fake accepts:
// single-use.
func RefreshRequest[S FaultServer, P oauthkit.Provider]() FaultRequest[S, P] {
	return FaultRequest[S, P]{Name: "refresh", SingleUse: true, Prepare: func(_ *testing.T, _ S, p P) func(context.Context) (*oauth2.Token, error) {
		return func(ctx context.Context) (*oauth2.Token, error) { return p.Refresh(ctx, "refresh-token-1") }
	}}
}

// Run sends each request into each fault and checks the error, the retries
// and that a single-use request reached the server at most once.
func (s FaultSuite[S, P]) Run(t *testing.T) {
	for _, req := range s.Requests {
		t.Run(req.Name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range FaultCases() {
				if req.Adapt != nil {
					tc = req.Adapt(tc)
				}
				t.Run(tc.Name, func(t *testing.T) {
					t.Parallel()
					s.runCase(t, req, tc)
				})
			}
		})
	}
}

func (s FaultSuite[S, P]) runCase(t *testing.T, req FaultRequest[S, P], tc FaultCase) {
	endpoint := req.Endpoint
	if endpoint == "" {
		endpoint = s.Endpoint
	}
	srv, p := s.New(t, func() time.Time { return FaultNow }, tc.Timeout)
	call := req.Prepare(t, srv, p)

	before := srv.Requests(endpoint)
	for _, f := range tc.Faults {
		srv.InjectFault(endpoint, f)
	}
	deadline := tc.Deadline
	if deadline == 0 {
		deadline = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	tok, err := call(ctx)
	elapsed := time.Since(start)
	attempts := srv.Requests(endpoint) - before

	want, wantAttempts := tc.Want, tc.Attempts
	if req.SingleUse {
		wantAttempts = 1 // never sent twice once written
		if tc.Single != nil {
			want = *tc.Single
		}
	} else if tc.MinWait > 0 {
		assert.GreaterOrEqual(t, elapsed, tc.MinWait, "the retry waited for Retry-After")
	}
	CheckFault(t, s.Provider, want, tok, err)
	if wantAttempts >= 0 {
		assert.Equal(t, wantAttempts, attempts, "requests the endpoint saw")
	}
}

// ClockSkews are the server clock offsets an ID-token check is tried
// with, and whether the token passes: an iat up to discovery.MaxClockSkew
// (5 min) ahead passes, a second more fails; go-oidc allows no skew on exp,
// so a fake's 300 s ID token from a clock 5 min behind expires exactly now
// (and passes), a second more and it has expired.
var ClockSkews = []struct {
	Skew time.Duration
	OK   bool
}{
	{4 * time.Minute, true},
	{5 * time.Minute, true},
	{5*time.Minute + time.Second, false},
	{6 * time.Minute, false},
	{-4 * time.Minute, true},
	{-5 * time.Minute, true},
	{-5*time.Minute - time.Second, false},
	{-6 * time.Minute, false},
}
