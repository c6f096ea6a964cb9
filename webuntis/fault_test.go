package webuntis_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// faultNow is the frozen clock of the fault suite: expiries are exact.
var faultNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// faultWant is what a request must make of a fault.
type faultWant struct {
	served bool          // the fake's own token, after the retries the fault allows
	life   time.Duration // > 0: the fault's token, with Expiry = faultNow + life
	noExp  bool          // the fault's token, without expiry
	status int           // an *oauthkit.Error with this StatusCode
	is     error         // errors.Is(err, is)
	net    bool          // a transport error: no *oauthkit.Error
}

// faultCase is one way the token endpoint fails. Reusable requests (client
// credentials) may be resent; single-use ones (code exchange, refresh) never
// are once written, so they always reach the server once.
type faultCase struct {
	name     string
	faults   []oauthkittest.Fault
	timeout  time.Duration // Config.Timeout, per attempt; zero: the default
	deadline time.Duration // the caller's ctx; zero: 10 s
	want     faultWant     // reusable request
	attempts int           // reusable request
	single   *faultWant    // single-use request; nil: want
	minWait  time.Duration // the reusable request took at least this long (Retry-After)
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

func faultCases() []faultCase {
	once := func(f oauthkittest.Fault) []oauthkittest.Fault { f.Times = 1; return []oauthkittest.Fault{f} }
	always := func(f oauthkittest.Fault) []oauthkittest.Fault { return []oauthkittest.Fault{f} }
	fail := func(status int, is error) *faultWant { return &faultWant{status: status, is: is} }
	ok := func(life time.Duration) faultWant { return faultWant{life: life} }
	malformed := faultWant{status: 200, is: oauthkit.ErrMalformedResponse}
	html := "<html><head><title>500</title></head><body><h1>Internal Server Error</h1></body></html>"
	retryAfter := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	return []faultCase{
		{name: "500", faults: always(oauthkittest.Fault{Status: 500, Body: `{"error":"server_error"}`}),
			want: faultWant{status: 500, is: oauthkit.ErrServerError}, attempts: 1},
		{name: "502 once", faults: once(oauthkittest.Fault{Status: 502, Body: "Bad Gateway"}),
			want: faultWant{served: true}, attempts: 2, single: fail(502, nil)},
		{name: "503 once", faults: once(oauthkittest.Fault{Status: 503, Body: `{"error":"temporarily_unavailable"}`}),
			want: faultWant{served: true}, attempts: 2, single: fail(503, oauthkit.ErrTemporarilyUnavailable)},
		{name: "504 once", faults: once(oauthkittest.Fault{Status: 504}),
			want: faultWant{served: true}, attempts: 2, single: fail(504, nil)},
		{name: "502 HTML page always", faults: always(oauthkittest.Fault{Status: 502, Body: html}),
			want: faultWant{status: 502}, attempts: 3},
		{name: "429 without Retry-After", faults: once(oauthkittest.Fault{Status: 429}),
			want: faultWant{served: true}, attempts: 2, single: fail(429, nil)},
		{name: "429 Retry-After 1 s", faults: once(oauthkittest.Fault{Status: 429, Header: retryAfter("1")}),
			want: faultWant{served: true}, attempts: 2, single: fail(429, nil), minWait: 900 * time.Millisecond},
		{name: "429 Retry-After HTTP date", faults: once(oauthkittest.Fault{Status: 429, Header: retryAfter(time.Now().Add(time.Second).UTC().Format(http.TimeFormat))}),
			want: faultWant{served: true}, attempts: 2, single: fail(429, nil)},
		{name: "429 Retry-After 1 h", faults: always(oauthkittest.Fault{Status: 429, Header: retryAfter("3600")}),
			want: faultWant{status: 429}, attempts: 1},
		{name: "429 Retry-After past the deadline", faults: always(oauthkittest.Fault{Status: 429, Header: retryAfter("20")}),
			deadline: 2 * time.Second, want: faultWant{status: 429}, attempts: 1},
		{name: "reset before the body is read", faults: once(oauthkittest.Fault{Hangup: oauthkittest.HangupBeforeBody}),
			want: faultWant{served: true}, attempts: 2, single: &faultWant{net: true}},
		{name: "reset after the body is read", faults: once(oauthkittest.Fault{Hangup: oauthkittest.HangupAfterBody}),
			want: faultWant{served: true}, attempts: 2, single: &faultWant{net: true}},
		{name: "reset always", faults: always(oauthkittest.Fault{Hangup: oauthkittest.HangupAfterBody}),
			want: faultWant{net: true}, attempts: 3},
		{name: "never answers, ctx deadline", faults: always(oauthkittest.Fault{Delay: time.Minute}),
			deadline: 200 * time.Millisecond, want: faultWant{net: true, is: context.DeadlineExceeded}, attempts: 1},
		{name: "never answers, per-attempt timeout", faults: always(oauthkittest.Fault{Delay: time.Minute}),
			timeout: 150 * time.Millisecond, want: faultWant{net: true, is: context.DeadlineExceeded}, attempts: 3},
		{name: "body stalls mid-way", faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("3600"), Stall: true}),
			timeout: 150 * time.Millisecond, want: faultWant{status: 200, is: context.DeadlineExceeded}, attempts: 1},
		{name: "HTML 500 page", faults: always(oauthkittest.Fault{Status: 500, Body: html}),
			want: faultWant{status: 500}, attempts: 1},
		{name: "empty 200", faults: always(oauthkittest.Fault{Status: 200}), want: malformed, attempts: 1},
		{name: "error in a 200", faults: always(oauthkittest.Fault{Status: 200, Body: `{"error":"invalid_grant","error_description":"nope"}`}),
			want: faultWant{status: 200, is: oauthkit.ErrInvalidGrant}, attempts: 1},
		{name: "truncated JSON", faults: always(oauthkittest.Fault{Status: 200, ContentType: "application/json", Body: `{"access_token":"fault-token","token_ty`}),
			want: malformed, attempts: 1},
		{name: "5 MiB body", faults: always(oauthkittest.Fault{Status: 200, ContentType: "application/json", Body: faultHugeBody}),
			want: faultWant{status: 200, is: oauthkit.ErrResponseTooLarge}, attempts: 1},
		{name: "token_type DPoP", faults: always(oauthkittest.Fault{Status: 200, Body: `{"access_token":"fault-token","token_type":"DPoP","expires_in":60}`}),
			want: malformed, attempts: 1},
		{name: "expires_in negative", faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("-60")}), want: malformed, attempts: 1},
		{name: "expires_in zero", faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("0")}), want: malformed, attempts: 1},
		{name: "expires_in half a second", faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("0.5")}), want: malformed, attempts: 1},
		{name: "expires_in over ten years", faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("1e12")}), want: malformed, attempts: 1},
		{name: "expires_in ten years", faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("315360000")}), want: ok(315360000 * time.Second), attempts: 1},
		{name: "expires_in not a number", faults: always(oauthkittest.Fault{Status: 200, Body: faultBody(`"soon"`)}), want: malformed, attempts: 1},
		{name: "expires_in numeric string", faults: always(oauthkittest.Fault{Status: 200, Body: faultBody(`"3600"`)}), want: ok(time.Hour), attempts: 1},
		{name: "expires_in float", faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("59.9")}), want: ok(59 * time.Second), attempts: 1},
		{name: "expires_in absent", faults: always(oauthkittest.Fault{Status: 200, Body: faultBody("")}), want: faultWant{noExp: true}, attempts: 1},
	}
}

// checkFault asserts that tok and err are what want says.
func checkFault(t *testing.T, want faultWant, tok *oauth2.Token, err error) {
	t.Helper()
	switch {
	case want.served:
		require.NoError(t, err)
		assert.NotEmpty(t, tok.AccessToken)
		assert.NotEqual(t, "fault-token", tok.AccessToken, "the fault's token, not the fake's")
	case want.life > 0 || want.noExp:
		require.NoError(t, err)
		assert.Equal(t, "fault-token", tok.AccessToken)
		if want.noExp {
			assert.True(t, tok.Expiry.IsZero(), "no expires_in: no known expiry, got %v", tok.Expiry)
		} else {
			assert.Equal(t, faultNow.Add(want.life), tok.Expiry)
		}
	default:
		require.Error(t, err)
		assert.Nil(t, tok)
		var e *oauthkit.Error
		isOAuth := errors.As(err, &e)
		if want.net {
			assert.False(t, isOAuth, "a transport failure is not an *oauthkit.Error: %v", err)
		} else if assert.True(t, isOAuth, "want an *oauthkit.Error, got %T: %v", err, err) {
			assert.Equal(t, want.status, e.StatusCode)
			assert.Equal(t, "webuntis", e.Provider)
		}
		if want.is != nil {
			assert.ErrorIs(t, err, want.is)
		}
	}
}

// faultRequest is one kind of token request the suite sends.
type faultRequest struct {
	name      string
	singleUse bool
	// prepare readies a request on a fresh fake (a login's code, say) and
	// returns the call; it runs before any fault is injected.
	prepare func(t *testing.T, srv *webuntistest.Server, p *webuntis.Provider) func(context.Context) (*oauth2.Token, error)
}

var faultRequests = []faultRequest{
	{name: "client credentials", prepare: func(t *testing.T, srv *webuntistest.Server, p *webuntis.Provider) func(context.Context) (*oauth2.Token, error) {
		return p.ClientCredentials
	}},
	{name: "exchange", singleUse: true, prepare: func(t *testing.T, srv *webuntistest.Server, p *webuntis.Provider) func(context.Context) (*oauth2.Token, error) {
		ctx := context.Background()
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		cb, err := srv.Authorize(ctx, ar.URL)
		require.NoError(t, err)
		code := cb.Query().Get("code")
		require.NotEmpty(t, code)
		return func(ctx context.Context) (*oauth2.Token, error) { return p.Exchange(ctx, code, ar) }
	}},
	{name: "refresh", singleUse: true, prepare: func(t *testing.T, srv *webuntistest.Server, p *webuntis.Provider) func(context.Context) (*oauth2.Token, error) {
		// The fake's tenant offers no refresh grant; a discovery document
		// that lists one lets Refresh reach the fake's token endpoint.
		iss := srv.Issuer()
		srv.InjectFault(webuntistest.EndpointDiscovery, oauthkittest.Fault{Status: 200, Times: 1, Body: `{"issuer":"` + iss +
			`","authorization_endpoint":"` + iss + `/authorize","token_endpoint":"` + iss + `/token","jwks_uri":"` + iss +
			`/jwks","response_types_supported":["code"],"subject_types_supported":["public"],` +
			`"id_token_signing_alg_values_supported":["RS256"],"grant_types_supported":["authorization_code","refresh_token","client_credentials"]}`})
		_, err := p.Discover(context.Background())
		require.NoError(t, err)
		return func(ctx context.Context) (*oauth2.Token, error) { return p.Refresh(ctx, "refresh-token-1") }
	}},
}

// TestFaults sends each kind of token request into each fault and checks
// the error, the retries and that a single-use request reached the server
// at most once.
func TestFaults(t *testing.T) {
	t.Parallel()
	for _, req := range faultRequests {
		t.Run(req.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range faultCases() {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					now := func() time.Time { return faultNow }
					srv := webuntistest.NewServer(webuntistest.Options{Now: now})
					defer srv.Close()
					cfg := srv.Config()
					cfg.Timeout = tc.timeout
					p, err := webuntis.New(cfg)
					require.NoError(t, err)
					call := req.prepare(t, srv, p)

					before := srv.Requests(webuntistest.EndpointToken)
					for _, f := range tc.faults {
						srv.InjectFault(webuntistest.EndpointToken, f)
					}
					deadline := tc.deadline
					if deadline == 0 {
						deadline = 10 * time.Second
					}
					ctx, cancel := context.WithTimeout(context.Background(), deadline)
					defer cancel()
					start := time.Now()
					tok, err := call(ctx)
					elapsed := time.Since(start)
					attempts := srv.Requests(webuntistest.EndpointToken) - before

					want, wantAttempts := tc.want, tc.attempts
					if req.singleUse {
						wantAttempts = 1 // never sent twice once written
						if tc.single != nil {
							want = *tc.single
						}
					} else if tc.minWait > 0 {
						assert.GreaterOrEqual(t, elapsed, tc.minWait, "the retry waited for Retry-After")
					}
					checkFault(t, want, tok, err)
					assert.Equal(t, wantAttempts, attempts, "requests the token endpoint saw")
				})
			}
		})
	}
}

// TestFaultsKeepServingCachedToken: while the token endpoint fails in every
// way the suite knows, a cached client-credentials token that is stale (in
// the refresh-ahead window) but still valid keeps being served by Token and
// TokenSource, and the background refresh did reach the failing endpoint.
func TestFaultsKeepServingCachedToken(t *testing.T) {
	t.Parallel()
	for _, tc := range faultCases() {
		if tc.want.served || tc.want.life > 0 || tc.want.noExp {
			continue // upstream recovers, or answers a usable token
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := tokencachetest.NewClock(faultNow)
			events := make(chan tokencache.RefreshEvent, 16)
			srv := webuntistest.NewServer(webuntistest.Options{Now: clock.Now})
			defer srv.Close()
			cache := tokencache.New(tokencache.Config{
				Clock:        clock,
				FetchTimeout: 5 * time.Second,
				OnRefresh:    func(ev tokencache.RefreshEvent) { events <- ev },
			})
			defer cache.Close()
			cfg := srv.Config()
			cfg.Cache, cfg.Now, cfg.Timeout = cache, clock.Now, 150*time.Millisecond
			p, err := webuntis.New(cfg)
			require.NoError(t, err)
			ctx := context.Background()

			first, err := p.Token(ctx)
			require.NoError(t, err)
			<-events
			// 180 s tokens: stale from 27–31 s before expiry (refresh-ahead
			// plus the 10 s margin), expired 10 s before it.
			clock.Advance(160 * time.Second)
			for _, f := range tc.faults {
				f.Times = 0 // the upstream keeps failing
				srv.InjectFault(webuntistest.EndpointToken, f)
			}
			before := srv.Requests(webuntistest.EndpointToken)

			tok, err := p.Token(ctx) // stale: served, and starts the refresh
			require.NoError(t, err)
			assert.Equal(t, first.AccessToken, tok.AccessToken)
			select {
			case ev := <-events:
				assert.True(t, ev.Ahead, "a refresh ahead of expiry")
				assert.Error(t, ev.Err, "the refresh failed")
			case <-time.After(5 * time.Second):
				t.Fatal("no refresh attempt")
			}
			assert.Greater(t, srv.Requests(webuntistest.EndpointToken), before, "the refresh reached the endpoint")

			tok, err = p.Token(ctx)
			require.NoError(t, err)
			assert.Equal(t, first.AccessToken, tok.AccessToken, "Token serves the valid token")
			tok, err = p.TokenSource().Token()
			require.NoError(t, err)
			assert.Equal(t, first.AccessToken, tok.AccessToken, "TokenSource serves the valid token")
			assert.True(t, tok.Expiry.After(clock.Now()))
		})
	}
}

// TestIDTokenClockSkew: ID tokens from a server whose clock is ahead or
// behind. An iat up to discovery.MaxClockSkew (5 min) ahead passes, a second
// more fails; go-oidc allows no skew on exp, so the fake's 300 s ID token
// from a clock 5 min behind expires exactly now (and passes), a second more
// and it has expired.
func TestIDTokenClockSkew(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		skew time.Duration
		ok   bool
	}{
		{4 * time.Minute, true},
		{5 * time.Minute, true},
		{5*time.Minute + time.Second, false},
		{6 * time.Minute, false},
		{-4 * time.Minute, true},
		{-5 * time.Minute, true},
		{-5*time.Minute - time.Second, false},
		{-6 * time.Minute, false},
	} {
		t.Run(tc.skew.String(), func(t *testing.T) {
			t.Parallel()
			srv := webuntistest.NewServer(webuntistest.Options{Now: func() time.Time { return faultNow.Add(tc.skew) }})
			defer srv.Close()
			cfg := srv.Config()
			cfg.Now = func() time.Time { return faultNow }
			p, err := webuntis.New(cfg)
			require.NoError(t, err)
			ctx := context.Background()
			ar, err := p.AuthCodeURL(ctx)
			require.NoError(t, err)
			cb, err := srv.Authorize(ctx, ar.URL)
			require.NoError(t, err)

			login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
			if tc.ok {
				require.NoError(t, err)
				assert.True(t, faultNow.Add(tc.skew).Equal(login.IDToken.IssuedAt), "iat %v", login.IDToken.IssuedAt)
				return
			}
			require.ErrorIs(t, err, oauthkit.ErrIDTokenExpired)
			assert.Equal(t, 1, srv.Requests(webuntistest.EndpointToken), "the code was exchanged once")
		})
	}
}
