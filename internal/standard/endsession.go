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
	if p.o.PostLogoutRedirectURL != "" {
		state = authreq.State()
	}
	u, err := p.BuildEndSessionURL(ctx, idTokenHint, p.o.PostLogoutRedirectURL, state)
	if err != nil {
		return "", "", err
	}
	return u, state, nil
}

// BuildEndSessionURL is the end_session_endpoint with client_id and, each
// when not "", id_token_hint, post_logout_redirect_uri and state
// ([oauthkit.EndSessionURLBuilder]). A server without an
// end_session_endpoint: an error matching errors.ErrUnsupported.
func (p *Provider) BuildEndSessionURL(ctx context.Context, idTokenHint, postLogoutRedirectURL, state string) (string, error) {
	md, err := p.metadata(ctx)
	if err != nil {
		return "", err
	}
	if md.Endpoints.EndSessionURL == "" {
		return "", fmt.Errorf("%s: end session: the server has no end_session_endpoint: %w", p.o.Name, errors.ErrUnsupported)
	}
	u, err := url.Parse(md.Endpoints.EndSessionURL)
	if err != nil {
		return "", fmt.Errorf("%s: end session: end_session_endpoint does not parse", p.o.Name)
	}
	q := u.Query()
	q.Set("client_id", p.o.ClientID)
	for _, kv := range [][2]string{{"id_token_hint", idTokenHint}, {"post_logout_redirect_uri", postLogoutRedirectURL}, {"state", state}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
