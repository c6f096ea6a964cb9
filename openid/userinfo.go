package openid

import (
	"context"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
)

// ErrInvalidUserInfo: a signed userinfo answer (application/jwt) failed
// verification — its signature by the issuer's keys, its iss or its aud.
var ErrInvalidUserInfo = discovery.ErrInvalidUserInfo

// FetchUserInfo asks the userinfo endpoint (OpenID Connect Core §5.3) who
// tok's user is. A signed answer (application/jwt) is verified with the
// issuer's keys, and its iss and aud, when present, must be the issuer and
// this client ([ErrInvalidUserInfo]). [oauthkit.Complete] calls it after
// the ID token and refuses a subject other than the ID token's. A server
// without a userinfo_endpoint: an error matching errors.ErrUnsupported.
func (p *Provider) FetchUserInfo(ctx context.Context, tok *oauth2.Token) (*oauthkit.UserInfo, error) {
	md, err := p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	access := ""
	if tok != nil {
		access = tok.AccessToken
	}
	claims, err := md.UserInfo(ctx, p.cfg.Name, p.wire.HTTP, p.cfg.ClientID, access)
	if err != nil {
		return nil, err
	}
	ui := &oauthkit.UserInfo{Raw: claims}
	ui.Subject, _ = claims["sub"].(string)
	ui.Email, _ = claims["email"].(string)
	ui.Name, _ = claims["name"].(string)
	return ui, nil
}
