package openid

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
)

// VerifyIDToken verifies an ID token (OpenID Connect Core §3.1.3.7) with
// go-oidc against the issuer's keys: signature (with the algorithms the
// metadata lists), iss, aud and azp, exp, iat (at most five minutes ahead),
// the nonce in constant time, and, with Config.MaxAge, auth_time. A token
// signed with a key the key set does not hold makes go-oidc fetch the keys
// again; if it still fails, the metadata is fetched again (at most once a
// minute), and the check repeated once if the jwks_uri moved.
func (p *Provider) VerifyIDToken(ctx context.Context, rawIDToken, nonce string) (*oidc.IDToken, error) {
	md, err := p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	idt, err := md.Verifier(p.cfg.Name, p.cfg.ClientID, p.cfg.Now).Verify(ctx, rawIDToken, nonce)
	if errors.Is(err, oauthkit.ErrIDTokenSignature) && p.disc != nil {
		if fresh, rerr := p.disc.Refresh(ctx); rerr == nil && fresh.Endpoints.JWKSURL != md.Endpoints.JWKSURL {
			idt, err = fresh.Verifier(p.cfg.Name, p.cfg.ClientID, p.cfg.Now).Verify(ctx, rawIDToken, nonce)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := p.checkAuthTime(idt); err != nil {
		return nil, err
	}
	return idt, nil
}

// checkAuthTime applies OpenID Connect Core §3.1.3.7 step 13: when max_age
// was requested, auth_time is required and no older than max_age.
func (p *Provider) checkAuthTime(idt *oidc.IDToken) error {
	if p.cfg.MaxAge <= 0 {
		return nil
	}
	var c struct {
		AuthTime *float64 `json:"auth_time"`
	}
	if err := idt.Claims(&c); err != nil || c.AuthTime == nil {
		return fmt.Errorf("%s: verify id token: %w: no auth_time, which max_age requires", p.cfg.Name, oauthkit.ErrInvalidIDToken)
	}
	at := time.Unix(int64(*c.AuthTime), 0)
	if age := p.cfg.Now().Sub(at); age > p.cfg.MaxAge+discovery.MaxClockSkew {
		return fmt.Errorf("%s: verify id token: %w: auth_time is %s old, over max_age %s", p.cfg.Name, oauthkit.ErrIDTokenExpired, age.Round(time.Second), p.cfg.MaxAge)
	}
	return nil
}

// VerifyLogoutToken verifies a back-channel logout token (OpenID Connect
// Back-Channel Logout 1.0 §2.6) against the issuer's keys: signature, iss,
// aud and azp, iat, exp, the events claim, sub and/or sid, no nonce, a jti
// (whose single use the receiver checks), and the JOSE typ. Any failure
// wraps [oauthkit.ErrInvalidLogoutToken].
func (p *Provider) VerifyLogoutToken(ctx context.Context, raw string) (*oauthkit.LogoutToken, error) {
	md, err := p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	return md.LogoutVerifier(p.cfg.Name, p.cfg.ClientID, p.cfg.Now).Verify(ctx, raw)
}
