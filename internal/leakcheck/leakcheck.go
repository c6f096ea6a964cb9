// Package leakcheck is for tests: it checks that text shows none of a set of
// secrets, and on failure names which one by position, never by value, so a
// failing test does not print the secret it caught.
package leakcheck

import (
	"fmt"
	"strings"
	"testing"
)

// minLen is the shortest value checked: shorter ones match by accident.
const minLen = 4

// Verbs are the fmt verbs a value is printed with by [Formatted].
var Verbs = []string{"%v", "%+v", "%#v", "%s"}

// Text reports an error for every secret found in text.
func Text(t testing.TB, what, text string, secrets ...string) {
	t.Helper()
	for i, s := range secrets {
		if len(s) >= minLen && strings.Contains(text, s) {
			t.Errorf("%s shows secret #%d (%d bytes)", what, i, len(s))
		}
	}
}

// Formatted checks every value printed with every verb of [Verbs].
func Formatted(t testing.TB, values []any, secrets ...string) {
	t.Helper()
	for i, v := range values {
		for _, verb := range Verbs {
			Text(t, fmt.Sprintf("%s of value #%d (%T)", verb, i, v), fmt.Sprintf(verb, v), secrets...)
		}
	}
}
