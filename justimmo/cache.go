package justimmo

import (
	"context"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// Token returns a client-credentials token from the cache (Config.Cache):
// fetched on first use, reused until shortly before it expires, then
// refreshed by one background request while callers keep getting the valid
// one. Justimmo's client-credentials tokens live a day or a month (003_…txt).
func (p *Provider) Token(ctx context.Context) (*oauth2.Token, error) { return p.cc.Token(ctx) }

// TokenSource returns the cached client-credentials tokens as an
// [oauth2.TokenSource], the fastest way to read them.
func (p *Provider) TokenSource() oauth2.TokenSource { return p.cc.TokenSource() }

// Client returns an HTTP client for the Justimmo API that sends the cached
// client-credentials token with every request, over Config.HTTPClient's
// transport. Each request is bounded by Config.Cache's
// [tokencache.Config.ClientTimeout] (30 s by default). The token never
// follows a redirect to another scheme or host: such a redirect fails with
// [oauthkit.ErrCrossOriginRedirect]; one within the same origin is
// followed.
func (p *Provider) Client() *http.Client { return p.cc.Client() }

// InvalidateToken forgets the cached client-credentials token, so that the
// next call fetches a new one: call it when the API answers 401.
func (p *Provider) InvalidateToken(ctx context.Context) error { return p.cc.Invalidate(ctx) }

// UserTokenSource returns a token source for one user's login: served from
// the cache and renewed with [Provider.Refresh] ahead of expiry (access
// tokens live a day, refresh tokens a month, 003_…txt), one refresh at a
// time, each with the newest refresh token. Config.Cache's OnTokenChange
// reports new tokens for storage; [oauthkit.NeedsLogin] tells when the
// refresh token is dead.
func (p *Provider) UserTokenSource(user string, tok *oauth2.Token) oauth2.TokenSource {
	return p.tokens.UserSource(tokencache.KeyParts{
		Vendor: name, Endpoint: p.endpoints.TokenURL, ClientID: p.cfg.ClientID,
		Flow: "refresh_token", User: user, Credential: p.cfg.ClientSecret.Reveal(),
	}, tok, p.Refresh)
}
