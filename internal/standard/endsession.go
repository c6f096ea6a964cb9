package standard

import (
	"context"
	"errors"
	"fmt"

	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
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
	u, err := discovery.EndSessionURL(md.Endpoints.EndSessionURL, p.o.ClientID, idTokenHint, postLogoutRedirectURL, state)
	if err != nil {
		return "", fmt.Errorf("%s: end session: end_session_endpoint does not parse", p.o.Name)
	}
	return u, nil
}
