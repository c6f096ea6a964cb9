package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/native"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
)

// openBrowser opens url in the system browser (a variable for tests).
var openBrowser = native.OpenSystemBrowser

// runLogin is `login`: listen for the callback, ask the authorization
// endpoint, send the user there (the fake's browser, a printed URL or the
// system browser), wait for the callback and complete the login. The
// loopback part is the library's: package native.
func runLogin(ctx context.Context, c *cli, args []string) int {
	cmd, _ := lookup("login")
	o := &vendorFlags{}
	fs := o.flagSet(cmd, c)
	vendor, err := c.parse(fs, args)
	if err != nil {
		return c.usageError("login", err)
	}
	timeout := orDefault(o.timeout, 5*time.Minute)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if o.device {
		return runDeviceLogin(ctx, c, o, fs, vendor, timeout)
	}
	l := &loginRun{c: c, o: o, vendor: vendor}
	if err := l.open(ctx, fs); err != nil {
		return c.usageError("login", err)
	}
	defer l.close()
	if x, ok := l.t.missing("login"); ok {
		return c.fail(o.json, vendor, "config", x)
	}
	p, ar, step, err := l.authorize(ctx)
	if err != nil {
		return c.fail(o.json, vendor, step, l.t.explain(err))
	}
	login, x := l.complete(ctx, p, ar, timeout)
	if login == nil {
		return c.fail(o.json, vendor, "login", x)
	}
	seen(login.Token)
	return c.printLogin(ctx, o.json, l.t, p, login, l.printed)
}

// loginRun is one run of login: the loopback listener, the target and
// the URL it printed.
type loginRun struct {
	c       *cli
	o       *vendorFlags
	vendor  string
	t       *target
	ln      *native.Listener // nil: the pasted-URL fallback
	printed string           // the authorization URL, when printed
}

// open listens for the callback and opens the target. The loopback
// redirect (RFC 8252 §7.3): listen first, so that the URL carries the real
// port. A configured loopback redirect URL keeps its port when it has one.
func (l *loginRun) open(ctx context.Context, fs *flag.FlagSet) error {
	ln, err := listenLoopback(l.o, fs, l.c, l.vendor)
	if err != nil {
		return err
	}
	l.ln = ln
	redirect := ""
	if ln != nil {
		redirect = ln.RedirectURL()
	}
	if l.t, err = open(ctx, fs, l.c, l.o, l.vendor, redirect); err != nil {
		l.close()
		return err
	}
	// The listener's URL, with its port, is the redirect URL (a flag's
	// URL without a port, too, with --fake).
	if redirect != "" && (!l.o.fake || l.t.r.get("redirect-url") != redirect) {
		l.t.r.set("redirect-url", redirect, "loopback")
	}
	return nil
}

// close closes the fake and the listener (the login closes the listener
// itself; closing it again is harmless).
func (l *loginRun) close() {
	if l.t != nil {
		l.t.close()
	}
	if l.ln != nil {
		l.ln.Close()
	}
}

// authorize makes the authorization request and asks the authorization
// endpoint first, without a session: a redirect URL it does not know or a
// challenge it refuses shows here, where the refusal can be explained,
// rather than in a browser tab. A pushed request (RFC 9126) is not asked
// about: its URL's request_uri is used once (§7.3), and the probe would
// spend it before the browser gets there; the PAR endpoint has checked the
// redirect URL and the challenge already. On failure it names the step
// that failed.
func (l *loginRun) authorize(ctx context.Context) (oauthkit.Provider, *oauthkit.AuthRequest, string, error) {
	p, err := l.t.provider()
	if err != nil {
		return nil, nil, "config", err
	}
	ar, err := p.AuthCodeURL(ctx)
	if err != nil {
		return nil, nil, "authorize request", err
	}
	if l.o.mixup == "dash-verifier" {
		dashVerifier(ar)
	}
	if pushed(ar.URL) {
		return p, ar, "", nil
	}
	if _, err := l.t.probeAuthorize(ctx, ar); err != nil {
		return nil, nil, "authorize", err
	}
	return p, ar, "", nil
}

// pushed reports whether an authorization URL names a pushed request by
// its request_uri (RFC 9126 §4) rather than holding the request.
func pushed(authURL string) bool {
	u, err := url.Parse(authURL)
	return err == nil && u.Query().Has("request_uri")
}

// complete sends the user to the authorization URL and completes the
// login at the callback: on the loopback listener with native's
// Listener.Complete, or, without one, from the URL the user pastes. It
// returns nil and why when no login came of it.
func (l *loginRun) complete(ctx context.Context, p oauthkit.Provider, ar *oauthkit.AuthRequest, timeout time.Duration) (*oauthkit.Login, explanation) {
	if l.ln == nil {
		return l.completePasted(ctx, p, ar)
	}
	login, err := l.ln.Complete(ctx, p, ar, native.Options{OpenBrowser: l.opener(), Timeout: timeout})
	switch {
	case err == nil:
		return login, explanation{}
	case errors.Is(err, native.ErrBrowser) && l.o.fake:
		return nil, explanation{Cause: "the fake's browser: " + l.t.scrub(err.Error())}
	case errors.Is(err, native.ErrTimeout), errors.Is(err, context.Canceled):
		return nil, explanation{Cause: "no callback arrived: " + l.t.scrub(err.Error()), Fix: "finish the login in the browser within --timeout; if the vendor showed an error page, run 'oauthkit doctor " + l.vendor + "'"}
	}
	return nil, l.t.explain(err)
}

// opener sends the user to the authorization URL: with --fake the fake's
// signed-in browser; with --print-url the URL printed; else the system
// browser, or the URL printed when none opens. A printed URL goes to
// stdout (--json: to stderr, and into the result as login_url). The URL
// holds the login's state and challenge, not a credential.
func (l *loginRun) opener() func(ctx context.Context, authURL string) error {
	c := l.c
	return func(ctx context.Context, authURL string) error {
		if l.o.printURL {
			l.print(authURL)
		}
		switch {
		case l.o.fake:
			// The fake's user is signed in: play the browser, then deliver
			// the vendor's redirect to the loopback listener as the
			// browser would.
			if l.o.printURL {
				fmt.Fprintln(c.stderr, "The fake's browser opens this URL and logs in.")
			}
			return fakeBrowser(ctx, l.t, authURL)
		case l.o.printURL:
			fmt.Fprintln(c.stderr, "Open this URL in a browser and log in.")
		default:
			if err := openBrowser(ctx, authURL); err != nil {
				fmt.Fprintf(c.stderr, "oauthkit login: cannot open a browser (%v); open this URL:\n", err)
				l.print(authURL)
				return nil
			}
			fmt.Fprintf(c.stderr, "Waiting for the login in your browser (callback %s)…\n", l.ln.RedirectURL())
		}
		return nil
	}
}

// print prints the authorization URL: on stdout, or with --json on
// stderr (the result repeats it).
func (l *loginRun) print(authURL string) {
	l.printed = authURL
	if l.o.json {
		fmt.Fprintln(l.c.stderr, authURL)
	} else {
		fmt.Fprintln(l.c.stdout, authURL)
	}
}

// completePasted is the fallback for a redirect URL that is not loopback:
// print the URL, read the URL the browser ends on from stdin, complete.
func (l *loginRun) completePasted(ctx context.Context, p oauthkit.Provider, ar *oauthkit.AuthRequest) (*oauthkit.Login, explanation) {
	c := l.c
	l.print(ar.URL)
	fmt.Fprintln(c.stderr, "Open this URL in a browser and log in.")
	fmt.Fprintf(c.stderr, "Then paste the URL the browser ends on (%s?code=…) here:\n", l.t.r.get("redirect-url"))
	pasted := make(chan url.Values, 1)
	go readPastedCallback(c, pasted)
	select {
	case q := <-pasted:
		login, err := oauthkit.Complete(ctx, p, ar, q)
		if err != nil {
			return nil, l.t.explain(err)
		}
		return login, explanation{}
	case <-ctx.Done():
		return nil, explanation{Cause: "no callback arrived: " + ctx.Err().Error(), Fix: "paste the URL within --timeout"}
	}
}

// listenLoopback opens the callback listener (package native). The
// redirect URL is the configured one when it is loopback http (its port is
// kept when it has one; none: a free port), a fresh
// http://127.0.0.1:<port>/callback when none is configured or with --fake,
// and none (nil: the pasted-URL fallback) for a redirect URL elsewhere.
func listenLoopback(o *vendorFlags, fs *flag.FlagSet, c *cli, vendor string) (*native.Listener, error) {
	configured := ""
	if !o.fake {
		if r, err := o.resolve(fs, c, vendor); err == nil {
			configured = r.get("redirect-url")
		}
	} else if v := *o.values["redirect-url"]; v != "" {
		configured = v
	}
	if configured != "" {
		u, err := url.Parse(configured)
		if err != nil {
			return nil, fmt.Errorf("--redirect-url: not a URL")
		}
		if u.Scheme != "http" || !httpc.IsLoopback(u.Hostname()) {
			return nil, nil // not ours to listen on
		}
	}
	ln, err := native.Listen(configured)
	if err != nil {
		return nil, fmt.Errorf("--redirect-url: %w", err)
	}
	return ln, nil
}

// fakeBrowser plays the signed-in user's browser against the fake.
func fakeBrowser(ctx context.Context, t *target, authURL string) error {
	cb, err := t.fake.browse(ctx, authURL)
	if err != nil {
		return err
	}
	if followCallback(ctx, cb) != nil {
		return errors.New("the callback did not reach the loopback listener")
	}
	return nil
}

// followCallback requests cb, the redirect a browser follows back to the
// loopback listener.
func followCallback(ctx context.Context, cb *url.URL) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cb.String(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func readPastedCallback(c *cli, out chan<- url.Values) {
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && line == "" {
		return
	}
	u, err := url.Parse(strings.TrimSpace(line))
	if err != nil {
		fmt.Fprintln(c.stderr, "oauthkit login: that is not a URL")
		return
	}
	out <- u.Query()
}

// claimsHidden are ID-token claims not printed: the spent nonce and token
// hashes (as oauthkit.UserInfo hides them).
var claimsHidden = map[string]bool{"nonce": true, "at_hash": true, "c_hash": true, "s_hash": true}

// printLogin prints the verified ID-token claims and the user's profile;
// never a token. In text mode every value the provider chose goes through
// termText (a user's name may hold escape sequences). loginURL, when set, is the printed authorization URL,
// which --json repeats.
func (c *cli) printLogin(ctx context.Context, jsonOut bool, t *target, p oauthkit.Provider, login *oauthkit.Login, loginURL string) int {
	claims := map[string]any{}
	if login.IDToken != nil {
		for k, v := range login.UserInfo.Raw {
			if !claimsHidden[k] {
				claims[k] = v
			}
		}
	}
	profile := map[string]string{"subject": login.UserInfo.Subject}
	if login.UserInfo.Email != "" {
		profile["email"] = login.UserInfo.Email
	}
	if login.UserInfo.Name != "" {
		profile["name"] = login.UserInfo.Name
	}
	switch pv := p.(type) {
	case *justimmo.Provider:
		if u, err := pv.User(ctx, login.Token); err == nil {
			profile["user_id"], profile["tenant_id"] = u.ID, u.TenantID
		}
	case *unisignin.Provider:
		if u, err := pv.User(ctx, login.Token); err == nil {
			profile["user_id"] = u.ID
		}
	}
	tok := tokenSummary(login.Token, t.now)
	if jsonOut {
		out := struct {
			OK       bool              `json:"ok"`
			Vendor   string            `json:"vendor"`
			Verified bool              `json:"id_token_verified"`
			Claims   map[string]any    `json:"id_token_claims,omitempty"`
			Profile  map[string]string `json:"profile"`
			Token    string            `json:"token"`
			LoginURL string            `json:"login_url,omitempty"`
		}{true, t.vendor, login.IDToken != nil, claims, profile, tok, loginURL}
		writeJSON(c.stdout, out)
		return exitOK
	}
	fmt.Fprintf(c.stdout, "%s: logged in\n", t.vendor)
	if login.IDToken != nil {
		if login.IDToken.Nonce == "" {
			fmt.Fprintln(c.stdout, "ID token (signature, issuer, audience and expiry verified; a device login has no nonce):")
		} else {
			fmt.Fprintln(c.stdout, "ID token (signature, issuer, audience, expiry and nonce verified):")
		}
		for _, k := range sortedKeys(claims) {
			fmt.Fprintf(c.stdout, "  %-14s %s\n", termText(k), termValue(claimText(k, claims[k])))
		}
	} else {
		fmt.Fprintln(c.stdout, "no ID token (an OAuth 2.0 vendor): the profile comes from its user endpoint")
	}
	fmt.Fprintln(c.stdout, "profile:")
	for _, k := range sortedKeys(profile) {
		fmt.Fprintf(c.stdout, "  %-10s %s\n", k, termText(profile[k]))
	}
	fmt.Fprintf(c.stdout, "token: %s (not printed)\n", tok)
	return exitOK
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// claimText prints the time claims (RFC 7519 §4.1) as times.
func claimText(name string, v any) any {
	if f, ok := v.(float64); ok {
		switch name {
		case "exp", "iat", "nbf", "auth_time":
			return time.Unix(int64(f), 0).UTC().Format(time.RFC3339)
		}
	}
	return v
}
