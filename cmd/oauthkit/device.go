package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
)

// deviceLoginer is a provider that offers the Device Authorization Grant
// (RFC 8628): package openid's.
type deviceLoginer interface {
	oauthkit.Provider
	DeviceAuthorization(ctx context.Context, opts ...oauthkit.AuthOption) (*openid.DeviceAuthorization, error)
	DeviceLogin(ctx context.Context, da *openid.DeviceAuthorization) (*oauthkit.Login, error)
}

// runDeviceLogin is `login --device`: start a device login, show the
// verification URI and the user code (stdout; with --json, stderr), poll
// until the user approves on any device, and print the login as login
// does. With --fake the fake's signed-in user approves the code. The
// device code is a secret and is never printed.
func runDeviceLogin(ctx context.Context, c *cli, o *vendorFlags, fs *flag.FlagSet, vendor string, timeout time.Duration) int {
	if vendor != oi {
		err := fmt.Errorf("%s: device authorization: %w", vendor, errors.ErrUnsupported)
		return c.fail(o.json, vendor, "device authorization", explanation{
			Cause: err.Error() + ": " + vendor + " does not offer the device authorization grant (RFC 8628); only openid does, on a server with a device_authorization_endpoint",
			Fix:   "log in without --device: the browser on this machine, or --print-url to open the URL in a browser elsewhere",
		})
	}
	t, err := open(ctx, fs, c, o, vendor, "")
	if err != nil {
		return c.usageError("login", err)
	}
	defer t.close()
	if x, ok := t.missing("login"); ok {
		return c.fail(o.json, vendor, "config", x)
	}
	pv, err := t.provider()
	if err != nil {
		return c.fail(o.json, vendor, "config", t.explain(err))
	}
	p, ok := pv.(deviceLoginer)
	if !ok {
		return c.fail(o.json, vendor, "device authorization", explanation{Cause: vendor + " does not offer the device authorization grant (RFC 8628)", Fix: "log in without --device"})
	}
	da, err := p.DeviceAuthorization(ctx)
	if err != nil {
		x := t.explain(err)
		if errors.Is(err, errors.ErrUnsupported) {
			x = explanation{Cause: t.scrub(err.Error()), Fix: "the server publishes no device_authorization_endpoint: log in without --device"}
		}
		return c.fail(o.json, vendor, "device authorization", x)
	}
	// The device code is a secret: the leak checks look for it too.
	seen(&oauth2.Token{AccessToken: da.DeviceCode.Reveal()})
	out := c.stdout
	if o.json {
		out = c.stderr
	}
	// The server chose these: a control character in them (a terminal
	// escape) is printed escaped, never raw.
	fmt.Fprintf(out, "To log in, open %s and enter the code %s\n", termText(da.VerificationURI), termText(da.UserCode))
	if da.VerificationURIComplete != "" {
		fmt.Fprintf(out, "(or open %s)\n", termText(da.VerificationURIComplete))
	}
	left := time.Until(da.ExpiresAt).Round(time.Second)
	if o.fake {
		left = da.ExpiresAt.Sub(t.now()).Round(time.Second)
	}
	fmt.Fprintf(c.stderr, "Waiting for the approval (the code expires in %s)…\n", left)
	if o.fake {
		fmt.Fprintln(c.stderr, "The fake's user approves the code.")
		if err := t.fake.approveDevice(da.UserCode); err != nil {
			return c.fail(o.json, vendor, "device login", explanation{Cause: "the fake's user: " + err.Error()})
		}
	}
	login, err := p.DeviceLogin(ctx, da)
	if err != nil {
		x := t.explain(err)
		switch {
		case errors.Is(err, openid.ErrExpiredToken):
			x.Fix = "approve the code before it expires, then run 'oauthkit login " + vendor + " --device' again"
		case errors.Is(err, oauthkit.ErrAccessDenied):
			x.Fix = "the user declined at the verification URI"
		case errors.Is(err, context.DeadlineExceeded):
			x = explanation{Cause: "no approval arrived: " + t.scrub(err.Error()), Fix: fmt.Sprintf("approve the code within --timeout (now %s)", timeout)}
		}
		return c.fail(o.json, vendor, "device login", x)
	}
	seen(login.Token)
	return c.printLogin(ctx, o.json, t, p, login, da.VerificationURI)
}
