package main

import (
	"encoding/json"
	"fmt"
	"io"
)

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(w, "{\"error\": %q}\n", err.Error())
	}
}

// failure is a command's one failure, in text or JSON.
type failure struct {
	Vendor string `json:"vendor"`
	Step   string `json:"step"`
	explanation
}

// fail prints x as the outcome of step and returns exitFailed.
func (c *cli) fail(jsonOut bool, vendor, step string, x explanation) int {
	if jsonOut {
		writeJSON(c.stdout, struct {
			OK bool `json:"ok"`
			failure
		}{false, failure{vendor, step, x}})
		return exitFailed
	}
	fmt.Fprintf(c.stdout, "%s: %s failed\n", vendor, step)
	writeExplanation(c.stdout, "  ", x)
	return exitFailed
}

func writeExplanation(w io.Writer, indent string, x explanation) {
	fmt.Fprintf(w, "%scause: %s\n", indent, x.Cause)
	if x.Fix != "" {
		fmt.Fprintf(w, "%sfix:   %s\n", indent, x.Fix)
	}
}
