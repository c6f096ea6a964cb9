package standard

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
)

// EndSessionURL builds the RP-Initiated Logout URL (OpenID Connect
// RP-Initiated Logout 1.0 §2): the end_session_endpoint with client_id,
// id_token_hint (the raw ID token of the login, "" for none),
// post_logout_redirect_uri (Options.PostLogoutRedirectURL) and a fresh
// state, which the application keeps and compares when the browser
// returns. A server without an end_session_endpoint: an error matching
// errors.ErrUnsupported.
func (p *Provider) EndSessionURL(ctx context.Context, idTokenHint string) (endSessionURL, state string, err error) {
	md, err := p.metadata(ctx)
	if err != nil {
		return "", "", err
	}
	if md.Endpoints.EndSessionURL == "" {
		return "", "", fmt.Errorf("%s: end session: the server has no end_session_endpoint: %w", p.o.Name, errors.ErrUnsupported)
	}
	u, err := url.Parse(md.Endpoints.EndSessionURL)
	if err != nil {
		return "", "", fmt.Errorf("%s: end session: end_session_endpoint does not parse", p.o.Name)
	}
	q := u.Query()
	q.Set("client_id", p.o.ClientID)
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	if p.o.PostLogoutRedirectURL != "" {
		state = authreq.State()
		q.Set("post_logout_redirect_uri", p.o.PostLogoutRedirectURL)
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	return u.String(), state, nil
}
