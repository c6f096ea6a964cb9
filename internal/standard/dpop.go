package standard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/dpop"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// ErrUseDPoPNonce is the error code of a server that wants a nonce in the
// DPoP proof (RFC 9449 §8).
const ErrUseDPoPNonce oauthkit.ErrorCode = "use_dpop_nonce"

// dpopToken sends r with a DPoP proof (RFC 9449 §5) by Options.DPoP: htm
// POST, htu the token endpoint, a fresh jti, and the authorization
// server's last nonce (kept apart from the resource servers', even on the
// same origin). The answer's DPoP-Nonce, on success or error, is kept for
// the next request. An error use_dpop_nonce that came with a new nonce is
// answered by one more request with a fresh proof carrying that nonce,
// the one this answer gave rather than whatever another answer left in
// the shared memory since (§8.1) — the server refused the first before
// looking at the grant, so a code or a rotating refresh token is not spent
// by it; a second use_dpop_nonce is returned.
//
// The answer must be a DPoP token (token_type DPoP, case-insensitive): a
// Bearer one is refused with [dpop.ErrBearer], since a provider configured
// for DPoP must not quietly use unbound tokens (a server that ignores DPoP
// answers Bearer, §5). The token carries the key's thumbprint in its
// extras ([dpop.ExtraJKT]), kept by the token caches with it.
func (p *Provider) dpopToken(ctx context.Context, r oauthwire.Request) (*oauth2.Token, error) {
	key, nonces := p.o.DPoP, p.o.DPoPNonces
	r.DPoPJKT = key.Thumbprint()
	nonce := nonces.Get(dpop.AuthorizationServer, r.TokenURL)
	for attempt := 0; ; attempt++ {
		sent, got := nonce, ""
		r.DPoP = func(context.Context) (string, error) {
			return key.Proof(http.MethodPost, r.TokenURL, sent, "", p.o.Now())
		}
		r.Header = func(h http.Header) { got = nonces.Update(dpop.AuthorizationServer, r.TokenURL, h) }
		tok, err := p.wire.Token(ctx, r)
		if err != nil {
			if attempt == 0 && got != "" && got != sent && errors.Is(err, ErrUseDPoPNonce) {
				nonce = got
				continue
			}
			return nil, err
		}
		if !strings.EqualFold(tok.TokenType, "DPoP") {
			err := fmt.Errorf("%s: %s: %w", p.o.Name, r.Op, dpop.ErrBearer)
			if r.Op == oauthkit.OpRefresh {
				err = p.refusedRefresh(ctx, r.Params.Get("refresh_token"), tok, err)
			}
			return nil, err
		}
		return tok, nil
	}
}

// checkDPoP returns a configuration error when md lists the DPoP proof
// algorithms the server takes (dpop_signing_alg_values_supported, RFC
// 9449 §5.1) and Options.DPoP's is not among them: every proof would be
// refused with invalid_dpop_proof, so the first request that would carry
// one fails at once, naming the fix. The error is an
// [*oauthkit.ConfigError] on DPoP and matches [dpop.ErrAlgorithm].
func (p *Provider) checkDPoP(md *discovery.Metadata) error {
	if p.o.DPoP == nil {
		return nil
	}
	if err := p.o.DPoP.CheckAlgorithm(md.DPoPSigningAlgs); err != nil {
		return &dpopConfigError{
			ConfigError: oauthkit.ConfigError{Provider: p.o.Name, Field: "DPoP",
				Reason: fmt.Sprintf("key's algorithm %s is not in the server's dpop_signing_alg_values_supported %q; give a key of one of them, or set DPoP.Algorithm to one the key can sign", p.o.DPoP.Algorithm(), md.DPoPSigningAlgs)},
			cause: err,
		}
	}
	return nil
}

// dpopConfigError is a ConfigError that matches the cause's sentinel too.
type dpopConfigError struct {
	oauthkit.ConfigError
	cause error
}

func (e *dpopConfigError) Unwrap() []error { return []error{&e.ConfigError, e.cause} }

// DPoP returns Options.DPoP and DPoPNonces, nil without DPoP.
func (p *Provider) DPoP() (*dpop.Key, *dpop.Nonces) { return p.o.DPoP, p.o.DPoPNonces }

// resourceAuth is how tok goes to a resource endpoint of the server (the
// userinfo endpoint): nil (Bearer) for a token that is not DPoP-bound, else
// "Authorization: DPoP" with a fresh proof with ath (RFC 9449 §7). The
// DPoP-Nonce of every answer, a success's too, is kept (§9) as the
// resource server's; a 401 use_dpop_nonce with a nonce other than the one
// sent is retried once, with that nonce. A DPoP token without the key's
// binding is sent as it is with a proof and let fail there.
func (p *Provider) resourceAuth(target string, tok *oauth2.Token) *discovery.ResourceAuth {
	if p.o.DPoP == nil || tok == nil || !strings.EqualFold(tok.TokenType, "DPoP") {
		return nil
	}
	key, nonces := p.o.DPoP, p.o.DPoPNonces
	sent, next := "", "" // the nonce the last proof carried; the one the next must
	return &discovery.ResourceAuth{
		Header: func() (http.Header, error) {
			sent, next = next, ""
			if sent == "" {
				sent = nonces.Get(dpop.ResourceServer, target)
			}
			proof, err := key.Proof(http.MethodGet, target, sent, tok.AccessToken, p.o.Now())
			if err != nil {
				return nil, err
			}
			return http.Header{"Authorization": {"DPoP " + tok.AccessToken}, "Dpop": {proof}}, nil
		},
		Answer: func(resp *httpc.Response) bool {
			got := nonces.Update(dpop.ResourceServer, target, resp.Header)
			if got == "" || got == sent || resp.StatusCode != http.StatusUnauthorized {
				return false
			}
			for _, v := range resp.Header.Values("WWW-Authenticate") {
				if httpc.ChallengeError(v, "DPoP") == string(ErrUseDPoPNonce) {
					next = got
					return true
				}
			}
			return false
		},
	}
}
