package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// mixups are the mistakes --mixup makes against a fake, each one the
// vendor documents, with the vendors it applies to.
var mixups = map[string][]string{
	// docs/vendors/webuntis.md#two-credentials
	"secret-for-password": {wu}, // the OIDC client secret given as the platform password
	"password-for-secret": {wu}, // the platform password given as the OIDC client secret
	"swapped-credentials": {wu}, // both at once
	// docs/vendors/licensespring.md#pitfalls
	"clock-skew":       {ls}, // this machine's clock 16 minutes behind
	"wrong-shared-key": {ls},
	// docs/vendors/unisignin.md#pitfalls: a base64url verifier with '-'
	"dash-verifier": {us},
	// docs/vendors/justimmo.md#pitfalls: a refresh token past its month
	"expired-refresh": {ji},
	// openid (OpenID Connect Discovery 1.0 §4.3, RFC 9207, RFC 8414 §2):
	"issuer-trailing-slash": {oi}, // --issuer with a trailing slash the provider's issuer lacks
	"discovery-issuer":      {oi}, // the discovery document names another provider's issuer
	"callback-issuer":       {oi}, // the login's callback names another provider's iss (a mix-up attack)
	"foreign-signing-key":   {oi}, // ID tokens signed by a key the provider does not publish
	"secret-not-listed":     {oi}, // the server lists private_key_jwt only; the client has a secret
	"wrong-client-secret":   {oi}, // a client secret the provider does not know
	// every vendor: a redirect URL the vendor has not registered
	"unregistered-redirect": {wu, us, ji, ls, oi},
}

// mixupsOf returns the names of the mix-ups that apply to vendor, sorted.
func mixupsOf(vendor string) []string {
	var names []string
	for _, n := range mixupNames() {
		if slices.Contains(mixups[n], vendor) {
			names = append(names, n)
		}
	}
	return names
}

func mixupNames() []string {
	var names []string
	for n := range mixups {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// unregisteredRedirect is the redirect URL of the unregistered-redirect
// mix-up for commands that do not listen for the callback.
const unregisteredRedirect = "https://app.example.com/oauth/not-registered"

// skew is how far behind the clock-skew mix-up sets this machine's clock:
// one minute past LicenseSpring's 15.
const skew = 16 * time.Minute

// fake is a running in-process fake.
type fake struct {
	close  func()
	client *http.Client
	now    func() time.Time
	// browse plays the signed-in user's browser: it opens the authorize URL
	// and returns where the vendor redirects to.
	browse func(ctx context.Context, authURL string) (*url.URL, error)
	// secrets the fake generated, for the leak test's hook.
	secrets []string
	// approveDevice plays the signed-in user approving a device login's
	// user code (RFC 8628); nil for a fake without the grant.
	approveDevice func(userCode string) error
}

// fakeStarted, when set (by tests), is told the secrets of every fake run
// starts, so that a test can look for them in the output.
var fakeStarted func(secrets []string)

// startFake starts the vendor's fake and fills r with its registration.
// redirect, when set, is the loopback callback URL login listens on; the
// fake registers it (unless the mix-up is unregistered-redirect). Values
// given as flags are kept: they override the fake's.
func startFake(ctx context.Context, r *resolved, o *vendorFlags, redirect string) (*fake, error) {
	if err := checkMixup(o.mixup, r.vendor); err != nil {
		return nil, err
	}
	register := []string(nil)
	if redirect != "" && o.mixup != "unregistered-redirect" {
		register = []string{redirect}
	}
	flags := r.fromFlags()
	clear(r.values)
	clear(r.source)
	fill := func(k, v string) {
		if v != "" {
			r.set(k, v, "fake")
		}
	}
	var f *fake
	var err error
	switch r.vendor {
	case wu:
		f = startWebUntisFake(o, register, fill)
	case us:
		f = startUniSignInFake(o, register, fill)
	case ji:
		f, err = startJustimmoFake(ctx, o, register, fill)
	case ls:
		f = startLicenseSpringFake(o, register, fill)
	case oi:
		f, err = startOpenIDFake(o, register, fill)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case o.mixup == "unregistered-redirect" && redirect == "":
		fill("redirect-url", unregisteredRedirect)
	case redirect != "":
		fill("redirect-url", redirect)
	}
	for k, v := range flags {
		r.set(k, v, "flag")
	}
	if fakeStarted != nil {
		fakeStarted(f.secrets)
	}
	return f, nil
}

// checkMixup refuses a mix-up that is unknown or that the vendor does not
// document, naming the ones it does.
func checkMixup(name, vendor string) error {
	if name == "" {
		return nil
	}
	vendors, ok := mixups[name]
	switch {
	case !ok:
		return fmt.Errorf("unknown --mixup %q; %s's: %s", name, vendor, strings.Join(mixupsOf(vendor), ", "))
	case !slices.Contains(vendors, vendor):
		return fmt.Errorf("--mixup %s does not apply to %s; %s's: %s (%s applies to %s)",
			name, vendor, vendor, strings.Join(mixupsOf(vendor), ", "), name, strings.Join(vendors, ", "))
	}
	return nil
}

// fill sets a setting to the fake's value.
type fill func(setting, value string)

// startWebUntisFake starts the WebUntis fake; its mix-ups put one
// credential in the other's place (docs/vendors/webuntis.md#two-credentials).
func startWebUntisFake(o *vendorFlags, register []string, fill fill) *fake {
	srv := webuntistest.NewServer(webuntistest.Options{Tenant: webuntistest.Tenant{RedirectURLs: register}})
	t := srv.Tenant()
	fill("base-url", srv.URL)
	fill("tenant", t.ID)
	fill("client-id", t.ClientID)
	fill("client-secret", t.ClientSecret)
	fill("password", t.Password)
	fill("redirect-url", t.RedirectURLs[0])
	switch o.mixup {
	case "secret-for-password":
		fill("password", t.ClientSecret)
	case "password-for-secret":
		fill("client-secret", t.Password)
	case "swapped-credentials":
		fill("password", t.ClientSecret)
		fill("client-secret", t.Password)
	}
	return &fake{close: srv.Close, client: srv.Client(), browse: srv.Authorize, secrets: []string{t.ClientSecret, t.Password}}
}

// startUniSignInFake starts the UniSignIn fake, with its public app for
// --app and the dash-verifier mix-up.
func startUniSignInFake(o *vendorFlags, register []string, fill fill) *fake {
	srv := unisignintest.NewServer(unisignintest.Options{
		App:       unisignintest.App{RedirectURLs: register},
		PublicApp: unisignintest.App{RedirectURLs: register},
	})
	cfg := srv.Config()
	if o.app || o.mixup == "dash-verifier" {
		o.app = true
		cfg = srv.PublicConfig()
	}
	fill("base-url", cfg.BaseURL)
	fill("client-id", cfg.ClientID)
	fill("client-secret", cfg.ClientSecret.Reveal())
	fill("redirect-url", cfg.RedirectURL)
	f := &fake{close: srv.Close, client: srv.Client(), browse: srv.Authorize, secrets: []string{srv.Config().ClientSecret.Reveal()}}
	for _, u := range srv.Users() {
		f.secrets = append(f.secrets, u.Password)
	}
	return f
}

// startJustimmoFake starts the Justimmo fake on a clock of its own, which
// the expired-refresh mix-up moves past a refresh token's month.
func startJustimmoFake(ctx context.Context, o *vendorFlags, register []string, fill fill) (*fake, error) {
	clock := tokencachetest.NewClock(time.Now())
	srv := justimmotest.NewServer(justimmotest.Options{App: justimmotest.App{RedirectURLs: register}, Now: clock.Now})
	cfg := srv.Config()
	fill("auth-url", cfg.AuthURL)
	fill("api-url", cfg.APIURL)
	fill("client-id", cfg.ClientID)
	fill("client-secret", cfg.ClientSecret.Reveal())
	fill("redirect-url", cfg.RedirectURL)
	f := &fake{close: srv.Close, client: srv.Client(), browse: srv.Authorize, now: clock.Now, secrets: []string{cfg.ClientSecret.Reveal()}}
	if o.mixup == "expired-refresh" {
		// A user logged in a month and a day ago and the refresh token
		// was never used since.
		login, err := justimmoLogin(ctx, srv, cfg)
		if err != nil {
			srv.Close()
			return nil, fmt.Errorf("fake: %w", err)
		}
		clock.Advance(32 * 24 * time.Hour)
		fill("refresh-token", login.Token.RefreshToken)
		f.secrets = append(f.secrets, login.Token.AccessToken, login.Token.RefreshToken)
	}
	return f, nil
}

// startLicenseSpringFake starts the LicenseSpring fake; its mix-ups move
// this machine's clock or change the shared key
// (docs/vendors/licensespring.md#pitfalls).
func startLicenseSpringFake(o *vendorFlags, register []string, fill fill) *fake {
	srv := licensespringtest.NewServer(licensespringtest.Options{RedirectURLs: register})
	cfg := srv.Config()
	fill("api-url", cfg.APIURL)
	fill("api-key", cfg.APIKey)
	fill("shared-key", cfg.SharedKey.Reveal())
	fill("product", cfg.Product)
	fill("customer-account", cfg.CustomerAccountCode)
	fill("redirect-url", srv.Options().RedirectURLs[0])
	f := &fake{close: srv.Close, client: srv.Client(), browse: srv.Authorize, secrets: []string{cfg.APIKey, cfg.SharedKey.Reveal()}}
	switch o.mixup {
	case "clock-skew":
		f.now = func() time.Time { return time.Now().Add(-skew) }
	case "wrong-shared-key":
		fill("shared-key", "not-the-shared-key-of-this-api-key")
	}
	return f
}

// justimmoLogin logs the fake's user in and returns the tokens.
func justimmoLogin(ctx context.Context, srv *justimmotest.Server, cfg justimmo.Config) (*oauthkit.Login, error) {
	p, err := justimmo.New(cfg)
	if err != nil {
		return nil, err
	}
	ar, err := p.AuthCodeURL(ctx)
	if err != nil {
		return nil, err
	}
	cb, err := srv.Authorize(ctx, ar.URL)
	if err != nil {
		return nil, err
	}
	return oauthkit.Complete(ctx, p, ar, cb.Query())
}
