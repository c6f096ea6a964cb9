package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

// tokenSeen, when set (by tests), is given every token a command obtains,
// so that a test can look for it in the output.
var tokenSeen func(*oauth2.Token)

func seen(tok *oauth2.Token) {
	if tokenSeen != nil && tok != nil {
		tokenSeen(tok)
	}
}

// tokenSummary describes a token without any of its values.
func tokenSummary(tok *oauth2.Token, now func() time.Time) string {
	if tok == nil {
		return ""
	}
	seen(tok)
	s := tok.Type() + " token"
	if !tok.Expiry.IsZero() {
		s += fmt.Sprintf(", expires in %s", tok.Expiry.Sub(now()).Round(time.Second))
	}
	if sc := scopes(tok); sc != "" {
		s += ", scopes " + sc
	}
	return s
}

func scopes(tok *oauth2.Token) string {
	sc, _ := tok.Extra("scope").(string)
	return sc
}

func runToken(ctx context.Context, c *cli, args []string) int {
	cmd, _ := lookup("token")
	o := &vendorFlags{}
	fs := o.flagSet(cmd, c)
	vendor, err := c.parse(fs, args)
	if err != nil {
		return c.usageError("token", err)
	}
	ctx, cancel := context.WithTimeout(ctx, orDefault(o.timeout, time.Minute))
	defer cancel()
	t, err := open(ctx, fs, c, o, vendor, "")
	if err != nil {
		return c.usageError("token", err)
	}
	defer t.close()
	if !offersClientCredentials(vendor) {
		// Said before any setting is asked for.
		return c.fail(o.json, vendor, "client credentials", noClientCredentials(vendor))
	}
	if x, ok := t.missing("token"); ok {
		return c.fail(o.json, vendor, "config", x)
	}
	p, err := t.provider()
	if err != nil {
		return c.fail(o.json, vendor, "config", t.explain(err))
	}
	tok, err := p.ClientCredentials(ctx)
	if err != nil {
		x := t.explain(err)
		if errors.Is(err, errors.ErrUnsupported) {
			x.Fix = noClientCredentials(vendor).Fix
		}
		return c.fail(o.json, vendor, "client credentials", x)
	}
	seen(tok)
	if o.header {
		// The one output that holds a token: asked for by name.
		if o.json {
			writeJSON(c.stdout, struct {
				OK            bool   `json:"ok"`
				Vendor        string `json:"vendor"`
				Authorization string `json:"authorization"`
			}{true, vendor, tok.Type() + " " + tok.AccessToken})
		} else {
			fmt.Fprintf(c.stdout, "Authorization: %s %s\n", tok.Type(), tok.AccessToken)
		}
		return exitOK
	}
	var expiresIn time.Duration
	if !tok.Expiry.IsZero() {
		expiresIn = tok.Expiry.Sub(t.now()).Round(time.Second)
	}
	if o.json {
		writeJSON(c.stdout, struct {
			OK        bool      `json:"ok"`
			Vendor    string    `json:"vendor"`
			Type      string    `json:"token_type"`
			Expiry    time.Time `json:"expiry,omitzero"`
			ExpiresIn int64     `json:"expires_in,omitempty"`
			Scopes    []string  `json:"scopes"`
			Refresh   bool      `json:"refresh_token_issued"`
		}{true, vendor, tok.Type(), tok.Expiry, int64(expiresIn / time.Second), strings.Fields(scopes(tok)), tok.RefreshToken != ""})
		return exitOK
	}
	fmt.Fprintf(c.stdout, "vendor   %s\ntype     %s\n", vendor, tok.Type())
	if tok.Expiry.IsZero() {
		fmt.Fprintln(c.stdout, "expiry   none given")
	} else {
		fmt.Fprintf(c.stdout, "expiry   %s (in %s)\n", tok.Expiry.UTC().Format(time.RFC3339), expiresIn)
	}
	fmt.Fprintf(c.stdout, "scopes   %s\n", orNone(scopes(tok)))
	fmt.Fprintln(c.stdout, "(the token itself: --header)")
	return exitOK
}

// offersClientCredentials reports whether the vendor offers client
// credentials: each vendor's Provider implements oauthkit.TokenProvider,
// the cached token of that flow, exactly when it does (docs/names.md).
func offersClientCredentials(vendor string) bool {
	var p oauthkit.Provider
	switch vendor {
	case wu:
		p = (*webuntis.Provider)(nil)
	case us:
		p = (*unisignin.Provider)(nil)
	case ji:
		p = (*justimmo.Provider)(nil)
	case ls:
		p = (*licensespring.Provider)(nil)
	case oi:
		p = (*openid.Provider)(nil)
	}
	_, ok := p.(oauthkit.TokenProvider)
	return ok
}

func noClientCredentials(vendor string) explanation {
	return explanation{
		Cause: vendor + " offers no client credentials (server-to-server tokens)",
		Fix:   vendor + " offers no client credentials: its tokens belong to a user; try 'oauthkit login " + vendor + "'",
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none named)"
	}
	return s
}
