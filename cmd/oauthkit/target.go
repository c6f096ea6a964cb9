package main

import (
	"context"
	"flag"
	"net/http"
	"sync"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

// target is the vendor a command runs against: its settings and, with
// --fake, the running fake.
type target struct {
	vendor string
	r      *resolved
	o      *vendorFlags
	fake   *fake
	client *http.Client     // the fake's client, or one over a Date-recording transport
	dates  *dateRecorder    // the Date of the last answer, for LicenseSpring's clock check
	now    func() time.Time // this machine's clock (the clock-skew mix-up moves it)
}

// vendorTransport carries the requests to the vendor (without --fake);
// tests replace it.
var vendorTransport http.RoundTripper = http.DefaultTransport

// open resolves the settings and starts the fake when --fake is set.
// redirect is the loopback callback URL of login, or "".
func open(ctx context.Context, fs *flag.FlagSet, c *cli, o *vendorFlags, vendor, redirect string) (*target, error) {
	// With --fake, the fake's registration replaces the environment and the
	// file (nothing real is sent to it); flags still override.
	r, err := o.resolve(fs, c, vendor)
	if err != nil {
		return nil, err
	}
	if o.mixup != "" && !o.fake {
		return nil, errMixupNeedsFake
	}
	t := &target{vendor: vendor, r: r, o: o, now: time.Now}
	base := vendorTransport
	if o.fake {
		t.fake, err = startFake(ctx, r, o, redirect)
		if err != nil {
			return nil, err
		}
		base = t.fake.client.Transport
		if t.fake.now != nil {
			t.now = t.fake.now
		}
	}
	t.dates = &dateRecorder{base: base}
	t.client = &http.Client{Transport: t.dates}
	return t, nil
}

func (t *target) close() {
	if t.fake != nil {
		t.fake.close()
	}
}

type errString string

func (e errString) Error() string { return string(e) }

const errMixupNeedsFake = errString("--mixup works only with --fake")

// app reports whether UniSignIn runs its app flow.
func (t *target) app() bool { return t.vendor == us && (t.o.app || !t.r.has("client-secret")) }

func (t *target) webuntisConfig() webuntis.Config {
	return webuntis.Config{
		BaseURL:      t.r.get("base-url"),
		Tenant:       t.r.get("tenant"),
		ClientID:     t.r.get("client-id"),
		ClientSecret: oauthkit.Secret(t.r.get("client-secret")),
		Password:     oauthkit.Secret(t.r.get("password")),
		RedirectURL:  t.r.get("redirect-url"),
		Scopes:       splitScopes(t.r.get("scopes")),
		HTTPClient:   t.client,
		Now:          t.now,
	}
}

func (t *target) unisigninConfig() unisignin.Config {
	cfg := unisignin.Config{
		BaseURL:      t.r.get("base-url"),
		ClientID:     t.r.get("client-id"),
		ClientSecret: oauthkit.Secret(t.r.get("client-secret")),
		RedirectURL:  t.r.get("redirect-url"),
		Scopes:       splitScopes(t.r.get("scopes")),
		HTTPClient:   t.client,
		Now:          t.now,
	}
	if t.o.app {
		cfg.ClientSecret = ""
	}
	return cfg
}

func (t *target) justimmoConfig() justimmo.Config {
	return justimmo.Config{
		AuthURL:      t.r.get("auth-url"),
		APIURL:       t.r.get("api-url"),
		ClientID:     t.r.get("client-id"),
		ClientSecret: oauthkit.Secret(t.r.get("client-secret")),
		RedirectURL:  t.r.get("redirect-url"),
		Scopes:       splitScopes(t.r.get("scopes")),
		HTTPClient:   t.client,
		Now:          t.now,
	}
}

func (t *target) licensespringConfig() licensespring.Config {
	return licensespring.Config{
		APIURL:              t.r.get("api-url"),
		APIKey:              t.r.get("api-key"),
		SharedKey:           oauthkit.Secret(t.r.get("shared-key")),
		Product:             t.r.get("product"),
		CustomerAccountCode: t.r.get("customer-account"),
		RedirectURL:         t.r.get("redirect-url"),
		HTTPClient:          t.client,
		Now:                 t.now,
	}
}

// provider builds the vendor's Provider; the error is the library's
// *oauthkit.ConfigError.
func (t *target) provider() (oauthkit.Provider, error) {
	switch t.vendor {
	case wu:
		return webuntis.New(t.webuntisConfig())
	case us:
		return unisignin.New(t.unisigninConfig())
	case ji:
		return justimmo.New(t.justimmoConfig())
	case oi:
		cfg, err := t.openidConfig()
		if err != nil {
			return nil, err
		}
		return openid.New(cfg)
	default:
		return licensespring.New(t.licensespringConfig())
	}
}

// dateRecorder is a RoundTripper that remembers the Date header of the
// last answer, so that doctor can measure the clock skew LicenseSpring
// refuses at 15 minutes (docs/vendors/licensespring.md#request-signing).
type dateRecorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	date time.Time
}

func (d *dateRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := d.base.RoundTrip(req)
	if err == nil {
		if t, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
			d.mu.Lock()
			d.date = t
			d.mu.Unlock()
		}
	}
	return resp, err
}

func (d *dateRecorder) last() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.date
}
