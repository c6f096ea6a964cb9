package oauthkit_test

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// Vendor facts are cited from the project's own pages under docs/vendors/ or
// from the vendors' public URLs, never from documents a library user does
// not have. privateDocCitation matches the ways such documents were cited:
// numbered capture files (by abbreviated or hashed name), the directory of
// the captures, and a path out of the repository. It is assembled so that
// this file does not match it.
var privateDocCitation = regexp.MustCompile(strings.Join([]string{
	`[0-9]{3}_…txt`,
	`[0-9]{3}_[0-9a-f]{16}`,
	`[0-9]{3}_\.\.\.txt`,
	`vendor[-]docs`,
	`\.\.[/]shared`,
}, "|"))

// vendorPageCitation matches a citation of a page under docs/vendors/ and
// its optional anchor: docs/vendors/webuntis.md#client-credentials.
var vendorPageCitation = regexp.MustCompile(`docs/vendors/([A-Za-z0-9_.-]+\.md)(?:#([A-Za-z0-9_-]+))?`)

// sourceFiles calls fn with each *.go and *.md file of the repository,
// skipping .git and, with skipDocs, the top-level docs/ directory. A file
// that disappears while the tree is walked (someone is editing) is skipped.
func sourceFiles(t *testing.T, skipDocs bool, fn func(path string, src []byte)) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || (skipDocs && p == "docs") {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(p); ext != ".go" && ext != ".md" {
			return nil
		}
		src, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		n++
		fn(filepath.ToSlash(p), src)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// eachLine calls fn with each line of src and its 1-based number.
func eachLine(src []byte, fn func(n int, line string)) {
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		fn(n, sc.Text())
	}
}

// TestNoPrivateDocCitations keeps code, doc comments, advice strings, tests
// and Markdown free of citations of documents library users do not have
// (docs/ is left out: it may say where its pages came from).
func TestNoPrivateDocCitations(t *testing.T) {
	files := sourceFiles(t, true, func(p string, src []byte) {
		eachLine(src, func(n int, line string) {
			if m := privateDocCitation.FindString(line); m != "" {
				t.Errorf("%s:%d cites %q, a document users do not have; cite docs/vendors/<vendor>.md#<anchor> or the vendor's public URL", p, n, m)
			}
		})
	})
	if files < 50 {
		t.Fatalf("walked %d .go and .md files; expected the whole repository", files)
	}
}

// TestDocsVendorAnchorsExist checks that every docs/vendors/<page>.md#<anchor>
// citation in the repository (docs/ included) names an existing page and a
// heading of it, and that the vendor pages' own links to each other's
// headings resolve too. Anchors follow GitHub's rule; see githubAnchor.
func TestDocsVendorAnchorsExist(t *testing.T) {
	anchors := map[string]map[string]bool{} // page file name → anchors
	pageAnchors := func(page string) map[string]bool {
		if a, ok := anchors[page]; ok {
			return a
		}
		src, err := os.ReadFile(filepath.Join("docs", "vendors", page))
		if err != nil {
			anchors[page] = nil
			return nil
		}
		anchors[page] = headingAnchors(src)
		return anchors[page]
	}
	check := func(where, page, anchor string) {
		a := pageAnchors(page)
		switch {
		case a == nil:
			t.Errorf("%s cites docs/vendors/%s, which does not exist", where, page)
		case anchor != "" && !a[anchor]:
			t.Errorf("%s cites docs/vendors/%s#%s, but no heading of that page has that anchor", where, page, anchor)
		}
	}

	cited := 0
	sourceFiles(t, false, func(p string, src []byte) {
		eachLine(src, func(n int, line string) {
			for _, m := range vendorPageCitation.FindAllStringSubmatch(line, -1) {
				cited++
				check(p+":"+strconv.Itoa(n), m[1], m[2])
			}
		})
	})
	if cited < 50 {
		t.Fatalf("found %d docs/vendors citations; expected the code's citations", cited)
	}

	// Relative links between the vendor pages: [x](league.md#errors-by-version), [x](#pkce).
	relLink := regexp.MustCompile(`\]\(([A-Za-z0-9_.-]+\.md)?#([^)\s]+)\)`)
	pages, err := filepath.Glob(filepath.Join("docs", "vendors", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		eachLine(src, func(n int, line string) {
			for _, m := range relLink.FindAllStringSubmatch(line, -1) {
				page := m[1]
				if page == "" {
					page = path.Base(filepath.ToSlash(p))
				}
				check(filepath.ToSlash(p)+":"+strconv.Itoa(n), page, m[2])
			}
		})
	}
}

// TestGitHubAnchor pins the anchor rule the citations are checked with.
func TestGitHubAnchor(t *testing.T) {
	for heading, want := range map[string]string{
		"Client credentials":    "client-credentials",
		"Refresh tokens rotate": "refresh-tokens-rotate",
		"SSO URL":               "sso-url",
		"APIs":                  "apis",
		"Errors by version":     "errors-by-version",
		"league/oauth2-server (≤ 7): `message`": "leagueoauth2-server--7-message",
		"snake_case and-dash":                   "snake_case-and-dash",
	} {
		if got := githubAnchor(heading); got != want {
			t.Errorf("githubAnchor(%q) = %q, want %q", heading, got, want)
		}
	}
}

// headingAnchors returns the anchors of a Markdown page's ATX headings
// (outside fenced code blocks), with GitHub's -1, -2, … for repeats.
func headingAnchors(src []byte) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	fenced := false
	eachLine(src, func(_ int, line string) {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			return
		}
		if fenced {
			return
		}
		text := strings.TrimLeft(line, "#")
		if level := len(line) - len(text); level == 0 || level > 6 || !strings.HasPrefix(text, " ") {
			return
		}
		a := githubAnchor(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(text), "#")))
		if k := seen[a]; k > 0 {
			out[a+"-"+strconv.Itoa(k)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	})
	return out
}

// githubAnchor is GitHub's anchor for a heading: lower case, each space a
// '-', and every character other than letters, digits, '-' and '_' dropped.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('0' <= r && r <= '9'):
			b.WriteRune(r)
		case r > 0x7f && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		}
	}
	return b.String()
}
