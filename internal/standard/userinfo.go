package standard

import (
	"context"
	"fmt"

	"github.com/coreos/go-oidc/v3/oidc"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
)

// FetchUserInfo asks the userinfo endpoint (OpenID Connect Core §5.3) who
// tok's user is. A signed answer (application/jwt) is verified with the
// issuer's keys, and its iss and aud, when present, must be the issuer and
// this client ([discovery.ErrInvalidUserInfo]). [oauthkit.Complete] calls it after
// the ID token and refuses a subject other than the ID token's.
//
// A server without a userinfo_endpoint (it is optional, OpenID Connect
// Discovery §3) answers from tok's ID token instead, verified as after a
// refresh (signature, iss, aud, exp, iat, sub); without one either, the
// error matches errors.ErrUnsupported.
func (p *Provider) FetchUserInfo(ctx context.Context, tok *oauth2.Token) (*oauthkit.UserInfo, error) {
	md, err := p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	access := ""
	if tok != nil {
		access = tok.AccessToken
	}
	var claims map[string]any
	if md.Endpoints.UserInfoURL == "" && tok != nil && tok.Extra("id_token") != nil {
		claims, err = p.idTokenClaims(ctx, tok)
	} else {
		claims, err = md.UserInfoAuth(ctx, p.o.Name, p.wire.HTTP, p.o.ClientID, access, p.resourceAuth(md.Endpoints.UserInfoURL, tok))
	}
	if err != nil {
		return nil, err
	}
	ui := &oauthkit.UserInfo{Raw: claims}
	ui.Subject, _ = claims["sub"].(string)
	ui.Email, _ = claims["email"].(string)
	ui.Name, _ = claims["name"].(string)
	return ui, nil
}

// idTokenClaims verifies tok's ID token and returns its claims.
func (p *Provider) idTokenClaims(ctx context.Context, tok *oauth2.Token) (map[string]any, error) {
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.verify(ctx, func(v *discovery.Verifier) (*oidc.IDToken, error) { return v.VerifyRefreshed(ctx, raw) })
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%s: %s: %w: claims do not parse", p.o.Name, discovery.OpUserInfo, oauthkit.ErrInvalidIDToken)
	}
	return claims, nil
}
