// Package demo runs every vendor's flows against the in-process fakes and
// reports each step: the table examples/demo and `oauthkit demo` print. It
// needs no network and no credentials.
//
// Each vendor's part lives in its own file and registers itself with
// register; [Run] runs them in name order.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Step is one line of the table: a flow of one vendor and how it turned
// out. OK is false for a step that did not go as expected.
type Step struct {
	Vendor  string `json:"vendor"`
	Flow    string `json:"flow"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail"`
	OK      bool   `json:"ok"`
}

// report collects the steps of one vendor.
type report struct {
	vendor string
	steps  []Step
}

// ok records a step that went as expected.
func (r *report) ok(flow, outcome, detail string) {
	r.steps = append(r.steps, Step{r.vendor, flow, outcome, detail, true})
}

// check records err: a step that failed unexpectedly when err is non-nil.
func (r *report) check(flow string, err error) bool {
	if err != nil {
		r.steps = append(r.steps, Step{r.vendor, flow, "FAILED", err.Error(), false})
		return false
	}
	return true
}

// refused records a step that was meant to fail with target: ok when it did.
func (r *report) refused(flow string, err, target error) {
	switch {
	case err == nil:
		r.steps = append(r.steps, Step{r.vendor, flow, "FAILED", "was accepted, expected a refusal", false})
	case !errors.Is(err, target):
		r.steps = append(r.steps, Step{r.vendor, flow, "FAILED", err.Error(), false})
	default:
		r.steps = append(r.steps, Step{r.vendor, flow, "refused as expected", err.Error(), true})
	}
}

type vendorDemo struct {
	vendor string
	run    func(ctx context.Context, r *report)
}

var demos []vendorDemo

// register adds a vendor's demo; each vendor file calls it from init.
func register(vendor string, run func(ctx context.Context, r *report)) {
	demos = append(demos, vendorDemo{vendor, run})
	slices.SortFunc(demos, func(a, b vendorDemo) int { return strings.Compare(a.vendor, b.vendor) })
}

// Run runs every vendor's demo, in name order, each against a fake of its
// own, and returns the steps.
func Run(ctx context.Context) []Step {
	var steps []Step
	for _, d := range demos {
		r := &report{vendor: d.vendor}
		d.run(ctx, r)
		steps = append(steps, r.steps...)
	}
	return steps
}

// Failed counts the steps that did not go as expected.
func Failed(steps []Step) int {
	n := 0
	for _, s := range steps {
		if !s.OK {
			n++
		}
	}
	return n
}

// WriteTable prints steps as the demo's table, details shortened to fit.
func WriteTable(w io.Writer, steps []Step) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VENDOR\tFLOW\tOUTCOME\tDETAIL")
	for _, s := range steps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Vendor, s.Flow, s.Outcome, shorten(s.Detail, 110))
	}
	return tw.Flush()
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
