package openid

import (
	"context"
	"crypto"
	"crypto/subtle"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/dpop"
	"github.com/seed-e8f4a5f7/oauthkit/internal/standard"
)

// DPoP turns on sender-constrained tokens (RFC 9449, OAuth 2.0
// Demonstrating Proof of Possession) for a [Provider]. Every token
// request then carries a fresh proof signed by Key; the server binds the
// tokens it issues to that key, and a stolen token is useless without it.
// See docs/dpop.md.
type DPoP struct {
	// Key is the private key that signs the proofs: an *ecdsa.PrivateKey
	// (P-256: ES256, the default of RFC 9449's servers), an
	// *rsa.PrivateKey of 2048 bits or more (PS256, or RS256 with
	// Algorithm) or an ed25519.PrivateKey (EdDSA). Zero: New makes a fresh
	// ES256 key, for this process only. Replicas that share
	// Config.Cache's Store must all be given the same key, like the other
	// secrets: a token is bound to one key, and a replica with another
	// refetches it (the store keeps only the key's thumbprint, never the
	// key).
	Key crypto.Signer
	// Algorithm is the proofs' JWS algorithm. Zero: from Key (ES256 for a
	// generated key).
	Algorithm string
}

// Errors of DPoP.
var (
	// ErrDPoPBearer: the server answered a token request that carried a
	// DPoP proof with a Bearer token (it does not support DPoP, or not for
	// this client). A Provider with Config.DPoP refuses it rather than use
	// an unbound token.
	ErrDPoPBearer = dpop.ErrBearer
	// ErrDPoPKeyMismatch: a cached token is bound to another DPoP key than
	// the Provider's (a replica configured with another key, a key
	// changed, a token cached before DPoP was turned on). A client
	// credentials token is then fetched anew; a user's token source
	// returns this error.
	ErrDPoPKeyMismatch = dpop.ErrKeyMismatch
	// ErrDPoPAlgorithm: the server's metadata lists the DPoP proof
	// algorithms it takes (dpop_signing_alg_values_supported, RFC 9449
	// §5.1) and the key's is not among them (an RSA key's default PS256 at
	// a server that takes ES256 only): every proof would be refused. The
	// first token request or AuthCodeURL fails with an
	// [*oauthkit.ConfigError] on DPoP that matches it, before anything is
	// sent to the server. A server configured by Endpoints publishes no
	// such list, and is not checked.
	ErrDPoPAlgorithm = dpop.ErrAlgorithm
)

// ErrUseDPoPNonce is the error code of a server that wants its nonce in
// the DPoP proof (RFC 9449 §8). The Provider retries once with the nonce
// the server sent; the code reaches the caller only when the server asks
// again.
const ErrUseDPoPNonce = standard.ErrUseDPoPNonce

// dpopOptions sets the engine's DPoP options from Config.DPoP.
func (c *Config) dpopOptions(o *standard.Options) error {
	if c.DPoP == nil {
		return nil
	}
	key, err := dpop.NewKey(c.DPoP.Key, c.DPoP.Algorithm)
	if err != nil {
		return &oauthkit.ConfigError{Provider: c.Name, Field: "DPoP", Reason: err.Error()}
	}
	o.DPoP, o.DPoPNonces = key, &dpop.Nonces{}
	return nil
}

// DPoPThumbprint returns the JWK SHA-256 thumbprint (RFC 7638) of the
// DPoP key, the jkt the server binds tokens to (and the dpop_jkt of
// authorization requests); "" without Config.DPoP.
func (p *Provider) DPoPThumbprint() string {
	if k, _ := p.std.DPoP(); k != nil {
		return k.Thumbprint()
	}
	return ""
}

// Token returns the cached client-credentials token (see
// [tokencache.Cache.Token]). With Config.DPoP it is a DPoP token bound to
// the Provider's key: a cached one bound to another key is dropped and
// fetched anew once; if that one is not bound either, the error wraps
// [ErrDPoPKeyMismatch].
func (p *Provider) Token(ctx context.Context) (*oauth2.Token, error) {
	key, _ := p.std.DPoP()
	tok, err := p.clientTokens.Token(ctx)
	if key == nil || err != nil || key.Bound(tok) {
		return tok, err
	}
	if err := p.clientTokens.InvalidateToken(ctx); err != nil {
		return nil, err
	}
	if tok, err = p.clientTokens.Token(ctx); err != nil {
		return nil, err
	}
	if !key.Bound(tok) {
		return nil, fmt.Errorf("%s: token: %w", p.cfg.Name, ErrDPoPKeyMismatch)
	}
	return tok, nil
}

// TokenSource returns the cached client-credentials tokens as an
// [oauth2.TokenSource]: [Provider.Token] without a ctx.
func (p *Provider) TokenSource() oauth2.TokenSource {
	if k, _ := p.std.DPoP(); k == nil {
		return p.clientTokens.TokenSource()
	}
	return dpopSource{p}
}

type dpopSource struct{ p *Provider }

func (s dpopSource) Token() (*oauth2.Token, error) { return s.p.Token(context.Background()) }

// Client returns an HTTP client for the server's APIs that sends the
// cached client-credentials token with every request (see
// [tokencache.Cache.Client]). With Config.DPoP it sends
// "Authorization: DPoP <token>" and a fresh proof with ath in the DPoP
// header (RFC 9449 §7), keeps the DPoP-Nonce of every answer (each
// resource server's apart from the token endpoint's), and sends a
// request once more when the resource server asks for a nonce
// (WWW-Authenticate: DPoP error="use_dpop_nonce", §9) or rejects the token
// (error="invalid_token", after which a new token is fetched).
func (p *Provider) Client() *http.Client {
	hc := p.clientTokens.Client() // its redirect check and timeout
	key, nonces := p.std.DPoP()
	if key == nil {
		return hc
	}
	var base http.RoundTripper
	if p.cfg.HTTPClient != nil {
		base = p.cfg.HTTPClient.Transport
	}
	hc.Transport = &dpop.Transport{
		Key: key, Nonces: nonces, Base: base, Now: p.cfg.Now, Prefix: p.cfg.Name,
		Token: p.Token,
		Renew: func(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
			cur, err := p.Token(ctx)
			if err == nil && subtle.ConstantTimeCompare([]byte(cur.AccessToken), []byte(rejected.AccessToken)) == 1 {
				if err = p.clientTokens.InvalidateToken(ctx); err == nil {
					cur, err = p.Token(ctx)
				}
			}
			return cur, err
		},
	}
	return hc
}

// TokenTransport implements [oauthkit.TokenTransporter]: with Config.DPoP,
// a transport that sends the tokens token gives as Client does (DPoP
// proof with ath, server nonces, one renewal with renew after
// invalid_token) — package web's per-user client sends a session's tokens
// through it; without DPoP, nil (Bearer tokens).
func (p *Provider) TokenTransport(base http.RoundTripper, token func(context.Context) (*oauth2.Token, error), renew func(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error)) http.RoundTripper {
	key, nonces := p.std.DPoP()
	if key == nil {
		return nil
	}
	return &dpop.Transport{Key: key, Nonces: nonces, Base: base, Now: p.cfg.Now, Prefix: p.cfg.Name, Token: token, Renew: renew}
}

// UserTokenSource returns a token source for one user's login (see
// [tokencache.Cache.RefreshingSource]); with Config.DPoP each refresh
// carries a proof, and a token bound to another key than the Provider's
// is an error wrapping [ErrDPoPKeyMismatch] (the login must be redone
// with this key).
func (p *Provider) UserTokenSource(user string, tok *oauth2.Token) oauth2.TokenSource {
	src := p.userTokens.UserTokenSource(user, tok)
	if k, _ := p.std.DPoP(); k != nil {
		return userDPoPSource{src: src, key: k, name: p.cfg.Name}
	}
	return src
}

type userDPoPSource struct {
	src  oauth2.TokenSource
	key  *dpop.Key
	name string
}

func (s userDPoPSource) Token() (*oauth2.Token, error) {
	tok, err := s.src.Token()
	if err != nil {
		return nil, err
	}
	if !s.key.Bound(tok) {
		return nil, fmt.Errorf("%s: user token: %w", s.name, ErrDPoPKeyMismatch)
	}
	return tok, nil
}
