package webuntis

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// TenantsConfig configures [Tenants].
type TenantsConfig struct {
	// Credentials holds each tenant's credentials, as the credentials
	// webhook delivered them. Required.
	Credentials CredentialStore

	// Config is what every tenant's [Provider] is built from: BaseURL,
	// HTTPClient, Timeout, BasicEncoding, RedirectURL, Scopes, Now, Logger,
	// Metrics and Cache. Tenant, ClientID, ClientSecret and Password come
	// from the tenant's credentials; Issuer must be empty (each tenant has
	// its own). Config.Cache is the one cache all tenants share; zero: a new
	// tokencache.Cache.
	Config Config
}

// Tenants is the providers of many tenants (schools) over one
// [CredentialStore] and one shared [tokencache.Cache]: it hands out the
// [Provider], token source and HTTP client for a tenant id, creating the
// provider on first use from the stored credentials and dropping it when the
// tenant's credentials are replaced or deleted through it. A tenant held
// costs a Provider (a few kilobytes) and its cache entry; a token costs
// nothing until it is used.
//
// Tenants is itself a CredentialStore: give it to [NewWebhookHandler] as
// [WebhookConfig.Credentials], and a RESET replaces the tenant's provider and
// invalidates the old credentials' cached token. Replicas each with their
// own Tenants on one shared store follow a RESET another replica stored when
// their old password is refused (see [Tenants.Provider]). It is safe for
// concurrent use.
type Tenants struct {
	cfg TenantsConfig

	mu sync.Mutex
	m  map[string]*tenantEntry
}

// tenantEntry is one tenant's provider, built once: ready is closed when p
// or err is set.
type tenantEntry struct {
	ready chan struct{}
	p     *Provider
	err   error
}

var _ CredentialStore = (*Tenants)(nil)

// NewTenants validates cfg and returns an empty registry; it sends no
// request and reads no credentials.
func NewTenants(cfg TenantsConfig) (*Tenants, error) {
	if cfg.Credentials == nil {
		return nil, &oauthkit.ConfigError{Provider: name, Field: "Credentials", Reason: "is required"}
	}
	if cfg.Config.Issuer != "" {
		return nil, &oauthkit.ConfigError{Provider: name, Field: "Config.Issuer", Reason: "must be empty: each tenant has its own issuer"}
	}
	check := credentialsConfig(cfg.Config, &Credentials{TenantID: "check", ClientID: "check", Password: "check"})
	if err := check.validate(); err != nil {
		var ce *oauthkit.ConfigError
		if errors.As(err, &ce) {
			ce.Field = "Config." + ce.Field
		}
		return nil, err
	}
	cfg.Config.BaseURL = check.BaseURL // normalized once
	if cfg.Config.Cache == nil {
		cfg.Config.Cache = tokencache.New(tokencache.Config{Logger: cfg.Config.Logger, Metrics: cfg.Config.Metrics})
	}
	return &Tenants{cfg: cfg, m: map[string]*tenantEntry{}}, nil
}

// Cache returns the cache the tenants' tokens live in.
func (t *Tenants) Cache() *tokencache.Cache { return t.cfg.Config.Cache }

// Provider returns the tenant's provider, built from its stored credentials
// on first use and kept until they change. An error wraps
// [ErrNoCredentials] for a tenant without credentials; a failed build is
// not kept, the next call tries again.
//
// A provider Tenants made follows its tenant's record: when its password is
// refused and the store holds other credentials for the tenant (a RESET
// another replica stored), it makes a provider from those, hands out that
// one from then on, and sends the refused request again with them, once.
// A caller holding it, or its TokenSource or Client, sees no failure.
func (t *Tenants) Provider(ctx context.Context, tenant string) (*Provider, error) {
	for {
		t.mu.Lock()
		e, ok := t.m[tenant]
		if !ok {
			e = &tenantEntry{ready: make(chan struct{})}
			t.m[tenant] = e
		}
		t.mu.Unlock()
		if !ok {
			e.p, e.err = t.build(ctx, tenant)
			if e.err != nil {
				t.forget(tenant, e)
			}
			close(e.ready)
			return e.p, e.err
		}
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err == nil {
			return e.p, nil
		}
		// Another caller's build failed (perhaps for its ctx): try again.
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

func (t *Tenants) build(ctx context.Context, tenant string) (*Provider, error) {
	c, err := t.cfg.Credentials.Get(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return t.newProvider(c)
}

// newProvider makes the provider of c, tied to c's record.
func (t *Tenants) newProvider(c *Credentials) (*Provider, error) {
	p, err := New(credentialsConfig(t.cfg.Config, c))
	if err != nil {
		return nil, err
	}
	p.held = &held{t: t, rev: c.Revision}
	return p, nil
}

// forget removes e, if it is still the tenant's entry.
func (t *Tenants) forget(tenant string, e *tenantEntry) {
	t.mu.Lock()
	if t.m[tenant] == e {
		delete(t.m, tenant)
	}
	t.mu.Unlock()
}

// TokenSource returns the tenant's cached client-credentials tokens
// ([Provider.TokenSource]).
func (t *Tenants) TokenSource(ctx context.Context, tenant string) (oauth2.TokenSource, error) {
	p, err := t.Provider(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return p.TokenSource(), nil
}

// Client returns an HTTP client for the tenant's API calls
// ([Provider.Client]): it sends the cached token, and after a 401 with
// error="invalid_token" renews it and retries once.
func (t *Tenants) Client(ctx context.Context, tenant string) (*http.Client, error) {
	p, err := t.Provider(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return p.Client(), nil
}

// Len returns the number of tenants whose provider is held.
func (t *Tenants) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// Put implements [CredentialStore]: it stores c (compare-and-swap on
// c.Revision) and, if c replaces other credentials, drops the tenant's
// provider and invalidates the old credentials' cached token, so that no
// call goes out with them again.
func (t *Tenants) Put(ctx context.Context, c *Credentials) (uint64, error) {
	if c == nil || c.TenantID == "" {
		return 0, errNoTenant
	}
	prev, err := t.cfg.Credentials.Get(ctx, c.TenantID)
	switch {
	case errors.Is(err, ErrNoCredentials), errors.Is(err, ErrUnreadableCredentials):
		prev = nil // no credentials whose token could be named
	case err != nil:
		return 0, err
	}
	rev, err := t.cfg.Credentials.Put(ctx, c)
	if err != nil {
		return 0, err
	}
	if prev != nil && prev.Revision != c.Revision {
		prev = nil // read before another Put: not the record c replaced
	}
	if prev == nil || !prev.sameAs(c) {
		t.drop(ctx, c.TenantID, prev)
	}
	return rev, nil
}

// Get implements [CredentialStore].
func (t *Tenants) Get(ctx context.Context, tenant string) (*Credentials, error) {
	return t.cfg.Credentials.Get(ctx, tenant)
}

// Delete implements [CredentialStore]: it deletes the tenant's credentials,
// drops its provider and invalidates its cached token.
func (t *Tenants) Delete(ctx context.Context, tenant string) error {
	prev, err := t.cfg.Credentials.Get(ctx, tenant)
	if err != nil && !errors.Is(err, ErrNoCredentials) {
		return err
	}
	if err := t.cfg.Credentials.Delete(ctx, tenant); err != nil {
		return err
	}
	t.drop(ctx, tenant, prev)
	return nil
}

// drop forgets the tenant's provider (the next call builds one from the
// stored credentials) and invalidates the token of prev, the credentials it
// had.
func (t *Tenants) drop(ctx context.Context, tenant string, prev *Credentials) {
	t.mu.Lock()
	delete(t.m, tenant)
	t.mu.Unlock()
	if prev != nil {
		invalidateCredentials(ctx, t.cfg.Config, prev)
	}
}
