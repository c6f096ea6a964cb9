package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// A secret given as a flag (--password, --client-secret, --api-key,
// --shared-key, --refresh-token) is readable by every user of the machine
// in the process list (ps, /proc/<pid>/cmdline) and usually stays in the
// shell's history. The CLI still accepts it, for a quick check, but says so
// on stderr and names the environment variable to use instead.
//
// Nothing from the command line that may be part of a secret is printed
// back: `--password foo bar` (a password with a space, unquoted) leaves
// "bar" as a stray argument, and an error quoting it would print part of
// the password. So once a secret flag is on the command line, errors about
// a stray argument, an unknown vendor or a flag that does not parse name
// no argument.

// parse parses args into fs, allowing flags both before and after the one
// positional argument; it returns that argument ("" when there is none).
// It warns about every secret given as a flag, whether or not args parse,
// and its errors quote no argument once a secret flag is given.
func (c *cli) parse(fs *flag.FlagSet, args []string) (string, error) {
	// The flag package prints its own errors, quoting the argument; they are
	// returned here and printed by usageError instead.
	fs.SetOutput(io.Discard)
	pos, err := parseArgs(fs, args)
	vendor := ""
	if slices.Contains(vendorNames, pos) {
		vendor = pos
	}
	c.warnSecretFlags(fs, vendor)
	switch {
	case err == nil:
		return pos, nil
	case errors.Is(err, flag.ErrHelp):
		if cmd, ok := lookup(strings.Fields(fs.Name())[0]); ok {
			c.commandUsage(c.stdout, cmd, vendorIn(fs, args))
		}
		return "", err
	case !secretFlagGiven(fs):
		return "", err
	}
	if errors.Is(err, errStrayArgument) {
		return "", fmt.Errorf("%w (%s)", errStrayArgument, notShown)
	}
	return "", fmt.Errorf("the arguments after a secret flag do not parse (%s)", notShown)
}

// notShown says why an error quotes no argument.
const notShown = "not shown: it may be part of a secret; quote a value that has spaces, or better, set the secret in the environment"

// errStrayArgument is an argument after the positional one.
var errStrayArgument = errors.New("unexpected argument")

// parseArgs is parse without its care for secrets. It returns the
// positional argument also with an error about what follows it.
func parseArgs(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() == 0 {
		return "", nil
	}
	pos := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return pos, err
	}
	if fs.NArg() > 0 {
		return pos, fmt.Errorf("%w %q", errStrayArgument, fs.Arg(0))
	}
	return pos, nil
}

// secretSettingsGiven returns the secret settings set as flags.
func secretSettingsGiven(fs *flag.FlagSet) []setting {
	var out []setting
	fs.Visit(func(f *flag.Flag) {
		for _, s := range settings {
			if s.secret && s.flag == f.Name {
				out = append(out, s)
			}
		}
	})
	return out
}

func secretFlagGiven(fs *flag.FlagSet) bool { return len(secretSettingsGiven(fs)) > 0 }

// warnSecretFlags writes one warning per secret given as a flag. vendor
// names the environment variable; "" when it is not known.
func (c *cli) warnSecretFlags(fs *flag.FlagSet, vendor string) {
	if vendor == "" {
		vendor = "<vendor>"
	}
	for _, s := range secretSettingsGiven(fs) {
		fmt.Fprintf(c.stderr, "oauthkit: warning: --%s on the command line is readable by other users and processes (ps, /proc) and stays in shell history; set %s in the environment, or use --config, instead\n",
			s.flag, s.envName(vendor))
	}
}

// quoteArg quotes an argument for an error, unless a secret flag is given,
// when it may be part of that secret.
func quoteArg(fs *flag.FlagSet, arg string) string {
	if secretFlagGiven(fs) {
		return "(" + notShown + ")"
	}
	return strconv.Quote(arg)
}
