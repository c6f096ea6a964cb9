package openid_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// waits records PollDevice's waits and moves the fake clock instead of
// sleeping; before runs before each wait returns (the user acting).
type waits struct {
	mu     sync.Mutex
	clock  *clock
	got    []time.Duration
	skew   time.Duration // subtracted from the first wait: a client polling too soon
	before func(n int)
}

func (w *waits) wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.mu.Lock()
	w.got = append(w.got, d)
	n := len(w.got)
	adv := d
	if n == 1 {
		adv -= w.skew
	}
	w.mu.Unlock()
	w.clock.Advance(adv)
	if w.before != nil {
		w.before(n)
	}
	return nil
}

func (w *waits) list() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.got...)
}

// deviceEnv is an env whose provider waits on w.
func deviceEnv(t *testing.T, opts openidtest.Options) (*env, *waits) {
	e := newEnv(t, opts, nil)
	w := &waits{clock: e.clock}
	openid.SetDeviceWait(e.p, w.wait)
	return e, w
}

func TestDeviceAuthorizationStart(t *testing.T) {
	e, _ := deviceEnv(t, openidtest.Options{DeviceInterval: 7 * time.Second, DeviceCodeLifetime: 3 * time.Minute})
	da, err := e.p.DeviceAuthorization(context.Background(), oauthkit.WithScopes("email"))
	require.NoError(t, err)
	assert.Regexp(t, `^[A-Z]{4}-[A-Z]{4}$`, da.UserCode)
	assert.Equal(t, e.fake.Issuer()+"/device", da.VerificationURI)
	assert.Contains(t, da.VerificationURIComplete, da.UserCode)
	assert.Equal(t, e.clock.Now().Add(3*time.Minute), da.ExpiresAt)
	assert.Equal(t, 7*time.Second, da.Interval)
	assert.False(t, da.DeviceCode.IsZero())
	// The device code never prints.
	code := da.DeviceCode.Reveal()
	for _, s := range []string{fmt.Sprint(da), fmt.Sprintf("%+v", da), fmt.Sprintf("%#v", *da)} {
		assert.NotContains(t, s, code)
	}
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("x", "da", da)
	assert.NotContains(t, b.String(), code)
}

// TestDevicePollApproved: pending polls, then the user approves; each poll
// waited the interval, and the login is the signed-in user's with a
// verified ID token.
func TestDevicePollApproved(t *testing.T) {
	e, w := deviceEnv(t, openidtest.Options{})
	da, err := e.p.DeviceAuthorization(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{da.UserCode}, e.fake.DeviceUserCodes())
	w.before = func(n int) {
		if n == 3 {
			require.NoError(t, e.fake.ApproveDevice(da.UserCode))
		}
	}
	tok, err := e.p.PollDevice(context.Background(), da)
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
	assert.NotEmpty(t, tok.RefreshToken)
	raw, _ := tok.Extra("id_token").(string)
	require.NotEmpty(t, raw)
	ui, err := e.p.FetchUserInfo(context.Background(), tok)
	require.NoError(t, err)
	assert.Equal(t, "user-1", ui.Subject)
	assert.Equal(t, []time.Duration{5 * time.Second, 5 * time.Second, 5 * time.Second}, w.list())
	assert.Equal(t, 3, e.fake.Requests(openidtest.EndpointToken), "two pending polls, then the tokens")
}

// TestDevicePollSlowDown: a client that polled too soon gets slow_down and
// waits five seconds more from then on (RFC 8628 §3.5), cumulatively.
func TestDevicePollSlowDown(t *testing.T) {
	e, w := deviceEnv(t, openidtest.Options{})
	w.skew = 2 * time.Second // the first poll comes 3 s after the start
	da, err := e.p.DeviceAuthorization(context.Background())
	require.NoError(t, err)
	w.before = func(n int) {
		if n == 3 {
			require.NoError(t, e.fake.ApproveDevice(da.UserCode))
		}
	}
	_, err = e.p.PollDevice(context.Background(), da)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{5 * time.Second, 10 * time.Second, 10 * time.Second}, w.list())
}

func TestDevicePollEnds(t *testing.T) {
	t.Run("denied", func(t *testing.T) {
		e, w := deviceEnv(t, openidtest.Options{})
		da, err := e.p.DeviceAuthorization(context.Background())
		require.NoError(t, err)
		w.before = func(n int) { _ = e.fake.DenyDevice(da.UserCode) }
		_, err = e.p.PollDevice(context.Background(), da)
		assert.ErrorIs(t, err, oauthkit.ErrAccessDenied)
		var oe *oauthkit.Error
		require.ErrorAs(t, err, &oe)
		assert.Equal(t, openid.OpDeviceToken, oe.Op)
		assert.NotContains(t, err.Error(), da.DeviceCode.Reveal())
	})
	t.Run("expired at the server", func(t *testing.T) {
		e, w := deviceEnv(t, openidtest.Options{DeviceCodeLifetime: 12 * time.Second})
		da, err := e.p.DeviceAuthorization(context.Background())
		require.NoError(t, err)
		da.ExpiresAt = time.Time{} // the client does not know: the server says so
		_, err = e.p.PollDevice(context.Background(), da)
		assert.ErrorIs(t, err, openid.ErrExpiredToken)
		var oe *oauthkit.Error
		require.ErrorAs(t, err, &oe)
		assert.Equal(t, 400, oe.StatusCode)
		assert.Len(t, w.list(), 3)
	})
	t.Run("expired by the client's clock", func(t *testing.T) {
		e, w := deviceEnv(t, openidtest.Options{DeviceCodeLifetime: 12 * time.Second})
		da, err := e.p.DeviceAuthorization(context.Background())
		require.NoError(t, err)
		_, err = e.p.PollDevice(context.Background(), da)
		assert.ErrorIs(t, err, openid.ErrExpiredToken)
		assert.Len(t, w.list(), 3)
		assert.Equal(t, 2, e.fake.Requests(openidtest.EndpointToken), "no poll past the expiry")
	})
	t.Run("context", func(t *testing.T) {
		e, w := deviceEnv(t, openidtest.Options{})
		da, err := e.p.DeviceAuthorization(context.Background())
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		w.before = func(n int) {
			if n == 2 {
				cancel()
			}
		}
		_, err = e.p.PollDevice(ctx, da)
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("real wait honours the context", func(t *testing.T) {
		e := newEnv(t, openidtest.Options{}, nil)
		da, err := e.p.DeviceAuthorization(context.Background())
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = e.p.PollDevice(ctx, da)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Zero(t, e.fake.Requests(openidtest.EndpointToken))
	})
	t.Run("bad ID token", func(t *testing.T) {
		e, _ := deviceEnv(t, openidtest.Options{})
		e.fake.MutateIDTokens(func(c map[string]any) { c["aud"] = "someone-else" })
		da, err := e.p.DeviceAuthorization(context.Background())
		require.NoError(t, err)
		require.NoError(t, e.fake.ApproveDevice(da.UserCode))
		tok, err := e.p.PollDevice(context.Background(), da)
		assert.ErrorIs(t, err, oauthkit.ErrInvalidIDToken)
		assert.Nil(t, tok)
	})
	t.Run("code used once", func(t *testing.T) {
		e, w := deviceEnv(t, openidtest.Options{})
		da, err := e.p.DeviceAuthorization(context.Background())
		require.NoError(t, err)
		require.NoError(t, e.fake.ApproveDevice(da.UserCode))
		_, err = e.p.PollDevice(context.Background(), da)
		require.NoError(t, err)
		_, err = e.p.PollDevice(context.Background(), da)
		assert.ErrorIs(t, err, oauthkit.ErrInvalidGrant)
		_ = w
	})
}

// TestDeviceLogin: the Login of an approved device: the verified ID
// token, the profile.
func TestDeviceLogin(t *testing.T) {
	e, w := deviceEnv(t, openidtest.Options{})
	da, err := e.p.DeviceAuthorization(context.Background())
	require.NoError(t, err)
	w.before = func(int) { _ = e.fake.ApproveDevice(da.UserCode) }
	login, err := e.p.DeviceLogin(context.Background(), da)
	require.NoError(t, err)
	require.NotNil(t, login.IDToken)
	assert.Equal(t, "user-1", login.IDToken.Subject)
	assert.Equal(t, "user-1", login.UserInfo.Subject)
	assert.Equal(t, "ada@example.com", login.UserInfo.Email)

	e.fake.MutateIDTokens(func(c map[string]any) { c["iss"] = "https://evil.example" })
	da, err = e.p.DeviceAuthorization(context.Background())
	require.NoError(t, err)
	w.before = func(int) { _ = e.fake.ApproveDevice(da.UserCode) }
	_, err = e.p.DeviceLogin(context.Background(), da)
	assert.ErrorIs(t, err, oauthkit.ErrInvalidIDToken)
}

func TestDeviceAuthorizationErrors(t *testing.T) {
	t.Run("no endpoint", func(t *testing.T) {
		fake := openidtest.NewServer(openidtest.Options{})
		t.Cleanup(fake.Close)
		cfg := fake.Config("client")
		cfg.Endpoints = &oauthkit.Endpoints{Issuer: fake.Issuer(), TokenURL: fake.TokenURL()}
		p, err := openid.New(cfg)
		require.NoError(t, err)
		_, err = p.DeviceAuthorization(context.Background())
		assert.ErrorIs(t, err, errors.ErrUnsupported)
	})
	t.Run("wrong secret", func(t *testing.T) {
		e := newEnv(t, openidtest.Options{}, func(c *openid.Config) { c.ClientSecret = "wrong-secret-value" })
		_, err := e.p.DeviceAuthorization(context.Background())
		var oe *oauthkit.Error
		require.ErrorAs(t, err, &oe)
		assert.Equal(t, openid.OpDeviceAuthorization, oe.Op)
		assert.ErrorIs(t, err, oauthkit.ErrInvalidClient)
		assert.NotContains(t, err.Error(), "wrong-secret-value")
	})
	t.Run("public client", func(t *testing.T) {
		e, _ := deviceEnv(t, openidtest.Options{Apps: []openidtest.App{{ID: "tv", AuthMethod: openid.AuthNone}}})
		da, err := e.p.DeviceAuthorization(context.Background())
		require.NoError(t, err)
		require.NoError(t, e.fake.ApproveDevice(da.UserCode))
		_, err = e.p.PollDevice(context.Background(), da)
		require.NoError(t, err)
	})
	t.Run("unknown user code", func(t *testing.T) {
		e, _ := deviceEnv(t, openidtest.Options{})
		assert.ErrorIs(t, e.fake.ApproveDevice("NOPE-NOPE"), openidtest.ErrUnknownUserCode)
	})
}

// secs is a list of waits in seconds.
func secs(s ...int) []time.Duration {
	d := make([]time.Duration, len(s))
	for i, n := range s {
		d[i] = time.Duration(n) * time.Second
	}
	return d
}

// TestDevicePollFailures: a poll that gets no answer, or a 429 or 5xx
// answer, is not sent again by the HTTP client's retries — that would be a
// poll sooner than the interval, which RFC 8628 §3.5 forbids and a server
// answers with slow_down — and does not end the login: the interval
// doubles, the next poll waits at least the answer's Retry-After, and
// polling goes on until the user approves. Each poll follows a wait of its
// own.
func TestDevicePollFailures(t *testing.T) {
	retryAfter := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	for _, tc := range []struct {
		name    string
		fault   oauthkittest.Fault
		timeout time.Duration   // Config.Timeout; zero: the default
		waits   []time.Duration // the user approves during the last one
	}{
		{name: "503", fault: oauthkittest.Fault{Status: 503, Times: 1}, waits: secs(5, 10, 10)},
		{name: "500 server_error", fault: oauthkittest.Fault{Status: 500, Body: `{"error":"server_error"}`, Times: 1}, waits: secs(5, 10, 10)},
		{name: "429 Retry-After longer than the interval", fault: oauthkittest.Fault{Status: 429, Header: retryAfter("30"), Times: 1}, waits: secs(5, 30, 10)},
		{name: "502 Retry-After shorter than the interval", fault: oauthkittest.Fault{Status: 502, Header: retryAfter("1"), Times: 1}, waits: secs(5, 10, 10)},
		{name: "503 past the HTTP client's three attempts", fault: oauthkittest.Fault{Status: 503, Times: 3}, waits: secs(5, 10, 20, 40)},
		{name: "connection reset", fault: oauthkittest.Fault{Hangup: oauthkittest.HangupAfterBody, Times: 1}, waits: secs(5, 10, 10)},
		{name: "attempt timeout", fault: oauthkittest.Fault{Delay: time.Minute, Times: 1}, timeout: 200 * time.Millisecond, waits: secs(5, 10, 10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, openidtest.Options{}, func(c *openid.Config) { c.Timeout = tc.timeout })
			w := &waits{clock: e.clock}
			openid.SetDeviceWait(e.p, w.wait)
			da, err := e.p.DeviceAuthorization(context.Background())
			require.NoError(t, err)
			e.fake.InjectFault(openidtest.EndpointToken, tc.fault)
			w.before = func(n int) {
				if n == len(tc.waits) {
					require.NoError(t, e.fake.ApproveDevice(da.UserCode))
				}
			}
			tok, err := e.p.PollDevice(context.Background(), da)
			require.NoError(t, err)
			assert.NotEmpty(t, tok.AccessToken)
			assert.Equal(t, tc.waits, w.list())
			assert.Equal(t, len(tc.waits), e.fake.Requests(openidtest.EndpointToken), "one poll after each wait, none sent again at once")
		})
	}
}

// TestDevicePollRetryAfterPastExpiry: a Retry-After longer than the device
// code has left is waited only until the code expires (by the client's
// clock), and polling then ends with expired_token, not with the 503.
func TestDevicePollRetryAfterPastExpiry(t *testing.T) {
	e, w := deviceEnv(t, openidtest.Options{DeviceCodeLifetime: time.Minute})
	da, err := e.p.DeviceAuthorization(context.Background())
	require.NoError(t, err)
	e.fake.InjectFault(openidtest.EndpointToken, oauthkittest.Fault{Status: 503, Header: http.Header{"Retry-After": {"3600"}}})
	_, err = e.p.PollDevice(context.Background(), da)
	assert.ErrorIs(t, err, openid.ErrExpiredToken)
	assert.Equal(t, secs(5, 55), w.list())
	assert.Equal(t, 1, e.fake.Requests(openidtest.EndpointToken))
}

// TestDeviceAuthorizationVerificationURI: the user is sent to the
// verification URIs, so an answer naming one that is not an absolute
// https URL (http on loopback only) is refused with
// ErrInsecureVerificationURI.
func TestDeviceAuthorizationVerificationURI(t *testing.T) {
	const deviceCode = "DEVICE-CODE-SECRET-123456"
	for _, tc := range []struct {
		name, uri, complete string
		ok                  bool
	}{
		{name: "https", uri: "https://idp.example/device", complete: "https://idp.example/device?user_code=ABCD-EFGH", ok: true},
		{name: "http on loopback", uri: "http://127.0.0.1:8080/device", ok: true},
		{name: "http", uri: "http://idp.example/device"},
		{name: "relative", uri: "/device"},
		{name: "javascript", uri: "javascript:alert(1)"},
		{name: "no host", uri: "https:///device"},
		{name: "complete over http", uri: "https://idp.example/device", complete: "http://idp.example/device?user_code=ABCD-EFGH"},
		{name: "complete not a URL", uri: "https://idp.example/device", complete: "https://idp.example/%zz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{
					"device_code": deviceCode, "user_code": "ABCD-EFGH", "expires_in": 600,
					"verification_uri": tc.uri, "verification_uri_complete": tc.complete,
				})
			}))
			t.Cleanup(srv.Close)
			p, err := openid.New(openid.Config{
				Endpoints: &oauthkit.Endpoints{TokenURL: srv.URL + "/token", DeviceAuthorizationURL: srv.URL + "/device"},
				ClientID:  "c", ClientSecret: "s",
			})
			require.NoError(t, err)
			da, err := p.DeviceAuthorization(context.Background())
			if tc.ok {
				require.NoError(t, err)
				assert.Equal(t, tc.uri, da.VerificationURI)
				assert.Equal(t, tc.complete, da.VerificationURIComplete)
				return
			}
			assert.Nil(t, da)
			assert.ErrorIs(t, err, openid.ErrInsecureVerificationURI)
			assert.ErrorIs(t, err, oauthkit.ErrMalformedResponse)
			var oe *oauthkit.Error
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, openid.OpDeviceAuthorization, oe.Op)
			assert.NotContains(t, err.Error(), deviceCode)
		})
	}
}
