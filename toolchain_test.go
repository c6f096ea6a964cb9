package oauthkit_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestCIRunsTestsAndGovulncheckOnNewestGo: .ci/run tests on the machine's
// Go (the floor) and on the newest release, runs govulncheck on the newest
// and has .ci/vulnreport.go fail on its standard-library findings; the
// README tells users to build with that same release.
func TestCIRunsTestsAndGovulncheckOnNewestGo(t *testing.T) {
	run, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^newest_go=(go1\.(\d+)\.(\d+))\b`).FindSubmatch(run)
	if m == nil {
		t.Fatal(".ci/run sets no newest_go=go1.N.P")
	}
	newest := string(m[1])
	for _, line := range []string{
		"\ngo test ./...\n",                        // the floor: the machine's Go
		"\nGOTOOLCHAIN=$newest_go go test ./...\n", // the newest
		"\ngovulncheck=$(GOTOOLCHAIN=$newest_go install_pinned govulncheck ",
		"\nGOTOOLCHAIN=$newest_go \"$govulncheck\" ",
		"\ngo run .ci/vulnreport.go -newest \"$newest_go\" ",
	} {
		if !bytes.Contains(run, []byte(line)) {
			t.Errorf(".ci/run lacks the line %q", strings.TrimSpace(line))
		}
	}

	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	setUp := readme[bytes.Index(readme, []byte("## Set up")):]
	setUp = setUp[:bytes.Index(setUp[1:], []byte("\n## "))+1]
	if want := "Go " + strings.TrimPrefix(newest, "go"); !bytes.Contains(setUp, []byte(want)) {
		t.Errorf("README's Set up does not say to build with %s, the newest Go that CI runs", want)
	}

	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go 1\.(\d+)(\.\d+)?$`).FindSubmatch(mod)
	if goLine == nil {
		t.Fatal("go.mod has no go line")
	}
	floor, _ := strconv.Atoi(string(goLine[1]))
	if newestMinor, _ := strconv.Atoi(string(m[2])); floor >= newestMinor {
		t.Errorf("go.mod's go line names Go 1.%d, not older than the newest release %s: it is the floor the code accepts, which CI tests on the machine's Go", floor, newest)
	}
}

// TestVulnReportFailsOnStdlibFindingsOfNewestGo: with -newest, a
// standard-library finding fails, and a report of another toolchain than
// the one named is refused; without it, such findings are only printed.
func TestVulnReportFailsOnStdlibFindingsOfNewestGo(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "vulnreport")
	if out, err := exec.Command("go", "build", "-o", bin, ".ci/vulnreport.go").CombinedOutput(); err != nil {
		t.Fatalf("go build .ci/vulnreport.go: %v\n%s", err, out)
	}
	report := func(goVersion string, stdlibFinding bool) string {
		s := `{"config": {"scanner_name": "govulncheck", "go_version": "` + goVersion + `"}}` + "\n"
		if stdlibFinding {
			s += `{"osv": {"id": "GO-2026-6617", "summary": "HTTP/2 server crash"}}
{"finding": {"osv": "GO-2026-6617", "fixed_version": "v1.26.9", "trace": [
  {"module": "stdlib", "version": "v1.26.8", "package": "net/http", "function": "NewRequestWithContext", "position": {"filename": "src/net/http/request.go", "line": 889}},
  {"module": "github.com/seed-e8f4a5f7/oauthkit", "package": "github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest", "function": "SendWebhook", "position": {"filename": "webuntis/webuntistest/webhook.go", "line": 103}}]}}
`
		}
		return s
	}
	for _, tc := range []struct {
		name  string
		args  []string
		input string
		code  int
	}{
		{"newest, clean", []string{"-newest", "go1.27.3"}, report("go1.27.3", false), 0},
		{"newest, a stdlib finding fails", []string{"-newest", "go1.27.3"}, report("go1.27.3", true), 1},
		{"newest named, govulncheck ran on another Go", []string{"-newest", "go1.27.3"}, report("go1.26.8", false), 2},
		{"the floor, a stdlib finding is printed", nil, report("go1.26.8", true), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
			cmd.Stdin = strings.NewReader(tc.input)
			out, err := cmd.CombinedOutput()
			code := 0
			if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Errorf("exit status %d, want %d; output:\n%s", code, tc.code, out)
			}
			if strings.Contains(tc.input, "GO-2026-6617") && !bytes.Contains(out, []byte("GO-2026-6617")) {
				t.Errorf("the finding is not printed:\n%s", out)
			}
		})
	}
}
