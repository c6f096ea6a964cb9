package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := runContext(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailed  = 1 // a check, flow or signature failed
	exitUsage   = 2 // the command line is wrong
	exitInvalid = 3 // the configuration cannot be used at all
)

// command is one subcommand.
type command struct {
	name, args, summary, example string
	run                          func(ctx context.Context, c *cli, args []string) int
}

var commands []command

func init() {
	commands = []command{
		{"doctor", "<vendor> [flags]", "check a configuration end to end, one line per check; exit 1 if one fails",
			"oauthkit doctor webuntis --tenant 1234 --client-id my-app  # secrets from OAUTHKIT_WEBUNTIS_CLIENT_SECRET and _PASSWORD", runDoctor},
		{"token", "<vendor> [--header] [flags]", "get a client-credentials token and print its type, expiry and scopes (--header: the Authorization header, for curl)",
			`curl -H "$(oauthkit token justimmo --header)" https://api.justimmo.at/…`, runToken},
		{"login", "<vendor> [--print-url | --device] [flags]", "log in through the system browser with a loopback redirect (openid --device: on another device, RFC 8628) and print the verified claims and profile",
			"oauthkit login unisignin --base-url https://school.unisignin.example --client-id web-1", runLogin},
		{"webhook", "verify --key <public key> [--signature <base64>] < body", "check a captured WebUntis credentials event's signature and print its fields, secrets redacted",
			"oauthkit webhook verify --key \"$OAUTHKIT_WEBUNTIS_WEBHOOK_KEY\" --signature \"$SIG\" < event.json", runWebhook},
		{"demo", "[--json]", "run every vendor's flows against the in-process fakes and print the table examples/demo prints",
			"oauthkit demo", runDemo},
	}
}

// cli is one run: where it reads and writes.
type cli struct {
	env            func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
}

// run is the whole program, for main and for tests: args without the
// program name, env to read environment variables with (os.Getenv).
func run(args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, env, stdin, stdout, stderr)
}

func runContext(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{env: env, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		c.usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if cmd, ok := lookup(args[1]); ok {
				c.commandUsage(stdout, cmd, vendorIn(nil, args[2:]))
				return exitOK
			}
		}
		c.usage(stdout)
		return exitOK
	}
	cmd, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "oauthkit: unknown command %q\n\n", name)
		c.usage(stderr)
		return exitUsage
	}
	return cmd.run(ctx, c, args[1:])
}

func lookup(name string) (command, bool) {
	for _, cmd := range commands {
		if cmd.name == name {
			return cmd, true
		}
	}
	return command{}, false
}
