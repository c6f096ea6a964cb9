package standard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// The operations of the Device Authorization Grant (RFC 8628) in an
// [oauthkit.Error]'s Op.
const (
	OpDeviceAuthorization = "device authorization" // §3.1
	OpDeviceToken         = "device token"         // §3.4, the polling
)

// DeviceCodeGrantType is the grant_type of the device access token request
// (RFC 8628 §3.4).
const DeviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code"

// The error codes of the device access token response (RFC 8628 §3.5).
const (
	ErrAuthorizationPending oauthkit.ErrorCode = "authorization_pending"
	ErrSlowDown             oauthkit.ErrorCode = "slow_down"
	ErrExpiredToken         oauthkit.ErrorCode = "expired_token"
)

// ErrInsecureVerificationURI is in the error of a device authorization
// response whose verification_uri or verification_uri_complete is not an
// absolute https URL (http only on a loopback host): the user is sent
// there to sign in and approve, so the client shows no other kind (RFC
// 8628 §5.4: the user must be able to trust the URI shown).
var ErrInsecureVerificationURI = errors.New("the verification URI is not an absolute https URL")

// DefaultDeviceInterval is the polling interval when the server names none
// (RFC 8628 §3.2), and SlowDownStep what each slow_down adds (§3.5).
const (
	DefaultDeviceInterval = 5 * time.Second
	SlowDownStep          = 5 * time.Second
)

// DeviceAuthorization is a device authorization response (RFC 8628 §3.2).
type DeviceAuthorization struct {
	DeviceCode              oauthkit.Secret
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string
	ExpiresAt               time.Time
	Interval                time.Duration
}

// DeviceAuthorization asks the server for a device code and a user code
// (RFC 8628 §3.1): client_id and scope (Options.Scopes and the options'
// scopes) and the options' parameters, with the client's authentication at
// the token endpoint. A server without a device_authorization_endpoint: an
// error matching errors.ErrUnsupported.
func (p *Provider) DeviceAuthorization(ctx context.Context, opts ...oauthkit.AuthOption) (*DeviceAuthorization, error) {
	md, err := p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	if md.Endpoints.DeviceAuthorizationURL == "" {
		return nil, fmt.Errorf("%s: %s: the server has no device_authorization_endpoint: %w", p.o.Name, OpDeviceAuthorization, errors.ErrUnsupported)
	}
	a, err := p.auth(md)
	if err != nil {
		return nil, err
	}
	o := oauthkit.CollectAuthOptions(opts)
	params := url.Values{}
	for k, vs := range o.Params {
		if k == "client_id" || k == "scope" || k == "device_code" {
			return nil, fmt.Errorf("%s: %s: parameter %q is set by the provider", p.o.Name, OpDeviceAuthorization, k)
		}
		params[k] = append(params[k], vs...)
	}
	if a.style == oauthwire.AuthBasic || a.style == oauthwire.AuthBasicRaw {
		params.Set("client_id", p.o.ClientID) // §3.1: client_id as in RFC 6749 §2.2
	}
	if s := authreq.Scopes(p.o.Scopes, o.Scopes); len(s) > 0 {
		params.Set("scope", strings.Join(s, " "))
	}
	var res struct {
		DeviceCode              string          `json:"device_code"`
		UserCode                string          `json:"user_code"`
		VerificationURI         string          `json:"verification_uri"`
		VerificationURL         string          `json:"verification_url"` // Google's older name
		VerificationURIComplete string          `json:"verification_uri_complete"`
		ExpiresIn               json.RawMessage `json:"expires_in"`
		Interval                json.RawMessage `json:"interval"`
	}
	da := &DeviceAuthorization{}
	err = p.wire.Post(ctx, oauthwire.Request{
		Op: OpDeviceAuthorization, TokenURL: md.Endpoints.DeviceAuthorizationURL, Params: params,
		ClientID: p.o.ClientID, Secret: p.o.ClientSecret, Auth: a.style, Assertion: a.assertion, Advise: p.o.Advise,
	}, func(an *oauthwire.Answer) error {
		if json.Unmarshal(an.Body, &res) != nil {
			return errors.New("device authorization response is not a JSON object of the expected shape")
		}
		if res.VerificationURI == "" {
			res.VerificationURI = res.VerificationURL
		}
		switch {
		case res.DeviceCode == "":
			return errors.New("device authorization response has no device_code")
		case res.UserCode == "":
			return errors.New("device authorization response has no user_code")
		case res.VerificationURI == "":
			return errors.New("device authorization response has no verification_uri")
		}
		for _, u := range []struct{ name, value string }{
			{"verification_uri", res.VerificationURI},
			{"verification_uri_complete", res.VerificationURIComplete},
		} {
			if u.value == "" {
				continue
			}
			if err := httpc.CheckURL(u.value); err != nil {
				return fmt.Errorf("device authorization response's %s %v: %w", u.name, err, ErrInsecureVerificationURI)
			}
		}
		life, err := seconds(res.ExpiresIn)
		if err != nil || life <= 0 {
			return errors.New("device authorization response's expires_in is not a positive number of seconds")
		}
		da.ExpiresAt = an.SentAt.Add(life)
		da.Interval = DefaultDeviceInterval
		if len(res.Interval) > 0 {
			iv, err := seconds(res.Interval)
			if err != nil {
				return errors.New("device authorization response's interval is not a number of seconds")
			}
			if iv > 0 {
				da.Interval = iv
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	da.DeviceCode = oauthkit.Secret(res.DeviceCode)
	da.UserCode, da.VerificationURI, da.VerificationURIComplete = res.UserCode, res.VerificationURI, res.VerificationURIComplete
	return da, nil
}

// Wait waits d or until ctx ends; PollDevice's waits between requests.
type Wait func(ctx context.Context, d time.Duration) error

// PollDevice polls the token endpoint for da's tokens (RFC 8628 §3.4,
// §3.5) until the user approves or denies, the device code expires, or ctx
// ends: it waits da.Interval before each request, which is sent once (no
// HTTP-level retry: a retry would be a poll sooner than the interval);
// authorization_pending goes on; slow_down adds five seconds to the
// interval for this and every later request; a request that got no answer
// (a network error, a timeout) doubles the interval (§3.5); a 429 or 5xx
// answer doubles it too, and the next request waits at least the answer's
// Retry-After; access_denied, expired_token and every other error end it
// as an [*oauthkit.Error]. Past da.ExpiresAt by Options.Now it stops with an
// [*oauthkit.Error] whose Code is expired_token without asking. An ID
// token in the answer is verified as after a refresh (no nonce: the grant
// has none). wait nil: real time.
func (p *Provider) PollDevice(ctx context.Context, da *DeviceAuthorization, wait Wait) (*oauth2.Token, error) {
	tok, err := p.pollDevice(ctx, da, wait)
	if err != nil {
		return nil, err
	}
	if err := p.checkRefreshed(ctx, tok); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", p.o.Name, OpDeviceToken, err)
	}
	return tok, nil
}

// DeviceLogin is PollDevice followed by what [oauthkit.Complete] does after
// an exchange: the ID token required (OpenID Connect) and verified but for
// the nonce, which the grant has none of; the profile fetched, its subject
// the ID token's; and the Login returned.
func (p *Provider) DeviceLogin(ctx context.Context, da *DeviceAuthorization, wait Wait) (*oauthkit.Login, error) {
	tok, err := p.pollDevice(ctx, da, wait)
	if err != nil {
		return nil, err
	}
	login := &oauthkit.Login{Provider: p.o.Name, Token: tok}
	if p.o.OpenID {
		raw, _ := tok.Extra("id_token").(string)
		if raw == "" {
			return nil, fmt.Errorf("%s: %s: %w", p.o.Name, OpDeviceToken, oauthkit.ErrMissingIDToken)
		}
		idt, err := p.verify(ctx, func(v *discovery.Verifier) (*oidc.IDToken, error) { return v.VerifyRefreshed(ctx, raw) })
		if err != nil {
			return nil, err
		}
		if idt.AccessTokenHash != "" && idt.VerifyAccessToken(tok.AccessToken) != nil {
			return nil, fmt.Errorf("%s: verify id token: at_hash does not match the access token: %w", p.o.Name, oauthkit.ErrAccessTokenHash)
		}
		login.IDToken = idt
		if err := idt.Claims(&login.UserInfo.Raw); err != nil {
			return nil, fmt.Errorf("%s: verify id token: claims do not parse: %w", p.o.Name, oauthkit.ErrInvalidIDToken)
		}
		login.UserInfo.Subject = idt.Subject
	}
	ui, err := p.FetchUserInfo(ctx, tok)
	if err != nil {
		return nil, err
	}
	if login.IDToken != nil && ui.Subject != login.IDToken.Subject {
		return nil, fmt.Errorf("%s: user info: %w", p.o.Name, oauthkit.ErrSubjectMismatch)
	}
	login.UserInfo.Subject, login.UserInfo.Email, login.UserInfo.Name = ui.Subject, ui.Email, ui.Name
	if login.UserInfo.Raw == nil {
		login.UserInfo.Raw = ui.Raw
	} else {
		for k, v := range ui.Raw {
			if _, set := login.UserInfo.Raw[k]; !set {
				login.UserInfo.Raw[k] = v
			}
		}
	}
	return login, nil
}

// pollAgainAfter reports whether a poll answered with status is followed
// by another, later one rather than ending the polling: 429 (too many
// requests) and any 5xx, a server or proxy that may recover before the
// device code expires.
func pollAgainAfter(status int) bool {
	return status == http.StatusTooManyRequests || status/100 == 5
}

// retryAfter is a Retry-After wait, cut to what is left until expires (by
// Options.Now; zero: not cut, beyond the cap of a day every Retry-After
// already has): waiting longer than the device code lives would only end
// in expired_token later.
func (p *Provider) retryAfter(d time.Duration, expires time.Time) time.Duration {
	if !expires.IsZero() {
		d = min(d, max(expires.Sub(p.o.Now()), 0))
	}
	return d
}

// pollDevice is PollDevice without the ID-token check.
func (p *Provider) pollDevice(ctx context.Context, da *DeviceAuthorization, wait Wait) (*oauth2.Token, error) {
	if da == nil || da.DeviceCode.IsZero() {
		return nil, fmt.Errorf("%s: %s: no device code", p.o.Name, OpDeviceToken)
	}
	if wait == nil {
		wait = httpc.Sleep
	}
	interval := da.Interval
	if interval <= 0 {
		interval = DefaultDeviceInterval
	}
	expired := func() error {
		return &oauthkit.Error{Provider: p.o.Name, Op: OpDeviceToken, Code: string(ErrExpiredToken),
			Description: "the device code expired before the user approved (by this client's clock)"}
	}
	next := interval // the wait before the next poll
	for {
		if !da.ExpiresAt.IsZero() && !p.o.Now().Before(da.ExpiresAt) {
			return nil, expired()
		}
		if err := wait(ctx, next); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", p.o.Name, OpDeviceToken, err)
		}
		if !da.ExpiresAt.IsZero() && !p.o.Now().Before(da.ExpiresAt) {
			return nil, expired()
		}
		// Sent once (Request.NoRetry, see token): a retry by the HTTP
		// client would be a poll sooner than the interval.
		tok, err := p.token(ctx, OpDeviceToken, url.Values{"grant_type": {DeviceCodeGrantType}, "device_code": {da.DeviceCode.Reveal()}})
		var ne net.Error
		var oe *oauthkit.Error
		answered := errors.As(err, &oe)
		asked := time.Duration(0) // the server's Retry-After, when it counts
		switch {
		case err == nil:
			return tok, nil
		case ctx.Err() != nil:
			return nil, err
		case errors.Is(err, ErrAuthorizationPending):
		case errors.Is(err, ErrSlowDown):
			interval += SlowDownStep
		case errors.As(err, &ne) && !answered:
			// No answer (a connection or attempt timeout, a refused or
			// reset connection): §3.5 asks for a lower polling frequency
			// before the next request.
			interval *= 2
		case answered && pollAgainAfter(oe.StatusCode):
			// The server or a proxy is overloaded or down for a while: the
			// device code and the user's approval may well outlive it.
			// Slow down as after no answer, and wait at least as long as
			// the server asked (Retry-After, cut to the device code's
			// remaining life).
			interval *= 2
			asked = p.retryAfter(oe.RetryAfter, da.ExpiresAt)
		default:
			return nil, err
		}
		next = max(interval, asked)
	}
}
