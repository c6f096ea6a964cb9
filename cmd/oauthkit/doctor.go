package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

// check is one line of doctor's report.
type check struct {
	Name   string `json:"name"`
	Status string `json:"status"` // "ok", "FAIL", "note" or "skip"
	Detail string `json:"detail,omitempty"`
	*explanation
}

// doctor runs the checks of one vendor against t.
type doctor struct {
	t      *target
	checks []check
	// ssoFailed: LicenseSpring's sso_url failed, and the login's authorize
	// request, which needs it, would only fail the same way again.
	ssoFailed bool
	// authFailed: the openid client's credential fits no client
	// authentication the server lists; the login's exchange would fail
	// the same way.
	authFailed bool
}

func (d *doctor) ok(name, detail string) { d.checks = append(d.checks, check{name, "ok", detail, nil}) }
func (d *doctor) note(name, detail string) {
	d.checks = append(d.checks, check{name, "note", detail, nil})
}
func (d *doctor) skip(name, why string) { d.checks = append(d.checks, check{name, "skip", why, nil}) }
func (d *doctor) fail(name string, x explanation) {
	d.checks = append(d.checks, check{name, "FAIL", "", &x})
}

// result records err as a failure of name, or detail as its success.
func (d *doctor) result(name string, err error, detail string) bool {
	if err != nil {
		d.fail(name, d.t.explain(err))
		return false
	}
	d.ok(name, detail)
	return true
}

func runDoctor(ctx context.Context, c *cli, args []string) int {
	cmd, _ := lookup("doctor")
	o := &vendorFlags{}
	fs := o.flagSet(cmd, c)
	vendor, err := c.parse(fs, args)
	if err != nil {
		return c.usageError("doctor", err)
	}
	ctx, cancel := context.WithTimeout(ctx, orDefault(o.timeout, time.Minute))
	defer cancel()
	t, err := open(ctx, fs, c, o, vendor, "")
	if err != nil {
		return c.usageError("doctor", err)
	}
	defer t.close()

	d := &doctor{t: t}
	d.run(ctx)
	failed := 0
	for _, ch := range d.checks {
		if ch.Status == "FAIL" {
			failed++
		}
	}
	if o.json {
		writeJSON(c.stdout, struct {
			Vendor string  `json:"vendor"`
			Fake   bool    `json:"fake,omitempty"`
			Mixup  string  `json:"mixup,omitempty"`
			OK     bool    `json:"ok"`
			Failed int     `json:"failed"`
			Checks []check `json:"checks"`
		}{vendor, o.fake, o.mixup, failed == 0, failed, d.checks})
	} else {
		d.write(c.stdout, failed)
	}
	if failed > 0 {
		return exitFailed
	}
	return exitOK
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func (d *doctor) write(w io.Writer, failed int) {
	title := "oauthkit doctor " + d.t.vendor
	if d.t.fake != nil {
		title += " (against the in-process fake"
		if d.t.o.mixup != "" {
			title += ", mix-up " + d.t.o.mixup
		}
		title += ")"
	}
	fmt.Fprintln(w, title)
	for _, ch := range d.checks {
		fmt.Fprintf(w, "%-4s  %-28s %s\n", ch.Status, ch.Name, ch.Detail)
		if ch.explanation != nil {
			writeExplanation(w, strings.Repeat(" ", 6), *ch.explanation)
		}
	}
	if failed > 0 {
		fmt.Fprintf(w, "%d of %d checks failed\n", failed, len(d.checks))
	} else {
		fmt.Fprintf(w, "all %d checks passed\n", len(d.checks))
	}
}

func (d *doctor) run(ctx context.Context) {
	t := d.t
	if x, ok := t.missing("doctor"); ok {
		d.fail("config", x)
		return
	}
	p, err := t.provider()
	if !d.result("config", err, d.configSummary()) {
		return
	}
	d.serverURLs(ctx)
	switch pv := p.(type) {
	case *webuntis.Provider:
		d.discovery(ctx, p)
		d.webuntis(ctx, pv)
	case *unisignin.Provider:
		d.unisignin(ctx, pv)
	case *justimmo.Provider:
		d.justimmo(ctx, pv)
	case *licensespring.Provider:
		if d.licensespring(ctx, pv) {
			d.discovery(ctx, p)
		}
	case *openid.Provider:
		if !d.openid(ctx, pv) {
			return // without the metadata, nothing else can be checked
		}
	}
	d.redirect(ctx, p)
}

// configSummary names what is set, never a secret's value.
func (d *doctor) configSummary() string {
	var parts, secrets []string
	for _, s := range settings {
		v := d.t.r.get(s.flag)
		if v == "" {
			continue
		}
		if s.secret {
			secrets = append(secrets, s.flag)
			continue
		}
		switch s.flag {
		case "issuer", "tenant", "client-id", "product", "customer-account", "auth-method", "client-key-file", "key-id":
			parts = append(parts, s.flag+" "+v)
		}
	}
	if len(secrets) > 0 {
		parts = append(parts, strings.Join(secrets, ", ")+" set")
	}
	return strings.Join(parts, "; ")
}

// serverURLs checks every server URL is https (http on loopback only) and
// answers.
func (d *doctor) serverURLs(ctx context.Context) {
	t := d.t
	or := func(name, def string) string {
		if v := t.r.get(name); v != "" {
			return v
		}
		return def
	}
	// Each check's name is the same on every run (--json readers match on
	// it); the host, which with --fake carries a fresh port, is in the
	// detail.
	type server struct{ name, url string }
	var servers []server
	switch t.vendor {
	case wu:
		servers = []server{{"server", or("base-url", webuntis.DefaultBaseURL)}}
	case us:
		servers = []server{{"server", t.r.get("base-url")}}
	case ji:
		servers = []server{{"auth server", or("auth-url", justimmo.DefaultAuthURL)}, {"API server", or("api-url", justimmo.DefaultAPIURL)}}
	case ls:
		servers = []server{{"API server", or("api-url", licensespring.DefaultAPIURL)}}
	}
	for _, s := range servers {
		u, err := url.Parse(s.url)
		if err != nil {
			d.fail(s.name, explanation{Cause: "not a URL", Fix: "give an absolute https URL"})
			continue
		}
		how := "https"
		if u.Scheme == "http" {
			how = "loopback http (tests and fakes only; the vendor is https)"
		}
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		req, _ := http.NewRequestWithContext(rctx, http.MethodGet, s.url, nil)
		resp, err := t.client.Do(req)
		cancel()
		if err != nil {
			d.fail(s.name, t.networkExplanation(err))
			continue
		}
		resp.Body.Close()
		d.ok(s.name, fmt.Sprintf("%s answers over %s (HTTP %d)", u.Host, how, resp.StatusCode))
	}
}

// discovery checks the discovery document and its signing keys.
func (d *doctor) discovery(ctx context.Context, p oauthkit.Provider) {
	ep, err := p.Discover(ctx)
	if !d.result("discovery", err, "") {
		return
	}
	d.checks[len(d.checks)-1].Detail = "issuer " + ep.Issuer + " (consistent with the discovery URL)"
	d.jwks(ctx, ep.JWKSURL)
}

// jwks checks the key set at u holds signing keys.
func (d *doctor) jwks(ctx context.Context, u string) {
	if u == "" {
		d.skip("JWKS", "the document names no jwks_uri")
		return
	}
	n, err := jwksKeys(ctx, d.t.client, u)
	switch {
	case err != nil:
		d.fail("JWKS", explanation{Cause: d.t.scrub(err.Error()), Fix: "ID tokens cannot be verified without the vendor's signing keys; check that " + u + " is reachable from here"})
	case n == 0:
		d.fail("JWKS", explanation{Cause: "the key set holds no signing key", Fix: "ID tokens cannot be verified; ask the vendor"})
	default:
		d.ok("JWKS", fmt.Sprintf("%d signing key(s)", n))
	}
}

func jwksKeys(ctx context.Context, hc *http.Client, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("jwks_uri answered %s", resp.Status)
	}
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Use string `json:"use"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return 0, fmt.Errorf("jwks_uri: not a JSON Web Key Set")
	}
	n := 0
	for _, k := range set.Keys {
		if k.Kty != "" && (k.Use == "" || k.Use == "sig") {
			n++
		}
	}
	return n, nil
}

// webuntis checks the two credentials (docs/vendors/webuntis.md#two-credentials).
func (d *doctor) webuntis(ctx context.Context, p *webuntis.Provider) {
	secret, password := d.t.r.get("client-secret"), d.t.r.get("password")
	const twoFix = "the code flow takes the OIDC client secret from the Platform Application Manager (--client-secret); client credentials take the platform password from the credentials webhook (--password): give each its own value"
	switch {
	case secret != "" && secret == password:
		d.fail("two credentials", explanation{Cause: "client-secret and password hold the same value, but WebUntis gives two different credentials", Fix: twoFix})
	case secret == "":
		d.note("two credentials", "no client-secret: login (code flow) cannot work")
	case password == "":
		d.note("two credentials", "no password: client credentials cannot work")
	default:
		d.ok("two credentials", "client-secret and password are set and differ")
	}
	if password == "" {
		d.skip("client credentials", "no password")
		return
	}
	tok, err := p.ClientCredentials(ctx)
	if d.result("client credentials", err, tokenSummary(tok, d.t.now)) {
		return
	}
	// The other credential, tried only to explain the failure: does the
	// value in client-secret work as the password?
	if secret == "" || secret == password || !(errors.Is(err, oauthkit.ErrInvalidGrant) || errors.Is(err, oauthkit.ErrInvalidClient)) {
		return
	}
	cfg := d.t.webuntisConfig()
	cfg.Password = cfg.ClientSecret
	other, err := webuntis.New(cfg)
	if err != nil {
		return
	}
	if _, err := other.ClientCredentials(ctx); err == nil {
		d.fail("the other credential", explanation{
			Cause: "the value given as client-secret is accepted as the client-credentials password: client-secret and password are swapped",
			Fix:   "swap them: --password (OAUTHKIT_WEBUNTIS_PASSWORD) is the platform password, --client-secret (OAUTHKIT_WEBUNTIS_CLIENT_SECRET) the OIDC client secret",
		})
		return
	}
	d.note("the other credential", "client-secret is refused as the password too: not a swap; the password is wrong, or was reset (a RESET credentials event sends a new one)")
}

// probeRefreshToken is sent once as a refresh token to see how the token
// endpoint judges the client: a league server checks the client before the
// token, so invalid_client means the client is wrong and anything else
// that it is right.
const probeRefreshToken = "oauthkit-doctor-probe"

// unisignin checks the client at the token endpoint.
func (d *doctor) unisignin(ctx context.Context, p *unisignin.Provider) {
	flow := "web flow (client id and secret)"
	if p.IsApp() {
		flow = "app flow (client id, PKCE plain)"
	}
	_, err := p.Refresh(ctx, probeRefreshToken)
	var oe *oauthkit.Error
	switch {
	case err == nil:
		d.note("client", "a made-up refresh token was accepted")
	case errors.As(err, &oe) && oe.Code == string(oauthkit.ErrInvalidClient):
		d.fail("client", d.t.explain(err))
	default:
		d.ok("client", flow+": accepted by the token endpoint")
	}
	d.refreshToken(ctx, p)
}

// justimmo checks client credentials and, when given, a refresh token.
func (d *doctor) justimmo(ctx context.Context, p *justimmo.Provider) {
	tok, err := p.ClientCredentials(ctx)
	d.result("client credentials", err, tokenSummary(tok, d.t.now))
	d.refreshToken(ctx, p)
}

// refreshToken checks a user's refresh token, when one is given and
// --spend-refresh-token says it may be spent: the check is a refresh, and
// both league vendors rotate refresh tokens (docs/vendors/league.md#refresh-tokens-rotate),
// so the token given is dead afterwards and, doctor keeping no new one,
// the user must log in again. Without the flag it is skipped, saying so. A
// token the fake filled in (the expired-refresh mix-up) is the fake's, and
// is always checked.
func (d *doctor) refreshToken(ctx context.Context, p oauthkit.Provider) {
	rt := d.t.r.get("refresh-token")
	if rt == "" {
		return
	}
	if !d.t.o.spendRefresh && d.t.r.source["refresh-token"] != "fake" {
		d.skip("refresh token", "not checked: "+p.Name()+" rotates refresh tokens, so checking one spends it and the user must log in again afterwards; give --spend-refresh-token to check it anyway")
		return
	}
	_, err := p.Refresh(ctx, rt)
	switch {
	case err == nil:
		d.ok("refresh token", "alive, and now spent: the vendor rotates refresh tokens and doctor keeps no new one, so the user must log in again")
	case oauthkit.NeedsLogin(err):
		x := d.t.explain(err)
		x.Cause = "the refresh token is dead (oauthkit.NeedsLogin): " + x.Cause
		d.fail("refresh token", x)
	default:
		d.fail("refresh token", d.t.explain(err))
	}
}

// licensespring checks the signed License API request and measures the
// clock skew from the server's Date; it reports whether sso_url worked.
func (d *doctor) licensespring(ctx context.Context, p *licensespring.Provider) bool {
	sso, err := p.SSOURL(ctx)
	local := d.t.now()
	ok := d.result("signed request (sso_url)", err, "")
	d.ssoFailed = !ok
	if ok {
		d.checks[len(d.checks)-1].Detail = "signature accepted; Keycloak client " + sso.ClientID()
	}
	server := d.t.dates.last()
	if server.IsZero() {
		d.skip("clock skew", "the answer had no Date header")
		return ok
	}
	skew := server.Sub(local).Round(time.Second)
	const limit = 15 * time.Minute // docs/vendors/licensespring.md#request-signing
	how := fmt.Sprintf("this machine's clock is %s behind LicenseSpring's Date", skew)
	if skew < 0 {
		how = fmt.Sprintf("this machine's clock is %s ahead of LicenseSpring's Date", -skew)
	}
	if skew > -limit && skew < limit {
		d.ok("clock skew", how+fmt.Sprintf(" (limit %s)", limit))
		return ok
	}
	x := explanation{Cause: how + fmt.Sprintf("; LicenseSpring refuses a Date more than %s off (date_header_diff)", limit), Fix: "synchronise this machine's clock (NTP)"}
	var oe *oauthkit.Error
	if errors.As(err, &oe) && oe.Code == string(licensespring.ErrDateHeaderDiff) && oe.Advice != "" {
		x.Fix = oe.Advice
	}
	d.fail("clock skew", x)
	return ok
}

// redirect checks the redirect URL's shape and that the authorization
// endpoint accepts it.
func (d *doctor) redirect(ctx context.Context, p oauthkit.Provider) {
	t := d.t
	raw := t.r.get("redirect-url")
	if raw == "" {
		d.skip("redirect URL", "none given (--redirect-url): login cannot be checked")
		return
	}
	if x, ok := redirectShape(t.vendor, raw, t.app()); !ok {
		d.fail("redirect URL", x)
		return
	} else {
		d.ok("redirect URL", x.Cause)
	}
	if d.ssoFailed {
		d.skip("authorize (redirect URL)", "needs a working sso_url")
		return
	}
	ar, err := p.AuthCodeURL(ctx)
	if !d.result("authorize request", err, "") {
		return
	}
	d.checks = d.checks[:len(d.checks)-1]
	if t.o.mixup == "dash-verifier" {
		dashVerifier(ar)
	}
	if t.app() {
		if alphanumeric.MatchString(ar.CodeVerifier) {
			d.ok("PKCE verifier", fmt.Sprintf("plain, %d letters and digits", len(ar.CodeVerifier)))
		} else {
			d.fail("PKCE verifier", explanation{Cause: fmt.Sprintf("the verifier has %d characters, not all letters and digits", len(ar.CodeVerifier)), Fix: authorizeAdvice(us, &oauthkit.Error{Hint: "code_challenge"})})
		}
	}
	detail, callback, err := t.probeAuthorizeCallback(ctx, ar)
	if d.result("authorize (redirect URL)", err, detail) && t.vendor == oi {
		d.openidLogin(ctx, p, ar, callback)
	}
}

// alphanumeric is UniSignIn's verifier rule (docs/vendors/unisignin.md#pkce).
var alphanumeric = regexp.MustCompile(`^[A-Za-z0-9]{49,127}$`)

// dashVerifier makes the dash-verifier mix-up: a base64url verifier, as
// x/oauth2's GenerateVerifier makes, in the request and (plain) as the
// challenge of its URL.
func dashVerifier(ar *oauthkit.AuthRequest) {
	v := "dG9rZW4-bWl4dXA_" + strings.Repeat("Vx9", 10) + "-Aa"
	ar.CodeVerifier = v
	if u, err := url.Parse(ar.URL); err == nil {
		q := u.Query()
		q.Set("code_challenge", v)
		u.RawQuery = q.Encode()
		ar.URL = u.String()
	}
}

// redirectShape checks what every vendor requires of a redirect URL: an
// absolute URL without a fragment, https or http on loopback (RFC 8252
// §7.3); UniSignIn's app flow takes an app scheme, scheme://path
// (docs/vendors/unisignin.md#app-flow). The explanation's Cause is the
// detail when it is fine.
func redirectShape(vendor, raw string, app bool) (explanation, bool) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Scheme == "" || (u.Host == "" && !app):
		return explanation{Cause: "not an absolute URL", Fix: "give the full URL registered with " + vendor}, false
	case u.Fragment != "":
		return explanation{Cause: "the URL has a #fragment, which OAuth 2.0 forbids (RFC 6749 §3.1.2)", Fix: "drop the fragment"}, false
	case u.Scheme == "https":
		return explanation{Cause: "https, absolute, no fragment"}, true
	case u.Scheme == "http" && strings.EqualFold(u.Hostname(), "localhost"):
		// A web app on this machine may use it; a native login may not
		// (RFC 8252 §8.3: a name can resolve off the machine).
		return explanation{Cause: "loopback http by the name localhost: fine for a web app on this machine, but `oauthkit login` (package native) needs 127.0.0.1 or [::1] (RFC 8252 §8.3)"}, true
	case u.Scheme == "http" && httpc.IsLoopback(u.Hostname()):
		return explanation{Cause: "loopback http (RFC 8252 §7.3), absolute, no fragment"}, true
	case u.Scheme == "http":
		return explanation{Cause: "plain http to a host that is not loopback", Fix: "use https; http is for 127.0.0.1 or [::1] only"}, false
	case app:
		return explanation{Cause: "app scheme " + u.Scheme + "://"}, true
	}
	return explanation{Cause: "scheme " + u.Scheme + " is for apps", Fix: "a web redirect URL is https (UniSignIn's app flow takes an app scheme: --app)"}, false
}
