package openid

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
)

// EndSession is an RP-Initiated Logout request: the URL to send the
// browser to, and the state the server will hand back to
// Config.PostLogoutRedirectURL.
type EndSession struct {
	URL   string
	State string // "" without a PostLogoutRedirectURL
}

// EndSessionURL builds the RP-Initiated Logout URL (OpenID Connect
// RP-Initiated Logout 1.0 §2): the end_session_endpoint with client_id,
// id_token_hint (the raw ID token of the login, "" for none),
// post_logout_redirect_uri (Config.PostLogoutRedirectURL) and a fresh
// state, which the application keeps and compares when the browser
// returns. A server without an end_session_endpoint: an error matching
// errors.ErrUnsupported.
func (p *Provider) EndSessionURL(ctx context.Context, idTokenHint string) (*EndSession, error) {
	md, err := p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	if md.Endpoints.EndSessionURL == "" {
		return nil, fmt.Errorf("%s: end session: the server has no end_session_endpoint: %w", p.cfg.Name, errors.ErrUnsupported)
	}
	u, err := url.Parse(md.Endpoints.EndSessionURL)
	if err != nil {
		return nil, fmt.Errorf("%s: end session: end_session_endpoint does not parse", p.cfg.Name)
	}
	q := u.Query()
	q.Set("client_id", p.cfg.ClientID)
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	es := &EndSession{}
	if p.cfg.PostLogoutRedirectURL != "" {
		es.State = authreq.State()
		q.Set("post_logout_redirect_uri", p.cfg.PostLogoutRedirectURL)
		q.Set("state", es.State)
	}
	u.RawQuery = q.Encode()
	es.URL = u.String()
	return es, nil
}
