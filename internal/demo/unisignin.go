package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
)

func init() { register("unisignin", demoUniSignIn) }

func demoUniSignIn(ctx context.Context, r *report) {
	clock := tokencachetest.NewClock(time.Now())
	srv := unisignintest.NewServer(unisignintest.Options{Now: clock.Now})
	defer srv.Close()
	user := srv.Users()[0]

	web, err := unisignin.New(srv.Config())
	if !r.check("config (web)", err) {
		return
	}
	app, err := unisignin.New(srv.PublicConfig())
	if !r.check("config (app)", err) {
		return
	}

	// Web login: authorize URL → (simulated browser) → callback → Complete.
	ar, err := web.AuthCodeURL(ctx)
	if !r.check("login: authorize URL", err) {
		return
	}
	cb, err := srv.Authorize(ctx, ar.URL)
	if !r.check("login: browser", err) {
		return
	}
	login, err := oauthkit.Complete(ctx, web, ar, cb.Query())
	if r.check("login (web: code + secret + state)", err) {
		r.ok("login (web: code + secret + state)", "ok", fmt.Sprintf("sub=%s email=%s name=%q", login.UserInfo.Subject, login.UserInfo.Email, login.UserInfo.Name))
	}
	_, err = oauthkit.Complete(ctx, web, ar, cb.Query())
	r.refused("login: replayed callback", err, oauthkit.ErrStateMismatch)

	// App login: no secret, PKCE plain with the vendor's alphanumeric verifier.
	ar, err = app.AuthCodeURL(ctx)
	if r.check("app login: authorize URL", err) {
		cb, err = srv.Authorize(ctx, ar.URL)
		if r.check("app login: browser", err) {
			login, err = oauthkit.Complete(ctx, app, ar, cb.Query())
			if r.check("app login (PKCE plain)", err) {
				r.ok("app login (PKCE plain)", "ok", fmt.Sprintf("verifier of %d letters and digits, callback %s://…, sub=%s", len(ar.CodeVerifier), cb.Scheme, login.UserInfo.Subject))
			}
		}
	}

	// Password grant and the user's profile.
	tok, err := app.PasswordToken(ctx, user.Email, oauthkit.Secret(user.Password))
	if !r.check("password grant", err) {
		return
	}
	r.ok("password grant", "ok", fmt.Sprintf("%s token, expires in %s, with a refresh token", tok.TokenType, tok.Expiry.Sub(clock.Now()).Round(time.Second)))
	_, err = app.PasswordToken(ctx, user.Email, "not-the-password")
	r.refused("password grant: wrong password", err, oauthkit.ErrInvalidGrant)

	profile, err := app.User(ctx, tok)
	if r.check("user profile", err) {
		r.ok("user profile", "ok", fmt.Sprintf("GET /oauth/v2/user: id=%s email=%s name=%q", profile.ID, profile.Email, profile.Name))
	}

	// Refresh tokens rotate: the new one replaces the old, which is dead.
	next, err := app.Refresh(ctx, tok.RefreshToken)
	if r.check("refresh (rotation)", err) {
		r.ok("refresh (rotation)", "ok", "new refresh token issued; the old one is "+srv.RefreshTokenState(tok.RefreshToken))
		_, err = app.Refresh(ctx, tok.RefreshToken)
		needsLogin(r, "refresh with the old refresh token", err)
		_ = next
	}

	// A user who declines.
	ar, err = web.AuthCodeURL(ctx)
	if r.check("denied login", err) {
		cb, err = srv.Deny(ctx, ar.URL)
		if r.check("denied login: browser", err) {
			_, err = oauthkit.Complete(ctx, web, ar, cb.Query())
			r.refused("denied login", err, oauthkit.ErrAccessDenied)
		}
	}

	// A code exchanged too late.
	ar, err = web.AuthCodeURL(ctx)
	if r.check("expired code", err) {
		cb, err = srv.Authorize(ctx, ar.URL)
		if r.check("expired code: browser", err) {
			clock.Advance(11 * time.Minute)
			_, err = oauthkit.Complete(ctx, web, ar, cb.Query())
			// The login itself expires first (oauthkit.DefaultLoginMaxAge):
			// the code is never sent.
			r.refused("expired login (11 min)", err, oauthkit.ErrLoginExpired)
		}
	}

	// A flow UniSignIn does not offer.
	_, err = web.ClientCredentials(ctx)
	r.refused("client credentials", err, errors.ErrUnsupported)
}

// needsLogin records a refresh that was meant to fail because the refresh
// token is dead: ok when oauthkit.NeedsLogin says so.
func needsLogin(r *report, flow string, err error) {
	switch {
	case err == nil:
		r.check(flow, errors.New("was accepted, expected a dead refresh token"))
	case !oauthkit.NeedsLogin(err):
		r.check(flow, fmt.Errorf("NeedsLogin is false for: %w", err))
	default:
		r.ok(flow, "NeedsLogin: log in again", err.Error())
	}
}
