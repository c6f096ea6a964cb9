package oauthkit_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSecurityDocCitesRealTests keeps SECURITY.md honest: every test it
// names as the proof of a guarantee exists.
func TestSecurityDocCitesRealTests(t *testing.T) {
	doc, err := os.ReadFile("SECURITY.md")
	if err != nil {
		t.Fatal(err)
	}
	defined := map[string]bool{}
	funcTest := regexp.MustCompile(`(?m)^func (Test\w+)\(`)
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		for _, m := range funcTest.FindAllSubmatch(src, -1) {
			defined[string(m[1])] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cited := regexp.MustCompile("`(Test\\w+)`").FindAllSubmatch(doc, -1)
	if len(cited) < 20 {
		t.Fatalf("SECURITY.md cites %d tests; expected the table of guarantees", len(cited))
	}
	for _, m := range cited {
		if !defined[string(m[1])] {
			t.Errorf("SECURITY.md cites %s, which no test file defines", m[1])
		}
	}
}
