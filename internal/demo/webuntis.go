package demo

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

func init() { register("webuntis", demoWebUntis) }

func demoWebUntis(ctx context.Context, r *report) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	srv.SetUser(webuntistest.User{Subject: "untis-teacher-7"})

	// Credentials arrive through the signed credentials webhook.
	cfg, err := receiveCredentials(ctx, srv)
	if !r.check("credentials webhook", err) {
		return
	}
	r.ok("credentials webhook (SHA256withRSA)", "ok", "tenant "+cfg.Tenant+", client "+cfg.ClientID+", secret and password received")
	cfg.BaseURL, cfg.RedirectURL, cfg.HTTPClient = srv.URL, srv.Config().RedirectURL, srv.Client()

	p, err := webuntis.New(cfg)
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
	// The same flow through the shared cache: many callers, one request.
	before := srv.Requests(webuntistest.EndpointToken)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 20 {
				if _, err := p.Token(ctx); err != nil {
					r.check("cached client credentials", err)
					return
				}
			}
		})
	}
	wg.Wait()
	r.ok("cached client credentials", "ok",
		fmt.Sprintf("1000 calls from 50 goroutines, %d token request(s)", srv.Requests(webuntistest.EndpointToken)-before))

	status, err := oneRoster(ctx, p.Client(), srv.URL)
	if r.check("OneRoster users", err) {
		r.ok("OneRoster users (Provider.Client)", "ok", "HTTP "+status+", with the cached token")
	}

	cfg = srv.Config()
	cfg.Password = cfg.ClientSecret // the documented mix-up
	wrong, err := webuntis.New(cfg)
	if r.check("config", err) {
		_, err = wrong.ClientCredentials(ctx)
		r.refused("client credentials with the OIDC secret", err, oauthkit.ErrInvalidGrant)
	}
}

// oneRoster lists the users through an HTTP client that authorizes itself.
func oneRoster(ctx context.Context, client *http.Client, apiURL string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, apiURL+"/ims/oneroster/v1p1/users", nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("OneRoster answered %s", resp.Status)
	}
	return resp.Status, nil
}

// receiveCredentials serves the credentials webhook and has the fake send a
// CREATED event to it, as Untis does when a school activates the app.
func receiveCredentials(ctx context.Context, srv *webuntistest.Server) (webuntis.Config, error) {
	got := make(chan webuntis.Config, 1)
	h, err := webuntis.NewWebhookHandler(webuntis.WebhookConfig{
		KeyText: srv.WebhookKey(),
		Store: func(_ context.Context, c *webuntis.Credentials) error {
			got <- c.Config()
			return nil
		},
		Check: srv.Config(),
	})
	if err != nil {
		return webuntis.Config{}, err
	}
	hook := httptest.NewServer(h)
	defer hook.Close()
	status, err := srv.SendCredentials(ctx, hook.URL, webuntis.EventCreated)
	if err != nil {
		return webuntis.Config{}, err
	}
	if status != http.StatusNoContent {
		return webuntis.Config{}, fmt.Errorf("webhook answered %d", status)
	}
	return <-got, nil
}
