package openidtest

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// deviceGrantType is the device access token request's grant_type (RFC
// 8628 §3.4).
const deviceGrantType = "urn:ietf:params:oauth:grant-type:device_code"

const (
	defaultDeviceInterval = 5 * time.Second
	defaultDeviceLifetime = 10 * time.Minute
	slowDownStep          = 5 * time.Second
)

// ErrUnknownUserCode: [Server.ApproveDevice] or [Server.DenyDevice] named a
// user code the server did not issue, or one already decided or expired.
var ErrUnknownUserCode = errors.New("openidtest: unknown, decided or expired user code")

// device is one device login (RFC 8628).
type device struct {
	clientID string
	userCode string
	scope    string
	expires  time.Time
	interval time.Duration
	lastPoll time.Time // the last poll, or the issue
	state    deviceState
}

type deviceState int

const (
	devicePending deviceState = iota
	deviceApproved
	deviceDenied
	deviceRedeemed
)

// deviceAuthorization is the device authorization endpoint (RFC 8628 §3.1,
// §3.2): the client authenticates as at the token endpoint (a public
// client sends its client_id), and gets a device code, a user code, the
// verification URIs, expires_in and interval.
func (s *Server) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	if !fakeidp.TokenRequest(w, r) {
		return
	}
	c, aerr := s.authenticateClient(r)
	if aerr != nil {
		writeAuthError(w, aerr)
		return
	}
	interval := s.opts.DeviceInterval
	if interval <= 0 {
		interval = defaultDeviceInterval
	}
	life := s.opts.DeviceCodeLifetime
	if life <= 0 {
		life = defaultDeviceLifetime
	}
	code := fakeidp.Random(24)
	user := userCode()
	s.mu.Lock()
	now := s.now.Now()
	s.devices[code] = &device{clientID: c.ID, userCode: user, scope: r.PostForm.Get("scope"), expires: now.Add(life), interval: interval, lastPoll: now}
	s.mu.Unlock()
	verify := s.Issuer() + "/device"
	fakeidp.WriteJSON(w, http.StatusOK, map[string]any{
		"device_code":               code,
		"user_code":                 user,
		"verification_uri":          verify,
		"verification_uri_complete": verify + "?user_code=" + url.QueryEscape(user),
		"expires_in":                int(life.Seconds()),
		"interval":                  int(interval.Seconds()),
	})
}

// userCode makes an eight-letter user code in two groups of four, from
// consonants that are hard to confuse (RFC 8628 §6.1).
func userCode() string {
	const alphabet = "BCDFGHJKLMNPQRSTVWXZ"
	raw := []byte(fakeidp.Random(8))
	var b strings.Builder
	for i := range 8 {
		if i == 4 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[int(raw[i])%len(alphabet)])
	}
	return b.String()
}

// ApproveDevice plays the user approving userCode at the verification URI
// as the signed-in user ([Server.SetUser]): the client's next poll gets
// the tokens.
func (s *Server) ApproveDevice(userCode string) error { return s.decide(userCode, deviceApproved) }

// DenyDevice plays the user declining: the client's next poll gets
// access_denied.
func (s *Server) DenyDevice(userCode string) error { return s.decide(userCode, deviceDenied) }

func (s *Server) decide(userCode string, st deviceState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		if d.userCode == userCode && d.state == devicePending && s.now.Now().Before(d.expires) {
			d.state = st
			return nil
		}
	}
	return ErrUnknownUserCode
}

// DeviceUserCodes returns the user codes of the device logins waiting for
// the user, for a test that did not see the client's.
func (s *Server) DeviceUserCodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, d := range s.devices {
		if d.state == devicePending {
			out = append(out, d.userCode)
		}
	}
	return out
}

// deviceGrant answers a device access token request (RFC 8628 §3.4,
// §3.5): slow_down to a client polling sooner than the interval after its
// last poll (the interval grows by five seconds, for every later poll
// too), expired_token past the code's expiry, authorization_pending until
// the user decides, access_denied, or the tokens, once.
func (s *Server) deviceGrant(w http.ResponseWriter, c App, f url.Values, jkt string) {
	now := s.now.Now()
	s.mu.Lock()
	d, ok := s.devices[f.Get("device_code")]
	if !ok || d.clientID != c.ID || d.state == deviceRedeemed {
		s.mu.Unlock()
		invalidGrant(w, "device_code is unknown, another client's or used")
		return
	}
	tooSoon := now.Sub(d.lastPoll) < d.interval
	d.lastPoll = now
	code, desc := "", ""
	switch {
	case !now.Before(d.expires):
		code, desc = "expired_token", "the device code has expired"
	case tooSoon:
		d.interval += slowDownStep
		code, desc = "slow_down", "polled sooner than the interval"
	case d.state == devicePending:
		code, desc = "authorization_pending", "the user has not decided yet"
	case d.state == deviceDenied:
		code, desc = "access_denied", "the user declined"
	}
	if code != "" {
		s.mu.Unlock()
		fakeidp.OAuthError(w, http.StatusBadRequest, code, desc)
		return
	}
	d.state = deviceRedeemed
	user := s.user
	fam := s.tokens.newFamily(grant{clientID: c.ID, subject: user.Subject, scope: d.scope})
	s.mu.Unlock()
	s.issueTokens(w, fam, c, user.Subject, d.scope, "", "", "", now, true, jkt)
}
