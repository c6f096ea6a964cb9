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
	var browser sync.WaitGroup
	defer browser.Wait() // after the listener closes, before cancel

	// The loopback redirect (RFC 8252 §7.3): listen first, so that the URL
	// carries the real port. A configured loopback redirect URL keeps its
	// port, since most vendors match it exactly.
	ln, redirect, err := listenLoopback(o, fs, c, vendor)
	if err != nil {
		return c.usageError("login", err)
	}
	if ln != nil {
		defer ln.Close()
	}
	t, err := open(ctx, fs, c, o, vendor, redirect)
	if err != nil {
		return c.usageError("login", err)
	}
	defer t.close()
	if redirect != "" && !o.fake {
		t.r.set("redirect-url", redirect, "loopback")
	}
	p, err := t.provider()
	if err != nil {
		return c.fail(o.json, vendor, "config", t.explain(err))
	}
	ar, err := p.AuthCodeURL(ctx)
	if err != nil {
		return c.fail(o.json, vendor, "authorize request", t.explain(err))
	}
	if o.mixup == "dash-verifier" {
		dashVerifier(ar)
	}
	// Ask the authorization endpoint first, without a session: a redirect
	// URL it does not know or a challenge it refuses shows here, where the
	// refusal can be explained, rather than in a browser tab.
	if _, err := t.probeAuthorize(ctx, ar); err != nil {
		return c.fail(o.json, vendor, "authorize", t.explain(err))
	}

	callbacks := make(chan url.Values, 1)
	browseErr := make(chan error, 1)
	if ln != nil {
		path := "/callback"
		if u, err := url.Parse(t.r.get("redirect-url")); err == nil && u.Path != "" {
			path = u.Path
		}
		srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path {
				http.NotFound(w, r)
				return
			}
			select {
			case callbacks <- r.URL.Query():
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, callbackPage)
			default:
				http.Error(w, "a callback has arrived already", http.StatusConflict)
			}
		})}
		go srv.Serve(ln)
		defer srv.Close()
	}

	switch {
	case o.fake:
		// The fake's user is signed in: play the browser, then deliver the
		// vendor's redirect to the loopback listener as the browser would.
		// It reports to browseErr only: nothing is written once run returns.
		browser.Go(func() {
			if err := fakeBrowser(ctx, t, ar.URL); err != nil {
				browseErr <- err
			}
		})
	case o.printURL || ln == nil:
		// The URL holds the login's state and challenge, not a credential.
		fmt.Fprintf(c.stderr, "Open this URL in a browser and log in:\n")
		fmt.Fprintln(c.stdout, ar.URL)
		if ln == nil {
			fmt.Fprintf(c.stderr, "Then paste the URL the browser ends on (%s?code=…) here:\n", t.r.get("redirect-url"))
			go readPastedCallback(c, callbacks)
		}
	default:
		if err := openBrowser(ctx, ar.URL); err != nil {
			fmt.Fprintf(c.stderr, "oauthkit login: cannot open a browser (%v); open this URL:\n", err)
			fmt.Fprintln(c.stdout, ar.URL)
		} else {
			fmt.Fprintf(c.stderr, "Waiting for the login in your browser (callback %s)…\n", t.r.get("redirect-url"))
		}
	}

	var q url.Values
	select {
	case q = <-callbacks:
	case err := <-browseErr:
		return c.fail(o.json, vendor, "login", explanation{Cause: "the fake's browser: " + t.scrub(err.Error())})
	case <-ctx.Done():
		return c.fail(o.json, vendor, "login", explanation{Cause: "no callback arrived: " + ctx.Err().Error(), Fix: "finish the login in the browser within --timeout; if the vendor showed an error page, run 'oauthkit doctor " + vendor + "'"})
	}
	login, err := oauthkit.Complete(ctx, p, ar, q)
	if err != nil {
		return c.fail(o.json, vendor, "login", t.explain(err))
	}
	seen(login.Token)
	return c.printLogin(ctx, o.json, t, p, login)
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
// never a token.
func (c *cli) printLogin(ctx context.Context, jsonOut bool, t *target, p oauthkit.Provider, login *oauthkit.Login) int {
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
		}{true, t.vendor, login.IDToken != nil, claims, profile, tok}
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
