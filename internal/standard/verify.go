package standard

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
)

// VerifyIDToken verifies an ID token (OpenID Connect Core §3.1.3.7) with
// go-oidc against the issuer's keys: signature (with the algorithms the
// metadata lists), iss, aud and azp, exp, iat (at most five minutes ahead),
// the nonce in constant time, and, with Options.MaxAge, auth_time. A token
// signed with a key the key set does not hold makes go-oidc fetch the keys
// again; if it still fails, the metadata is fetched again (at most once a
// minute), and the check repeated once if the jwks_uri moved.
func (p *Provider) VerifyIDToken(ctx context.Context, rawIDToken, nonce string) (*oidc.IDToken, error) {
	idt, err := p.verify(ctx, func(v *discovery.Verifier) (*oidc.IDToken, error) { return v.Verify(ctx, rawIDToken, nonce) })
	if err != nil {
		return nil, err
	}
	if err := p.checkAuthTime(idt); err != nil {
		return nil, err
	}
	return idt, nil
}

// verify runs check with the current metadata's verifier and, when the
// signature fails, once more with fresh metadata whose jwks_uri moved; then
// it requires the claims OpenID Connect Core §2 requires and go-oidc does
// not check: sub and iat.
func (p *Provider) verify(ctx context.Context, check func(*discovery.Verifier) (*oidc.IDToken, error)) (*oidc.IDToken, error) {
	md, err := p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	idt, err := check(md.Verifier(p.o.Name, p.o.ClientID, p.o.Now))
	if errors.Is(err, oauthkit.ErrIDTokenSignature) && p.disc != nil {
		if fresh, rerr := p.disc.Refresh(ctx); rerr == nil && fresh.Endpoints.JWKSURL != md.Endpoints.JWKSURL {
			idt, err = check(fresh.Verifier(p.o.Name, p.o.ClientID, p.o.Now))
		}
	}
	if err != nil {
		return nil, err
	}
	switch {
	case idt.Subject == "":
		return nil, fmt.Errorf("%s: verify id token: %w: no sub", p.o.Name, oauthkit.ErrInvalidIDToken)
	case idt.IssuedAt.IsZero():
		return nil, fmt.Errorf("%s: verify id token: %w: no iat", p.o.Name, oauthkit.ErrInvalidIDToken)
	}
	return idt, nil
}

// checkRefreshed verifies the ID token of a refresh answer, if it has one
// (OpenID Connect Core §12.2): signature, iss, aud, azp, exp, iat, sub.
// The nonce and the subject of the login it continues are not known here.
func (p *Provider) checkRefreshed(ctx context.Context, tok *oauth2.Token) error {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" || !p.o.OpenID {
		return nil
	}
	_, err := p.verify(ctx, func(v *discovery.Verifier) (*oidc.IDToken, error) { return v.VerifyRefreshed(ctx, raw) })
	return err
}

// checkAuthTime applies OpenID Connect Core §3.1.3.7 step 13: when max_age
// was requested, auth_time is required and no older than max_age.
func (p *Provider) checkAuthTime(idt *oidc.IDToken) error {
	if p.o.MaxAge <= 0 {
		return nil
	}
	var c struct {
		AuthTime *float64 `json:"auth_time"`
	}
	if err := idt.Claims(&c); err != nil || c.AuthTime == nil {
		return fmt.Errorf("%s: verify id token: %w: no auth_time, which max_age requires", p.o.Name, oauthkit.ErrInvalidIDToken)
	}
	at := time.Unix(int64(*c.AuthTime), 0)
	if age := p.o.Now().Sub(at); age > p.o.MaxAge+discovery.MaxClockSkew {
		return fmt.Errorf("%s: verify id token: %w: auth_time is %s old, over max_age %s", p.o.Name, oauthkit.ErrIDTokenExpired, age.Round(time.Second), p.o.MaxAge)
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
	return md.LogoutVerifier(p.o.Name, p.o.ClientID, p.o.Now).Verify(ctx, raw)
}
