package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// vendorNames are the vendors every vendor command knows.
// openid is the standards provider (package openid): any OpenID Provider
// or OAuth 2.0 authorization server, named by its issuer.
var vendorNames = []string{"webuntis", "unisignin", "justimmo", "licensespring", "openid"}

// setting is one configuration value a vendor command reads from a flag,
// the environment (OAUTHKIT_<VENDOR>_<ENV>) or the --config file (key).
type setting struct {
	flag    string
	secret  bool     // never printed, in any output
	vendors []string // the vendors that use it
	help    string
	per     map[string]string // the help for one vendor, where it differs
}

func (s setting) envName(vendor string) string {
	return "OAUTHKIT_" + strings.ToUpper(vendor) + "_" + strings.ToUpper(strings.ReplaceAll(s.flag, "-", "_"))
}

// helpFor is the setting's help for vendor.
func (s setting) helpFor(vendor string) string {
	if h, ok := s.per[vendor]; ok {
		return h
	}
	return s.help
}

const (
	wu = "webuntis"
	us = "unisignin"
	ji = "justimmo"
	ls = "licensespring"
	oi = "openid"
)

var settings = []setting{
	{"base-url", false, []string{wu, us}, "server URL", map[string]string{
		wu: "WebUntis server URL (zero: https://api.webuntis.com)",
		us: "the organisation's UniSignIn URL, https://SUBDOMAIN.DOMAIN",
	}},
	{"issuer", false, []string{oi}, "the provider's issuer URL, exactly as its discovery document names it ({issuer}/.well-known/openid-configuration)", nil},
	{"tenant", false, []string{wu}, "WebUntis tenantId (the school)", nil},
	{"client-id", false, []string{wu, us, ji, oi}, "OAuth client id", nil},
	{"client-secret", true, []string{wu, us, ji, oi}, "client secret", map[string]string{
		wu: "the OIDC client secret from the Platform Application Manager, for login (the code flow); not the platform password",
		us: "client secret of the web flow (zero: the app flow, PKCE plain)",
		ji: "client secret (every Justimmo grant sends it)",
		oi: "client secret, for client_secret_basic or client_secret_post (zero: --client-key-file, or a public client)",
	}},
	{"client-key-file", false, []string{oi}, "PEM file of the client's private key, for private_key_jwt (PKCS #8, PKCS #1 RSA or SEC 1 EC; RS256, ES256 or EdDSA)", nil},
	{"key-id", false, []string{oi}, "the client key's kid, as registered with the provider (private_key_jwt)", nil},
	{"auth-method", false, []string{oi}, "client_secret_basic, client_secret_post, private_key_jwt or none (zero: chosen from the server's token_endpoint_auth_methods_supported and the credential given)", nil},
	{"password", true, []string{wu}, "WebUntis platform password from the credentials webhook, for client credentials (token); not the OIDC client secret", nil},
	{"redirect-url", false, []string{wu, us, ji, ls, oi}, "redirect URL as registered with the vendor (login: zero, or a loopback URL on 127.0.0.1 or [::1], listens on it; no port: a free one)", nil},
	{"scopes", false, []string{wu, us, ji, oi}, "scopes, separated by spaces or commas (zero: the vendor package's default)", map[string]string{
		oi: "scopes of a login, separated by spaces or commas (zero: openid; without openid, an OAuth 2.0 server's RFC 8414 metadata is read)",
	}},
	{"auth-url", false, []string{ji}, "Justimmo authorization server URL (zero: https://auth.justimmo.at)", nil},
	{"api-url", false, []string{ji, ls}, "API URL", map[string]string{
		ji: "Justimmo API URL (zero: https://api.justimmo.at)",
		ls: "LicenseSpring API URL (zero: https://api.licensespring.com)",
	}},
	{"api-key", true, []string{ls}, "LicenseSpring API key", nil},
	{"shared-key", true, []string{ls}, "LicenseSpring shared key, exactly as shown", nil},
	{"product", false, []string{ls}, "LicenseSpring product short code", nil},
	{"customer-account", false, []string{ls}, "LicenseSpring customer account code", nil},
	{"refresh-token", true, []string{us, ji}, "a user's refresh token, for doctor --spend-refresh-token, which checks it is still alive by spending it: UniSignIn and Justimmo rotate refresh tokens and doctor keeps no new one, so the user must log in again afterwards (without --spend-refresh-token it is not checked)", nil},
}

func settingNamed(name string) setting {
	for _, s := range settings {
		if s.flag == name {
			return s
		}
	}
	panic("oauthkit: unknown setting " + name)
}

// vendorFlags are the flags of doctor, token and login.
type vendorFlags struct {
	json, fake, header, printURL, app, device bool
	spendRefresh                              bool // doctor: check --refresh-token, spending it
	mixup, config                             string
	timeout                                   time.Duration
	values                                    map[string]*string
}

func (o *vendorFlags) flagSet(cmd command, c *cli) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.BoolVar(&o.json, "json", false, "print JSON instead of text")
	fs.BoolVar(&o.fake, "fake", false, "run against the vendor's in-process fake instead of the vendor")
	fs.StringVar(&o.mixup, "mixup", "", "with --fake: make a documented mistake ("+strings.Join(mixupNames(), ", ")+")")
	fs.StringVar(&o.config, "config", "", "JSON `file` of settings: {\"<vendor>\": {\"client_id\": \"…\", …}}")
	fs.DurationVar(&o.timeout, "timeout", 0, "give up after this long (zero: 1m, login 5m)")
	fs.BoolVar(&o.app, "app", false, "UniSignIn: the app flow (public client, PKCE plain) even when a client secret is set")
	switch cmd.name {
	case "token":
		fs.BoolVar(&o.header, "header", false, "print only 'Authorization: Bearer <token>' (the one output that holds a token)")
	case "doctor":
		fs.BoolVar(&o.spendRefresh, "spend-refresh-token", false, "UniSignIn, Justimmo: check --refresh-token by refreshing with it, which spends it (both vendors rotate refresh tokens, and doctor keeps no new one): the user must log in again afterwards")
	case "login":
		fs.BoolVar(&o.printURL, "print-url", false, "print the login URL instead of opening a browser")
		fs.BoolVar(&o.device, "device", false, "openid: log in on another device (RFC 8628): print a URL and a code, wait for the approval")
	}
	o.values = map[string]*string{}
	for _, s := range settings {
		// The help shows each vendor's own text (vendorCommandUsage).
		o.values[s.flag] = fs.String(s.flag, "", s.help)
	}
	return fs
}

// resolved is a vendor's configuration with where each value came from.
type resolved struct {
	vendor string
	values map[string]string // setting → value
	source map[string]string // setting → "flag", "env", "file" or "fake"
}

func (r *resolved) get(name string) string { return r.values[name] }

func (r *resolved) has(name string) bool { return r.values[name] != "" }

// set overrides a value (the fake's registration, a mix-up).
func (r *resolved) set(name, value, source string) {
	r.values[name] = value
	r.source[name] = source
}

// fromFlags returns the values given as flags.
func (r *resolved) fromFlags() map[string]string {
	flags := map[string]string{}
	for k, src := range r.source {
		if src == "flag" {
			flags[k] = r.values[k]
		}
	}
	return flags
}

// secretValues returns every secret setting's value.
func (r *resolved) secretValues() []string {
	var out []string
	for _, s := range settings {
		if s.secret && r.values[s.flag] != "" {
			out = append(out, r.values[s.flag])
		}
	}
	return out
}

// resolve reads the vendor's settings: flags over the environment over the
// --config file.
func (o *vendorFlags) resolve(fs *flag.FlagSet, c *cli, vendor string) (*resolved, error) {
	if !slices.Contains(vendorNames, vendor) {
		if vendor == "" {
			return nil, fmt.Errorf("name a vendor: %s", strings.Join(vendorNames, ", "))
		}
		return nil, fmt.Errorf("unknown vendor %s; one of %s", quoteArg(fs, vendor), strings.Join(vendorNames, ", "))
	}
	r := &resolved{vendor: vendor, values: map[string]string{}, source: map[string]string{}}
	if o.config != "" && !o.fake {
		file, err := readConfigFile(o.config, vendor)
		if err != nil {
			return nil, err
		}
		for k, v := range file {
			r.set(k, v, "file")
		}
	}
	for _, s := range settings {
		if o.fake {
			break // nothing real goes to a fake
		}
		if v := c.env(s.envName(vendor)); v != "" {
			r.set(s.flag, v, "env")
		}
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	for _, s := range settings {
		if explicit[s.flag] {
			r.set(s.flag, *o.values[s.flag], "flag")
		}
	}
	for name := range r.values {
		if s := settingNamed(name); !slices.Contains(s.vendors, vendor) && r.source[name] == "flag" {
			return nil, fmt.Errorf("--%s is not a %s setting", name, vendor)
		}
	}
	return r, nil
}

// readConfigFile reads the vendor's object of a --config file. Errors name
// the file and the key, never a value.
func readConfigFile(path, vendor string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	var all map[string]map[string]string
	if err := json.Unmarshal(b, &all); err != nil {
		// The decoder's message may quote the file; say only where it broke.
		if se, ok := err.(*json.SyntaxError); ok {
			return nil, fmt.Errorf("--config %s: not JSON (syntax error at byte %d)", path, se.Offset)
		}
		return nil, fmt.Errorf("--config %s: want {\"<vendor>\": {\"<setting>\": \"<string>\", …}}", path)
	}
	out := map[string]string{}
	for k, v := range all[vendor] {
		name := strings.ReplaceAll(k, "_", "-")
		ok := slices.ContainsFunc(settings, func(s setting) bool { return s.flag == name })
		if !ok {
			return nil, fmt.Errorf("--config %s: unknown %s setting %q", path, vendor, k)
		}
		out[name] = v
	}
	return out, nil
}

func splitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
}
