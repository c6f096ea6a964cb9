package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// The help texts. A vendor command's help shows the command's own flags
// and, without a vendor, each vendor's setting names on one line; with a
// vendor ('oauthkit help token webuntis', 'oauthkit token webuntis -h'),
// that vendor's settings explained, its environment variables and its
// mix-ups. The flag set that parses holds every vendor's settings: the help
// shows a newcomer only the ones that apply.

func (c *cli) usage(w io.Writer) {
	fmt.Fprintln(w, "oauthkit tells you what is wrong with a WebUntis, UniSignIn, Justimmo, LicenseSpring or OpenID Provider (openid) integration.")
	fmt.Fprintln(w, "\nUsage: oauthkit <command> [arguments]\n\nCommands:")
	for _, cmd := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintf(w, "\nVendors: %s\n", strings.Join(vendorNames, ", "))
	fmt.Fprintln(w, "Run 'oauthkit help <command> [<vendor>]' or 'oauthkit <command> [<vendor>] -h' for a command's flags.")
	fmt.Fprintln(w, "Example: oauthkit doctor webuntis --fake")
}

// commandUsage prints cmd's help; vendor is "" or a known vendor.
func (c *cli) commandUsage(w io.Writer, cmd command, vendor string) {
	fmt.Fprintf(w, "Usage: oauthkit %s %s\n\n%s.\n\nExample:\n  %s\n", cmd.name, cmd.args, upperFirst(cmd.summary), cmd.example)
	switch cmd.name {
	case "doctor", "token", "login":
		c.vendorCommandUsage(w, cmd, vendor)
	case "webhook":
		o := &webhookFlags{}
		printFlags(w, "Flags", o.flagSet(c), nil)
		fmt.Fprintln(w, "\nstdin holds the raw body as received, or the whole captured HTTP request (\"POST … HTTP/1.1\", headers, body),\nwhose Authorization and Algorithm headers then give the signature. The key may come from OAUTHKIT_WEBUNTIS_WEBHOOK_KEY.")
	case "demo":
		o := &demoFlags{}
		printFlags(w, "Flags", o.flagSet(c), nil)
	}
}

// vendorCommandUsage is the flag part of doctor's, token's and login's help.
func (c *cli) vendorCommandUsage(w io.Writer, cmd command, vendor string) {
	o := &vendorFlags{}
	fs := o.flagSet(cmd, c)
	own := commandFlags(cmd.name)
	printFlags(w, "Flags", fs, func(f *flag.Flag) (string, bool) {
		if !slices.Contains(own, f.Name) {
			return "", false
		}
		if f.Name == "mixup" && vendor != "" {
			return "with --fake: make a documented mistake (" + strings.Join(mixupsOf(vendor), ", ") + ")", true
		}
		return f.Usage, true
	})
	if vendor == "" {
		fmt.Fprintf(w, "\nSettings, by vendor (each a flag, OAUTHKIT_<VENDOR>_<SETTING> or a key of the --config file;\n'oauthkit help %s <vendor>' explains a vendor's):\n", cmd.name)
		for _, v := range vendorNames {
			var names []string
			for _, f := range vendorFlagNames(v) {
				names = append(names, "--"+f)
			}
			fmt.Fprintf(w, "  %-14s %s\n", v, strings.Join(names, " "))
		}
	} else {
		title := fmt.Sprintf("Settings of %s (each a flag, the environment variable named, or a key of the --config file)", vendor)
		mine := vendorFlagNames(vendor)
		printFlags(w, title, fs, func(f *flag.Flag) (string, bool) {
			if !slices.Contains(mine, f.Name) {
				return "", false
			}
			if f.Name == "app" {
				return "the app flow (public client, PKCE plain) even when a client secret is set", true
			}
			s := settingNamed(f.Name)
			if s.secret {
				return s.helpFor(vendor) + " (secret: prefer " + s.envName(vendor) + ")", true
			}
			return s.helpFor(vendor) + " (or " + s.envName(vendor) + ")", true
		})
	}
	fmt.Fprintln(w, "\nSecrets are never printed; prefer the environment or --config for them: a flag shows in the process list.")
}

// commandFlags are the flags of a vendor command that are not settings.
func commandFlags(cmd string) []string {
	own := []string{"json", "fake", "mixup", "config", "timeout"}
	switch cmd {
	case "doctor":
		own = append(own, "spend-refresh-token")
	case "token":
		own = append(own, "header")
	case "login":
		own = append(own, "print-url", "device")
	}
	return own
}

// vendorFlagNames are the settings a vendor uses, and UniSignIn's --app.
func vendorFlagNames(vendor string) []string {
	var names []string
	for _, s := range settings {
		if slices.Contains(s.vendors, vendor) {
			names = append(names, s.flag)
		}
	}
	if vendor == us {
		names = append(names, "app")
	}
	return names
}

// printFlags prints the flags of fs that show says to, with the usage it
// returns, in the flag package's format; show nil prints them all.
func printFlags(w io.Writer, title string, fs *flag.FlagSet, show func(*flag.Flag) (string, bool)) {
	out := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) {
		usage := f.Usage
		if show != nil {
			var ok bool
			if usage, ok = show(f); !ok {
				return
			}
		}
		out.Var(f.Value, f.Name, usage)
	})
	fmt.Fprintf(w, "\n%s:\n", title)
	out.SetOutput(w)
	out.PrintDefaults()
}

// vendorIn returns the positional argument of args when it names a vendor,
// else "". With fs, the value of a flag that takes one (--password
// webuntis) is skipped, never taken for the vendor: help output may show
// the vendor, and a secret must not be printed back.
func vendorIn(fs *flag.FlagSet, args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			continue
		}
		if strings.HasPrefix(a, "-") {
			name := strings.TrimLeft(a, "-")
			if fs != nil && !strings.Contains(name, "=") && takesValue(fs.Lookup(name)) {
				i++
			}
			continue
		}
		if slices.Contains(vendorNames, a) {
			return a
		}
		return ""
	}
	return ""
}

// takesValue reports whether a flag takes the next argument as its value.
func takesValue(f *flag.Flag) bool {
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// usageError reports a command-line mistake and how to get help.
func (c *cli) usageError(cmd string, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK // parse printed the help
	}
	fmt.Fprintf(c.stderr, "oauthkit %s: %v\nRun 'oauthkit help %s' for usage.\n", cmd, err, cmd)
	return exitUsage
}
