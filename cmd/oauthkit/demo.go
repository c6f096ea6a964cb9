package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/internal/demo"
)

type demoFlags struct{ json bool }

func (o *demoFlags) flagSet(c *cli) *flag.FlagSet {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.BoolVar(&o.json, "json", false, "print JSON instead of the table")
	fs.Bool("fake", true, "always on: the demo runs against the in-process fakes")
	return fs
}

// runDemo prints internal/demo's table, as examples/demo does.
func runDemo(ctx context.Context, c *cli, args []string) int {
	o := &demoFlags{}
	fs := o.flagSet(c)
	if pos, err := c.parse(fs, args); err != nil || pos != "" {
		if err == nil {
			err = fmt.Errorf("demo takes no argument, got %q", pos)
		}
		return c.usageError("demo", err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	steps := demo.Run(ctx)
	failed := demo.Failed(steps)
	if o.json {
		writeJSON(c.stdout, struct {
			OK     bool        `json:"ok"`
			Failed int         `json:"failed"`
			Steps  []demo.Step `json:"steps"`
		}{failed == 0, failed, steps})
	} else {
		demo.WriteTable(c.stdout, steps)
		if failed > 0 {
			fmt.Fprintf(c.stderr, "\n%d step(s) did not go as expected\n", failed)
		}
	}
	if failed > 0 {
		return exitFailed
	}
	return exitOK
}
