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

// Verbs are the fmt verbs a value is printed with by [Find] and [Formatted].
var Verbs = []string{"%v", "%+v", "%#v", "%s"}

// Text reports an error for every secret found in text.
func Text(t testing.TB, what, text string, secrets ...string) {
	t.Helper()
	for _, found := range find(what, text, secrets) {
		t.Error(found)
	}
}

// Formatted reports an error for every secret found in a value printed with
// one of [Verbs], or in its Error() for an error.
func Formatted(t testing.TB, values []any, secrets ...string) {
	t.Helper()
	for _, found := range Find(secrets, values...) {
		t.Error(found)
	}
}

// Find describes every place a secret shows in values printed with [Verbs]
// (and Error(), for errors). The descriptions name the value's type, the
// verb and the secret's position, never the secret.
func Find(secrets []string, values ...any) []string {
	var found []string
	for i, v := range values {
		for _, verb := range Verbs {
			found = append(found, find(fmt.Sprintf("%s of value #%d (%T)", verb, i, v), fmt.Sprintf(verb, v), secrets)...)
		}
		if e, ok := v.(error); ok && e != nil {
			found = append(found, find(fmt.Sprintf("Error() of value #%d (%T)", i, v), e.Error(), secrets)...)
		}
	}
	return found
}

func find(what, text string, secrets []string) []string {
	var found []string
	for i, s := range secrets {
		if len(s) >= minLen && strings.Contains(text, s) {
			found = append(found, fmt.Sprintf("%s shows secret #%d (%d bytes)", what, i, len(s)))
		}
	}
	return found
}
