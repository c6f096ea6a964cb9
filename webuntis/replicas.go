package webuntis

import (
	"context"
	"errors"
	"sync/atomic"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// Replicas sharing one CredentialStore: a RESET the webhook delivers to one
// replica is stored there, and the other replicas' providers still hold the
// old password. Rather than read the store before every use (a Redis round
// trip on a path that is otherwise a few atomic loads; BenchmarkTenantsHit),
// a provider Tenants made reads its tenant's record when the token endpoint
// refuses its password. If the record holds other credentials, they are
// newer than the provider's: the provider for them replaces the tenant's
// entry, the refused provider forwards its fetches to it from then on (so
// that a Client or TokenSource a caller kept keeps working), and the
// request is sent once more with them. The refusal reaches the caller only
// when the stored credentials are the refused ones — or cannot be read, or
// are refused too. A RESET costs each other replica one refused request.
//
// The code flow's requests (Exchange, Refresh) are not sent again: a code
// or a refresh token is single-use, and the server may have spent it. When
// their client secret is refused and the store holds other credentials, the
// provider follows them from the next request on, and the error's advice
// names the secret as stale rather than as the wrong one of the two
// credentials.
//
// A token the forwarding provider fetches is kept under its own cache key,
// whose credential hash is the old password's: the key names where the
// token is kept, the token is the new credentials'. A provider sends no
// request with its old password after its first refusal.

// held ties a provider Tenants made to the record it was made from.
type held struct {
	t    *Tenants
	rev  uint64                   // the record's revision
	next atomic.Pointer[Provider] // the provider of the credentials that replaced these, once a refusal found them
}

// clientCredentials is [Provider.ClientCredentials] for a provider Tenants
// made: p's own request, or its successor's, and on a refusal the stored
// credentials' once, if they are others.
func (h *held) clientCredentials(ctx context.Context, p *Provider) (*oauth2.Token, error) {
	cur := p
	if n := h.next.Load(); n != nil {
		cur = n
	}
	tok, err := cur.ownClientCredentials(ctx)
	if err == nil || !credentialsRefused(err) {
		return tok, err
	}
	n, err := h.t.renew(ctx, cur, err)
	if n == nil {
		return nil, err
	}
	h.next.Store(n)
	if cur != p {
		cur.held.next.Store(n)
	}
	return n.ownClientCredentials(ctx)
}

// renew reads the tenant's record after refused, the refusal of p's
// credentials, and returns the provider of the stored credentials if they
// are others; else refused, with advice that names stale credentials when
// the stored ones are others but no provider can be made of them.
func (t *Tenants) renew(ctx context.Context, p *Provider, refused error) (*Provider, error) {
	tenant := p.cfg.Tenant
	c, err := t.cfg.Credentials.Get(ctx, tenant)
	if err != nil || p.sameCredentials(c) {
		// No record, or one that cannot be read, or the refused credentials
		// themselves: the refusal stands.
		return nil, refused
	}
	t.mu.Lock()
	e, ok := t.m[tenant]
	t.mu.Unlock()
	if ok && e.built() && e.err == nil && e.p.held.rev == c.Revision && e.p.sameCredentials(c) {
		return e.p, nil // another caller made it
	}
	n, err := t.newProvider(c)
	if err != nil {
		return nil, withAdvice(refused, adviceStale)
	}
	t.mu.Lock()
	t.m[tenant] = &tenantEntry{ready: closedReady, p: n}
	t.mu.Unlock()
	return n, nil
}

// closedReady is the ready channel of an entry made complete.
var closedReady = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// built reports whether e's build has ended.
func (e *tenantEntry) built() bool {
	select {
	case <-e.ready:
		return true
	default:
		return false
	}
}

// sameCredentials reports whether p was made from c's client id and
// credentials (in constant time).
func (p *Provider) sameCredentials(c *Credentials) bool {
	mine := Credentials{TenantID: p.cfg.Tenant, ClientID: p.cfg.ClientID, Secret: p.cfg.ClientSecret, Password: p.cfg.Password}
	return mine.sameAs(c)
}

// withAdvice returns err with its [oauthkit.Error]'s Advice replaced, or
// err itself if it holds none.
func withAdvice(err error, advice string) error {
	var e *oauthkit.Error
	if !errors.As(err, &e) {
		return err
	}
	e2 := *e
	e2.Advice = advice
	return &e2
}

// current returns the provider p's requests go to: the one of the
// credentials that replaced p's, once a refusal found them, else p.
func (p *Provider) current() *Provider {
	if p.held != nil {
		if n := p.held.next.Load(); n != nil {
			return n
		}
	}
	return p
}

// secretRefused is the error of a code-flow request (Exchange, Refresh)
// that failed with err: when err refuses the client secret of a provider
// Tenants made and the store holds other credentials, p follows them from
// the next request on and the advice names the secret as stale.
func (p *Provider) secretRefused(ctx context.Context, err error) error {
	if p.held == nil || !errors.Is(err, oauthkit.ErrInvalidClient) {
		return err
	}
	n, rerr := p.held.t.renew(ctx, p, err)
	if n == nil {
		return rerr
	}
	p.held.next.Store(n)
	return withAdvice(err, adviceStaleSecret)
}
