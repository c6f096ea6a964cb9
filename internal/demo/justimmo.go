package demo

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

func init() { register("justimmo", demoJustimmo) }

func demoJustimmo(ctx context.Context, r *report) {
	clock := tokencachetest.NewClock(time.Now())
	srv := justimmotest.NewServer(justimmotest.Options{Now: clock.Now})
	defer srv.Close()

	p, err := justimmo.New(srv.Config())
	if !r.check("config", err) {
		return
	}

	// Login: authorize URL → (simulated browser) → callback → Complete.
	ar, err := p.AuthCodeURL(ctx)
	if !r.check("login: authorize URL", err) {
		return
	}
	cb, err := srv.Authorize(ctx, ar.URL)
	if !r.check("login: browser", err) {
		return
	}
	login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	if !r.check("login (code, secret in the body)", err) {
		return
	}
	r.ok("login (code, secret in the body)", "ok", fmt.Sprintf("sub=%s, access token for %s", login.UserInfo.Subject, login.Token.Expiry.Sub(clock.Now()).Round(time.Second)))

	u, err := p.User(ctx, login.Token)
	if r.check("current user", err) {
		r.ok("current user", "ok", fmt.Sprintf("GET /oauth/user/current: user %s, tenant %s", u.ID, u.TenantID))
	}

	// A user who declines, as the vendor documents the redirect (no state).
	denied, _ := url.ParseQuery("error=access_denied&message=The+resource+owner+or+authorization+server+denied+the+request.&hint=The+user+denied+the+request")
	fresh, err := p.AuthCodeURL(ctx)
	if r.check("denied login", err) {
		_, err = oauthkit.Complete(ctx, p, fresh, denied)
		r.refused("denied login (documented redirect)", err, oauthkit.ErrAccessDenied)
	}

	// A code exchanged after its minute.
	ar, err = p.AuthCodeURL(ctx)
	if r.check("expired code", err) {
		cb, err = srv.Authorize(ctx, ar.URL)
		if r.check("expired code: browser", err) {
			clock.Advance(61 * time.Second)
			_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
			r.refused("expired code (61 s)", err, oauthkit.ErrInvalidRequest)
		}
	}

	// Refresh tokens rotate; the old one is dead, and the new one lives a month.
	next, err := p.Refresh(ctx, login.Token.RefreshToken)
	if r.check("refresh (rotation)", err) {
		r.ok("refresh (rotation)", "ok", "new refresh token issued; the old one is "+srv.RefreshTokenState(login.Token.RefreshToken))
		_, err = p.Refresh(ctx, login.Token.RefreshToken)
		needsLogin(r, "refresh with the old refresh token", err)
		clock.Advance(32 * 24 * time.Hour)
		_, err = p.Refresh(ctx, next.RefreshToken)
		needsLogin(r, "refresh after a month", err)
	}

	// Server to server.
	tok, err := p.ClientCredentials(ctx)
	if r.check("client credentials", err) {
		r.ok("client credentials", "ok", fmt.Sprintf("%s token, expires_in %d, refresh token: %v", tok.TokenType, tok.ExpiresIn, tok.RefreshToken != ""))
		_, err = p.User(ctx, tok)
		r.refused("current user with a client token", err, oauthkit.ErrAccessDenied)
	}

	cfg := srv.Config()
	cfg.ClientSecret = "not-the-secret"
	wrong, err := justimmo.New(cfg)
	if r.check("config", err) {
		_, err = wrong.ClientCredentials(ctx)
		r.refused("client credentials with a wrong secret", err, oauthkit.ErrInvalidClient)
	}
}
