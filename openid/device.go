package openid

import (
	"context"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/standard"
)

// The operations of the Device Authorization Grant and of pushed
// authorization requests in an [oauthkit.Error]'s Op.
const (
	OpDeviceAuthorization = standard.OpDeviceAuthorization // RFC 8628 §3.1
	OpDeviceToken         = standard.OpDeviceToken         // RFC 8628 §3.4, each poll
	OpPushedAuthorization = standard.OpPushedAuthorization // RFC 9126 §2
)

// The error codes of the device access token response (RFC 8628 §3.5), for
// errors.Is. [Provider.PollDevice] handles authorization_pending and
// slow_down itself; it returns expired_token, and access_denied
// ([oauthkit.ErrAccessDenied]) when the user declines.
const (
	ErrAuthorizationPending = standard.ErrAuthorizationPending
	ErrSlowDown             = standard.ErrSlowDown
	ErrExpiredToken         = standard.ErrExpiredToken
)

// ErrInsecureVerificationURI: a device authorization response named a
// verification_uri or verification_uri_complete that is not an absolute
// https URL (http only on a loopback host). [Provider.DeviceAuthorization]
// refuses it, with [oauthkit.ErrMalformedResponse], rather than send the
// user there.
var ErrInsecureVerificationURI = standard.ErrInsecureVerificationURI

// DeviceAuthorization is a started device login (RFC 8628 §3.2): show the
// user VerificationURI and UserCode (or VerificationURIComplete, which
// holds the code, as a link or QR code), then call [Provider.PollDevice].
type DeviceAuthorization struct {
	// UserCode is the code the user types at VerificationURI. Show it.
	UserCode string
	// VerificationURI is where the user goes, on any device, to approve.
	VerificationURI string
	// VerificationURIComplete is VerificationURI with the user code in it,
	// when the server gives one ("" otherwise).
	VerificationURIComplete string
	// ExpiresAt is when the codes expire (expires_in, by Config.Now).
	ExpiresAt time.Time
	// Interval is the wait between polls the server asked for (interval;
	// five seconds when it names none).
	Interval time.Duration
	// DeviceCode is the code the client polls with. It is a secret of
	// this client: never show or log it (it does not print itself).
	DeviceCode oauthkit.Secret
}

// DeviceAuthorization starts a login on a device without a browser, or
// with no way to type (RFC 8628): it asks the server's
// device_authorization_endpoint for a device code and a user code, sending
// client_id and the scopes (Config.Scopes and [oauthkit.WithScopes]'
// scopes, and [oauthkit.WithParam]'s parameters) with the client's
// authentication at the token endpoint. A server without the endpoint: an
// error matching errors.ErrUnsupported; one that refuses, an
// [*oauthkit.Error] with Op [OpDeviceAuthorization]; one whose
// verification URIs are not https, [ErrInsecureVerificationURI].
func (p *Provider) DeviceAuthorization(ctx context.Context, opts ...oauthkit.AuthOption) (*DeviceAuthorization, error) {
	da, err := p.std.DeviceAuthorization(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return &DeviceAuthorization{
		UserCode: da.UserCode, VerificationURI: da.VerificationURI, VerificationURIComplete: da.VerificationURIComplete,
		ExpiresAt: da.ExpiresAt, Interval: da.Interval, DeviceCode: da.DeviceCode,
	}, nil
}

// PollDevice waits for the user to approve da at the verification URI and
// returns the tokens (RFC 8628 §3.4, §3.5). It asks the token endpoint
// once every da.Interval: authorization_pending goes on; slow_down adds
// five seconds to the interval, for this and every later poll; a poll
// that gets no answer (a network error, a timeout) doubles it, and so does
// a 429 or 5xx answer, after which the next poll also waits at least the
// answer's Retry-After. Each poll is sent once: the HTTP retries other
// requests get would send it sooner than the interval. It ends with an [*oauthkit.Error] when
// the user declines (errors.Is [oauthkit.ErrAccessDenied]), when the
// device code expires ([ErrExpiredToken]; also without asking once
// da.ExpiresAt has passed by Config.Now), or on any other error the server
// answers; and with ctx's error (wrapped) when ctx ends. An ID token in
// the answer is verified (signature, iss, aud, exp, iat, sub; the grant
// has no nonce). Give ctx the deadline the user has, at most da.ExpiresAt.
func (p *Provider) PollDevice(ctx context.Context, da *DeviceAuthorization) (*oauth2.Token, error) {
	return p.std.PollDevice(ctx, da.internal(), p.wait)
}

// DeviceLogin is [Provider.PollDevice] followed by what [oauthkit.Complete]
// does after an exchange: for OpenID Connect the ID token required and
// verified (as PollDevice does; the grant has no nonce), the profile
// fetched ([Provider.FetchUserInfo]) with the ID token's subject, and the
// [oauthkit.Login] returned. It is the device counterpart of a browser
// login.
func (p *Provider) DeviceLogin(ctx context.Context, da *DeviceAuthorization) (*oauthkit.Login, error) {
	return p.std.DeviceLogin(ctx, da.internal(), p.wait)
}

// internal is da in the engine's terms.
func (da *DeviceAuthorization) internal() *standard.DeviceAuthorization {
	if da == nil {
		return nil
	}
	return &standard.DeviceAuthorization{DeviceCode: da.DeviceCode, ExpiresAt: da.ExpiresAt, Interval: da.Interval}
}
