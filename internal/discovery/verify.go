package discovery

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

// keySet is go-oidc's remote key set, fetched through the bounded client. It
// notes a failed fetch of the keys in the context so that a key set that
// could not be reached is not reported as a forged signature (go-oidc
// flattens the cause with %v).
type keySet struct {
	remote *oidc.RemoteKeySet
}

// newKeySet returns the key set at jwksURL, fetched with hc's limits.
func newKeySet(jwksURL string, hc *httpc.Client) *keySet {
	return newKeySetAt(jwksURL, hc, time.Now)
}

// newKeySetAt is newKeySet with the refetch limit's clock.
func newKeySetAt(jwksURL string, hc *httpc.Client, now func() time.Time) *keySet {
	// go-oidc takes its HTTP client from a context value and ignores the
	// context's cancellation; the bounded client carries the timeout, and
	// its transport limits how often the keys are fetched again.
	client := hc.Bounded()
	client.Transport = &refetchLimit{base: client.Transport, now: now}
	ctx := oidc.ClientContext(context.Background(), client)
	return &keySet{remote: oidc.NewRemoteKeySet(ctx, jwksURL)}
}

type fetchFailure struct{ err error }

type fetchFailureKey struct{}

func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	payload, err := k.remote.VerifySignature(ctx, jwt)
	// go-oidc wraps only a failed fetch ("fetching keys %w"); a signature no
	// key verifies is a plain error.
	if err != nil && errors.Unwrap(err) != nil {
		if f, ok := ctx.Value(fetchFailureKey{}).(*fetchFailure); ok {
			f.err = err
		}
	}
	return payload, err
}

// Verifier checks ID tokens of one issuer for one client.
type Verifier struct {
	Provider string
	Issuer   string
	ClientID string
	Now      func() time.Time // nil: time.Now
	algs     []string
	keys     oidc.KeySet
}

// Verifier returns a verifier for clientID against the discovered issuer and
// keys. It accepts the public-key algorithms of m.SigningAlgs
// ([PublicKeyAlg]), whether they came from the discovery document's
// id_token_signing_alg_values_supported or from the configuration; none of
// them: RS256 only, go-oidc's default (OpenID Connect Core §3.1.3.7).
func (m *Metadata) Verifier(provider, clientID string, now func() time.Time) *Verifier {
	algs := slices.DeleteFunc(slices.Clone(m.SigningAlgs), func(a string) bool { return !PublicKeyAlg(a) })
	return &Verifier{Provider: provider, Issuer: m.Endpoints.Issuer, ClientID: clientID, Now: now, algs: algs, keys: m.keySet()}
}

// PublicKeyAlg reports whether alg, a JWS algorithm name, is one an ID
// token may be accepted with: not "none", which is no signature, and not
// an HMAC (HS256, HS384, HS512), whose key is the client secret, which the
// client holds too, so that it proves nothing about who signed (OpenID
// Connect Core §10.1). go-oidc refuses both anyway; naming them here keeps
// the rule visible in one place, for configured and discovered algorithms
// alike.
func PublicKeyAlg(alg string) bool {
	return !strings.EqualFold(alg, "none") && !strings.HasPrefix(strings.ToUpper(alg), "HS")
}

// keySet returns the issuer's keys, or a key set that verifies nothing when
// the metadata (an OAuth-only server's) names no jwks_uri.
func (m *Metadata) keySet() oidc.KeySet {
	if m.keys == nil {
		return noKeys{}
	}
	return m.keys
}

// noKeys is the key set of a server that publishes none.
type noKeys struct{}

func (noKeys) VerifySignature(context.Context, string) ([]byte, error) {
	return nil, errors.New("the server's metadata names no jwks_uri")
}

// NewVerifier returns a verifier over an explicit key set.
func NewVerifier(provider, issuer, clientID string, keys oidc.KeySet, now func() time.Time) *Verifier {
	return &Verifier{Provider: provider, Issuer: issuer, ClientID: clientID, Now: now, keys: keys}
}

// MaxClockSkew is how far ahead of the verifier's clock an ID token's iat may
// be. go-oidc does not check iat (it allows nbf the same five minutes); a
// token issued further in the future was minted by a server whose clock is
// wrong, or made to outlive its exp checks (OpenID Connect Core §3.1.3.7
// step 10 lets the client refuse it).
const MaxClockSkew = 5 * time.Minute

// Verify checks raw with go-oidc — signature, iss, aud, exp, nbf — then iat
// (no more than [MaxClockSkew] ahead), azp (OpenID Connect Core §3.1.3.7)
// and the nonce, in constant time. An empty nonce is refused: every ID token
// this library accepts answers a request that sent one.
func (v *Verifier) Verify(ctx context.Context, raw, nonce string) (*oidc.IDToken, error) {
	idt, err := v.verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, v.fail(oauthkit.ErrNonceMismatch, "")
	}
	return idt, nil
}

// VerifyRefreshed checks an ID token from a refresh answer (OpenID Connect
// Core §12.2) as Verify does, but for the nonce, which such a token need
// not carry and the client no longer holds.
func (v *Verifier) VerifyRefreshed(ctx context.Context, raw string) (*oidc.IDToken, error) {
	return v.verify(ctx, raw)
}

// verify is Verify's checks but the nonce.
func (v *Verifier) verify(ctx context.Context, raw string) (*oidc.IDToken, error) {
	failure := &fetchFailure{}
	if err := ctx.Err(); err != nil {
		// go-oidc may still verify against cached keys, or race a key
		// fetch it finished against the ended ctx: an ended call ends here.
		return nil, v.classify(ctx, raw, err, failure)
	}
	ctx = context.WithValue(ctx, fetchFailureKey{}, failure)
	idt, err := v.verifier(false).Verify(ctx, raw)
	if err != nil {
		return nil, v.classify(ctx, raw, err, failure)
	}
	var c struct {
		AZP string `json:"azp"`
	}
	if err := idt.Claims(&c); err != nil {
		return nil, v.fail(oauthkit.ErrInvalidIDToken, "claims do not parse")
	}
	if now := v.now(); idt.IssuedAt.After(now.Add(MaxClockSkew)) {
		return nil, v.fail(oauthkit.ErrIDTokenExpired, fmt.Sprintf("iat is %s ahead of the clock", idt.IssuedAt.Sub(now).Round(time.Second)))
	}
	if (len(idt.Audience) > 1 || c.AZP != "") && c.AZP != v.ClientID {
		return nil, v.fail(oauthkit.ErrIDTokenAudience, fmt.Sprintf("azp %q is not client %q", c.AZP, v.ClientID))
	}
	return idt, nil
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) verifier(lax bool) *oidc.IDTokenVerifier {
	return oidc.NewVerifier(v.Issuer, v.keys, &oidc.Config{
		ClientID:             v.ClientID,
		SupportedSigningAlgs: v.algs,
		Now:                  v.Now,
		SkipClientIDCheck:    lax,
		SkipExpiryCheck:      lax,
		SkipIssuerCheck:      lax,
	})
}

// classify names the check go-oidc refused. The decision is go-oidc's; this
// only reads the claims of a token whose signature verifies to say which
// claim failed, in go-oidc's order (iss, aud, exp).
func (v *Verifier) classify(ctx context.Context, raw string, err error, failure *fetchFailure) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: verify id token: %w", v.Provider, ctx.Err())
	}
	if failure.err != nil {
		return fmt.Errorf("%s: verify id token: %w", v.Provider, failure.err)
	}
	if _, ok := errors.AsType[*oidc.TokenExpiredError](err); ok {
		return v.fail(oauthkit.ErrIDTokenExpired, "")
	}
	idt, lerr := v.verifier(true).Verify(ctx, raw)
	switch {
	case failure.err != nil:
		return fmt.Errorf("%s: verify id token: %w", v.Provider, failure.err)
	case lerr != nil:
		return v.fail(oauthkit.ErrIDTokenSignature, lerr.Error())
	case idt.Issuer != v.Issuer:
		return v.fail(oauthkit.ErrIDTokenIssuer, fmt.Sprintf("iss %q, expected %q", idt.Issuer, v.Issuer))
	case !slices.Contains(idt.Audience, v.ClientID):
		return v.fail(oauthkit.ErrIDTokenAudience, fmt.Sprintf("aud %q does not hold client %q", idt.Audience, v.ClientID))
	default: // nbf ahead, or a check go-oidc added later
		return v.fail(oauthkit.ErrIDTokenExpired, err.Error())
	}
}

func (v *Verifier) fail(sentinel error, detail string) error {
	if detail == "" {
		return fmt.Errorf("%s: verify id token: %w", v.Provider, sentinel)
	}
	return fmt.Errorf("%s: verify id token: %w: %s", v.Provider, sentinel, detail)
}
