// Command demo runs every vendor's flows against the in-process fakes and
// prints what happened as a table. It needs no network and no credentials:
//
//	go run ./examples/demo
//
// Each vendor's part lives in its own file and registers itself with
// register; main runs them in name order and exits non-zero if any step did
// not turn out as expected.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// step is one line of the table.
type step struct {
	vendor, flow, outcome, detail string
	ok                            bool
}

// report collects the steps of one vendor.
type report struct {
	vendor string
	steps  []step
}

// ok records a step that went as expected.
func (r *report) ok(flow, outcome, detail string) {
	r.steps = append(r.steps, step{r.vendor, flow, outcome, detail, true})
}

// check records err: a step that failed unexpectedly when err is non-nil.
func (r *report) check(flow string, err error) bool {
	if err != nil {
		r.steps = append(r.steps, step{r.vendor, flow, "FAILED", err.Error(), false})
		return false
	}
	return true
}

// refused records a step that was meant to fail with target: ok when it did.
func (r *report) refused(flow string, err, target error) {
	switch {
	case err == nil:
		r.steps = append(r.steps, step{r.vendor, flow, "FAILED", "was accepted, expected a refusal", false})
	case !errors.Is(err, target):
		r.steps = append(r.steps, step{r.vendor, flow, "FAILED", err.Error(), false})
	default:
		r.steps = append(r.steps, step{r.vendor, flow, "refused as expected", err.Error(), true})
	}
}

type demo struct {
	vendor string
	run    func(ctx context.Context, r *report)
}

var demos []demo

// register adds a vendor's demo; each vendor file calls it from init.
func register(vendor string, run func(ctx context.Context, r *report)) {
	demos = append(demos, demo{vendor, run})
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	slices.SortFunc(demos, func(a, b demo) int { return strings.Compare(a.vendor, b.vendor) })

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VENDOR\tFLOW\tOUTCOME\tDETAIL")
	failed := 0
	for _, d := range demos {
		r := &report{vendor: d.vendor}
		d.run(ctx, r)
		for _, s := range r.steps {
			if !s.ok {
				failed++
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.vendor, s.flow, s.outcome, shorten(s.detail, 110))
		}
	}
	tw.Flush()
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "\n%d step(s) did not go as expected\n", failed)
		os.Exit(1)
	}
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
