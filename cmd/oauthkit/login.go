package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
)

// openBrowser opens url in the system browser, chosen by GOOS.
var openBrowser = func(ctx context.Context, u string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.CommandContext(ctx, "open", u)
	case "windows":
		cmd = exec.CommandContext(ctx, "rundll32", "url.dll,FileProtocolHandler", u)
	default:
		cmd = exec.CommandContext(ctx, "xdg-open", u)
	}
	return cmd.Start()
}

// callbackPage is what the browser shows once the callback has arrived.
const callbackPage = "<!doctype html><title>oauthkit</title><p>Login received. You can close this window and return to the terminal.</p>"

// runLogin is `login`: listen for the callback, ask the authorization
// endpoint, send the user there (the fake's browser, a printed URL or the
// system browser), wait for the callback and complete the login.
func runLogin(ctx context.Context, c *cli, args []string) int {
	cmd, _ := lookup("login")
	o := &vendorFlags{}
	fs := o.flagSet(cmd, c)
	vendor, err := c.parse(fs, args)
	if err != nil {
		return c.usageError("login", err)
	}
	ctx, cancel := context.WithTimeout(ctx, orDefault(o.timeout, 5*time.Minute))
	defer cancel()
	l := &loginRun{c: c, o: o, vendor: vendor}
	defer l.browser.Wait() // after the listener closes, before cancel
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
	l.serveCallback()
	loginURL := l.send(ctx, ar.URL)
	q, x := l.await(ctx)
	if q == nil {
		return c.fail(o.json, vendor, "login", x)
	}
	login, err := oauthkit.Complete(ctx, p, ar, q)
	if err != nil {
		return c.fail(o.json, vendor, "login", l.t.explain(err))
	}
	seen(login.Token)
	return c.printLogin(ctx, o.json, l.t, p, login, loginURL)
}

// loginRun is one run of login: the loopback listener, the target and
// where the callback arrives.
type loginRun struct {
	c         *cli
	o         *vendorFlags
	vendor    string
	t         *target
	ln        net.Listener // nil: the pasted-URL fallback
	srv       *http.Server
	callbacks chan url.Values
	browseErr chan error     // the fake's browser's failure
	browser   sync.WaitGroup // the fake's browser
}

// open listens for the callback and opens the target. The loopback
// redirect (RFC 8252 §7.3): listen first, so that the URL carries the real
// port. A configured loopback redirect URL keeps its port, since most
// vendors match it exactly.
func (l *loginRun) open(ctx context.Context, fs *flag.FlagSet) error {
	ln, redirect, err := listenLoopback(l.o, fs, l.c, l.vendor)
	if err != nil {
		return err
	}
	l.ln = ln
	l.callbacks = make(chan url.Values, 1)
	l.browseErr = make(chan error, 1)
	if l.t, err = open(ctx, fs, l.c, l.o, l.vendor, redirect); err != nil {
		l.close()
		return err
	}
	if redirect != "" && !l.o.fake {
		l.t.r.set("redirect-url", redirect, "loopback")
	}
	return nil
}

// close stops the callback server, the fake and the listener.
func (l *loginRun) close() {
	if l.srv != nil {
		l.srv.Close()
	}
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
// rather than in a browser tab. On failure it names the step that failed.
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
	if _, err := l.t.probeAuthorize(ctx, ar); err != nil {
		return nil, nil, "authorize", err
	}
	return p, ar, "", nil
}

// serveCallback serves the redirect URL's path on the loopback listener:
// the first callback goes to l.callbacks.
func (l *loginRun) serveCallback() {
	if l.ln == nil {
		return
	}
	path := "/callback"
	if u, err := url.Parse(l.t.r.get("redirect-url")); err == nil && u.Path != "" {
		path = u.Path
	}
	l.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		select {
		case l.callbacks <- r.URL.Query():
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, callbackPage)
		default:
			http.Error(w, "a callback has arrived already", http.StatusConflict)
		}
	})}
	go l.srv.Serve(l.ln)
}

// send sends the user to the authorization URL: with --fake the fake's
// signed-in browser; with --print-url, or without a loopback listener,
// the URL printed; else the system browser. It returns the URL when it
// printed it (text: on stdout at once; --json: on stderr, and in the
// result). The URL holds the login's state and challenge, not a
// credential.
func (l *loginRun) send(ctx context.Context, authURL string) string {
	c := l.c
	printed := ""
	if l.o.printURL || l.ln == nil {
		printed = authURL
		if l.o.json {
			fmt.Fprintln(c.stderr, authURL)
		} else {
			fmt.Fprintln(c.stdout, authURL)
		}
	}
	switch {
	case l.o.fake:
		// The fake's user is signed in: play the browser, then deliver the
		// vendor's redirect to the loopback listener as the browser would.
		// It reports to browseErr only: nothing is written once run returns.
		if printed != "" {
			fmt.Fprintln(c.stderr, "The fake's browser opens this URL and logs in.")
		}
		l.browser.Go(func() {
			if err := fakeBrowser(ctx, l.t, authURL); err != nil {
				l.browseErr <- err
			}
		})
	case printed != "":
		fmt.Fprintln(c.stderr, "Open this URL in a browser and log in.")
		if l.ln == nil {
			fmt.Fprintf(c.stderr, "Then paste the URL the browser ends on (%s?code=…) here:\n", l.t.r.get("redirect-url"))
			go readPastedCallback(c, l.callbacks)
		}
	default:
		if err := openBrowser(ctx, authURL); err != nil {
			fmt.Fprintf(c.stderr, "oauthkit login: cannot open a browser (%v); open this URL:\n", err)
			fmt.Fprintln(c.stdout, authURL)
			return authURL
		}
		fmt.Fprintf(c.stderr, "Waiting for the login in your browser (callback %s)…\n", l.t.r.get("redirect-url"))
	}
	return printed
}

// await waits for the callback's query; nil and why when none arrives.
func (l *loginRun) await(ctx context.Context) (url.Values, explanation) {
	select {
	case q := <-l.callbacks:
		return q, explanation{}
	case err := <-l.browseErr:
		return nil, explanation{Cause: "the fake's browser: " + l.t.scrub(err.Error())}
	case <-ctx.Done():
		return nil, explanation{Cause: "no callback arrived: " + ctx.Err().Error(), Fix: "finish the login in the browser within --timeout; if the vendor showed an error page, run 'oauthkit doctor " + l.vendor + "'"}
	}
}

// listenLoopback opens the callback listener. The redirect URL is the
// configured one when it is loopback http (its port is kept), a fresh
// http://127.0.0.1:<port>/callback when none is configured or with --fake,
// and none (the pasted-URL fallback) for a redirect URL elsewhere.
func listenLoopback(o *vendorFlags, fs *flag.FlagSet, c *cli, vendor string) (net.Listener, string, error) {
	configured := ""
	if !o.fake {
		if r, err := o.resolve(fs, c, vendor); err == nil {
			configured = r.get("redirect-url")
		}
	} else if v := *o.values["redirect-url"]; v != "" {
		configured = v
	}
	addr, path := "127.0.0.1:0", "/callback"
	if configured != "" {
		u, err := url.Parse(configured)
		if err != nil {
			return nil, "", fmt.Errorf("--redirect-url: not a URL")
		}
		if u.Scheme != "http" || !httpc.IsLoopback(u.Hostname()) {
			return nil, "", nil // not ours to listen on
		}
		if u.Port() == "" {
			return nil, "", fmt.Errorf("--redirect-url %s has no port: register a loopback redirect URL with a fixed port, or give none to use http://127.0.0.1:<port>/callback", configured)
		}
		addr, path = u.Host, u.Path
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("listen for the callback on %s: %w", addr, err)
	}
	host := ln.Addr().(*net.TCPAddr)
	return ln, fmt.Sprintf("http://%s%s", net.JoinHostPort(hostOf(addr), fmt.Sprint(host.Port)), path), nil
}

func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "127.0.0.1"
	}
	return h
}

// fakeBrowser plays the signed-in user's browser against the fake.
func fakeBrowser(ctx context.Context, t *target, authURL string) error {
	cb, err := t.fake.browse(ctx, authURL)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cb.String(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return errors.New("the callback did not reach the loopback listener")
	}
	resp.Body.Close()
	return nil
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
// never a token. loginURL, when set, is the printed authorization URL,
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
		fmt.Fprintln(c.stdout, "ID token (signature, issuer, audience, expiry and nonce verified):")
		for _, k := range sortedKeys(claims) {
			fmt.Fprintf(c.stdout, "  %-14s %v\n", k, claimText(k, claims[k]))
		}
	} else {
		fmt.Fprintln(c.stdout, "no ID token (an OAuth 2.0 vendor): the profile comes from its user endpoint")
	}
	fmt.Fprintln(c.stdout, "profile:")
	for _, k := range sortedKeys(profile) {
		fmt.Fprintf(c.stdout, "  %-10s %s\n", k, profile[k])
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
