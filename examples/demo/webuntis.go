package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

func init() { register("webuntis", demoWebUntis) }

func demoWebUntis(ctx context.Context, r *report) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	srv.SetUser("untis-teacher-7", nil)

	p, err := webuntis.New(srv.Config())
	if !r.check("config", err) {
		return
	}

	ep, err := p.Discover(ctx)
	if !r.check("discovery", err) {
		return
	}
	r.ok("discovery", "ok", "issuer "+ep.Issuer)

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
	if r.check("login: callback", err) {
		r.ok("login (code + PKCE S256)", "ok", fmt.Sprintf("ID token verified, sub=%s", login.UserInfo.Subject))
	}
	_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
	r.refused("login: replayed callback", err, oauthkit.ErrStateMismatch)

	// Server to server.
	tok, err := p.ClientCredentials(ctx)
	if !r.check("client credentials", err) {
		return
	}
	r.ok("client credentials (raw Basic, password)", "ok",
		fmt.Sprintf("%s token, expires in %s", tok.TokenType, time.Until(tok.Expiry).Round(time.Second)))
	status, err := oneRoster(ctx, srv, tok.AccessToken)
	if r.check("OneRoster users", err) {
		r.ok("OneRoster users", "ok", "HTTP "+status)
	}

	cfg := srv.Config()
	cfg.Password = cfg.ClientSecret // the documented mix-up
	wrong, err := webuntis.New(cfg)
	if r.check("config", err) {
		_, err = wrong.ClientCredentials(ctx)
		r.refused("client credentials with the OIDC secret", err, oauthkit.ErrInvalidGrant)
	}
}

func oneRoster(ctx context.Context, srv *webuntistest.Server, accessToken string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/ims/oneroster/v1p1/users", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("OneRoster answered %s", resp.Status)
	}
	return resp.Status, nil
}
