package main

import (
	"fmt"
	"slices"
	"strings"
)

// The settings each command needs of each vendor, checked before the
// vendor package's New: New stops at the first missing field, and names
// the Config field, not what this command needs. (WebUntis' New asks for
// "ClientSecret or Password"; token needs the password, login the client
// secret: docs/vendors/webuntis.md#two-credentials.) A newcomer sees every
// missing setting in one run, each with its flag and its environment
// variable. Everything else New validates (https, shapes) it still reports.

// required returns the settings cmd needs of vendor; a group of several
// needs one of them.
func required(cmd, vendor string) [][]string {
	switch vendor {
	case wu:
		need := [][]string{{"tenant"}, {"client-id"}}
		switch cmd {
		case "token":
			return append(need, []string{"password"})
		case "login":
			return append(need, []string{"client-secret"})
		}
		return append(need, []string{"password", "client-secret"})
	case us:
		return [][]string{{"base-url"}, {"client-id"}}
	case ji:
		return [][]string{{"client-id"}, {"client-secret"}}
	case ls:
		return [][]string{{"api-key"}, {"shared-key"}, {"product"}, {"customer-account"}}
	case oi:
		need := [][]string{{"issuer"}, {"client-id"}}
		if cmd == "token" {
			// A public client has no client credentials.
			return append(need, []string{"client-secret", "client-key-file"})
		}
		return need
	}
	return nil
}

// missing explains every setting cmd needs that is not set; false when
// none is missing.
func (t *target) missing(cmd string) (explanation, bool) {
	var names, causes, flags, envs []string
	for _, group := range required(cmd, t.vendor) {
		if slices.ContainsFunc(group, t.r.has) {
			continue
		}
		var f, e, c []string
		for _, name := range group {
			s := settingNamed(name)
			f = append(f, "--"+name)
			e = append(e, s.envName(t.vendor))
			c = append(c, fmt.Sprintf("--%s (%s)", name, s.helpFor(t.vendor)))
		}
		names = append(names, strings.Join(group, " or "))
		flags = append(flags, strings.Join(f, " or "))
		envs = append(envs, strings.Join(e, " or "))
		causes = append(causes, strings.Join(c, " or "))
	}
	if len(names) == 0 {
		return explanation{}, false
	}
	return explanation{
		Cause:   fmt.Sprintf("%s %s needs settings that are not set: %s", cmd, t.vendor, strings.Join(causes, "; ")),
		Fix:     fmt.Sprintf("set %s, or in the environment %s, or in the --config file ('oauthkit help %s %s' explains each)", andList(flags), andList(envs), cmd, t.vendor),
		Missing: names,
	}, true
}

// andList joins "a", "b" and "c" as "a, b and c".
func andList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
