package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// termText makes text that a provider, a webhook's sender or any other
// outsider chose safe to print to a terminal in text mode: returned as is
// when every character is printable, else quoted as a Go string literal
// (strconv.Quote), so that an escape sequence ("\x1b]…", which can
// retitle the window, rewrite lines or hide what follows), a carriage
// return, a bidirectional override or invalid UTF-8 is shown as escaped
// text rather than acted on. JSON output needs none of this: the encoder
// escapes control characters itself.
func termText(s string) string {
	for i, r := range s {
		if (r == utf8.RuneError && !isRuneErrorChar(s[i:])) || !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// isRuneErrorChar reports whether s starts with U+FFFD itself rather than
// with a byte that is not UTF-8.
func isRuneErrorChar(s string) bool {
	_, size := utf8.DecodeRuneInString(s)
	return size > 1
}

// termValue is termText for any value printed with %v.
func termValue(v any) string { return termText(fmt.Sprint(v)) }

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
