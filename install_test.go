package oauthkit_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeUseItToday runs what README.md's "Use it today" shows, as
// shown, in a fresh module next to a checkout (this repository, as
// ../oauthkit): the workspace's commands, then the replace directive's;
// each must build a program importing the module, and it must run. It
// also installs the CLI the way "Diagnose an integration" shows. Nothing
// is downloaded: GOPROXY=off, the dependencies come from the module cache
// the repository's own tests filled, and the replace module starts from
// the repository's go.sum so that no checksum is looked up. Skipped when
// no go command is found, or -short.
func TestReadmeUseItToday(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three programs with the go command")
	}
	goCmd := goCommand(t)
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	repo, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	section := between(t, string(readme), "## Use it today\n", "\n## ")

	// The shown commands, comments dropped.
	block := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(section)
	if block == nil {
		t.Fatal(`README's "Use it today" shows no sh block`)
	}
	var workspace [][]string
	for _, line := range strings.Split(strings.TrimSpace(block[1]), "\n") {
		cmd, _, _ := strings.Cut(line, "#")
		workspace = append(workspace, strings.Fields(cmd))
	}
	if len(workspace) != 2 {
		t.Errorf(`README's "Use it today" shows %d commands, want 2 (a workspace, a build)`, len(workspace))
	}
	replace := regexp.MustCompile("`(go mod edit -replace=[^`]+)`").FindStringSubmatch(section)
	if replace == nil {
		t.Fatal(`README's "Use it today" shows no go mod edit -replace`)
	}
	var replaceCmds [][]string
	for _, cmd := range strings.Split(replace[1], "&&") {
		replaceCmds = append(replaceCmds, strings.Fields(cmd))
	}

	for _, tc := range []struct {
		name  string
		cmds  [][]string
		goSum bool // start from the repository's go.sum
	}{
		{"workspace", workspace, false},
		{"replace", append(replaceCmds, []string{"go", "build", "./..."}), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.Symlink(repo, filepath.Join(root, "oauthkit")); err != nil {
				t.Skipf("cannot link the checkout: %v", err)
			}
			app := filepath.Join(root, "app")
			write(t, filepath.Join(app, "go.mod"), "module example.com/app\n\ngo 1.26.0\n")
			write(t, filepath.Join(app, "main.go"), `package main

import (
	"fmt"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

func main() {
	_, err := webuntis.New(webuntis.Config{Tenant: "1234", ClientID: "app", Password: oauthkit.Secret("pw")})
	fmt.Println("built against the checkout:", err == nil)
}
`)
			if tc.goSum {
				sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
				if err != nil {
					t.Fatal(err)
				}
				write(t, filepath.Join(app, "go.sum"), string(sum))
			}
			for _, cmd := range tc.cmds {
				if len(cmd) == 0 || cmd[0] != "go" {
					t.Fatalf("README shows %q, not a go command", strings.Join(cmd, " "))
				}
				runGo(t, goCmd, app, nil, cmd[1:]...)
			}
			// go build of the one main package left the program as ./app.
			out, err := exec.Command(filepath.Join(app, "app")).CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "built against the checkout: true" {
				t.Errorf("the program built: %v\n%s", err, out)
			}
		})
	}

	t.Run("the CLI", func(t *testing.T) {
		diagnose := between(t, string(readme), "## Diagnose an integration\n", "\n## ")
		m := regexp.MustCompile("(?m)^(go install [^#\n]*?)\\s*(#|$)").FindStringSubmatch(diagnose)
		if m == nil {
			t.Fatal(`README's "Diagnose an integration" shows no go install`)
		}
		args := strings.Fields(m[1])
		if strings.Contains(m[1], "@") {
			t.Fatalf("README installs the CLI with %q, which needs the unpublished module", m[1])
		}
		bin := t.TempDir()
		runGo(t, goCmd, repo, []string{"GOBIN=" + bin}, args[1:]...)
		out, err := exec.Command(filepath.Join(bin, "oauthkit"), "help").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Usage: oauthkit <command>") {
			t.Errorf("the installed oauthkit: %v\n%s", err, out)
		}
	})
}

// goCommand is the go command on PATH (go test puts the Go running the
// test first there); the test is skipped without one.
func goCommand(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command: the README's workflow cannot be run")
	}
	return p
}

// runGo runs the go command in dir, offline, and returns its output.
func runGo(t *testing.T, goCmd, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(goCmd, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=", "GOWORK=")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s (in %s): %v\n%s", strings.Join(args, " "), filepath.Base(dir), err, out)
	}
	return string(out)
}

// between returns the text of s after start up to end.
func between(t *testing.T, s, start, end string) string {
	t.Helper()
	_, after, ok := strings.Cut(s, start)
	if !ok {
		t.Fatalf("README.md has no %q", strings.TrimSpace(start))
	}
	section, _, _ := strings.Cut(after, end)
	return section
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
