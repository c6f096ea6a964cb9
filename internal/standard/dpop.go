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
// POST, htu the token endpoint, a fresh jti, and the token endpoint's last
// nonce. The answer's DPoP-Nonce, on success or error, is kept for the next
// request. An error use_dpop_nonce that came with a new nonce is answered
// by one more request with a fresh proof carrying it (§8.1) — the server
// refused the first before looking at the grant, so a code or a rotating
// refresh token is not spent by it; a second use_dpop_nonce is returned.
//
// The answer must be a DPoP token (token_type DPoP, case-insensitive): a
// Bearer one is refused with [dpop.ErrBearer], since a provider configured
// for DPoP must not quietly use unbound tokens (a server that ignores DPoP
// answers Bearer, §5). The token carries the key's thumbprint in its
// extras ([dpop.ExtraJKT]), kept by the token caches with it.
func (p *Provider) dpopToken(ctx context.Context, r oauthwire.Request) (*oauth2.Token, error) {
	key, nonces := p.o.DPoP, p.o.DPoPNonces
	r.DPoPJKT = key.Thumbprint()
	for attempt := 0; ; attempt++ {
		sent := nonces.Get(r.TokenURL)
		fresh := false
		r.DPoP = func(context.Context) (string, error) {
			return key.Proof(http.MethodPost, r.TokenURL, sent, "", p.o.Now())
		}
		r.Header = func(h http.Header) {
			if n := h.Get("DPoP-Nonce"); n != "" && n != sent {
				fresh = true
				nonces.Set(r.TokenURL, n)
			}
		}
		tok, err := p.wire.Token(ctx, r)
		if err != nil {
			if attempt == 0 && fresh && errors.Is(err, ErrUseDPoPNonce) {
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

// DPoP returns Options.DPoP and DPoPNonces, nil without DPoP.
func (p *Provider) DPoP() (*dpop.Key, *dpop.Nonces) { return p.o.DPoP, p.o.DPoPNonces }

// resourceAuth is how tok goes to a resource endpoint of the server (the
// userinfo endpoint): nil (Bearer) for a token that is not DPoP-bound, else
// "Authorization: DPoP" with a fresh proof with ath (RFC 9449 §7), retried
// once when the endpoint asks for a nonce (§9). A DPoP token without the
// key's binding is sent as it is with a proof and let fail there.
func (p *Provider) resourceAuth(target string, tok *oauth2.Token) *discovery.ResourceAuth {
	if p.o.DPoP == nil || tok == nil || !strings.EqualFold(tok.TokenType, "DPoP") {
		return nil
	}
	key, nonces := p.o.DPoP, p.o.DPoPNonces
	return &discovery.ResourceAuth{
		Header: func() (http.Header, error) {
			proof, err := key.Proof(http.MethodGet, target, nonces.Get(target), tok.AccessToken, p.o.Now())
			if err != nil {
				return nil, err
			}
			return http.Header{"Authorization": {"DPoP " + tok.AccessToken}, "Dpop": {proof}}, nil
		},
		Retry: func(resp *httpc.Response) bool {
			sent := nonces.Get(target)
			fresh := resp.Header.Get("DPoP-Nonce") != "" && resp.Header.Get("DPoP-Nonce") != sent
			nonces.Update(target, resp.Header)
			if !fresh || resp.StatusCode != http.StatusUnauthorized {
				return false
			}
			for _, v := range resp.Header.Values("WWW-Authenticate") {
				if httpc.ChallengeError(v, "DPoP") == string(ErrUseDPoPNonce) {
					return true
				}
			}
			return false
		},
	}
}
