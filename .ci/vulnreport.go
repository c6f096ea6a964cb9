//go:build ignore

// vulnreport reads `govulncheck -format json` on standard input and decides
// whether CI fails.
//
// A vulnerability in a module dependency that the code calls or imports
// fails: the fix is a version bump in go.mod. Vulnerabilities in a required
// module whose vulnerable packages are not even imported are printed as
// notes.
//
// A vulnerability in the standard library belongs to the Go toolchain that
// builds the code, not to this module. With -newest goX.Y.Z, govulncheck
// must have run on exactly that toolchain (the newest Go release, the one
// the README tells users to build with), and a standard-library finding
// fails: the Go users should build with has a known vulnerability that the
// code reaches, which CI must not pass silently. Without -newest (an older
// toolchain, such as the floor the go line of go.mod names), they are only
// printed: the fix there is to build with a newer Go.
//
// Usage: govulncheck -format json ./... | go run .ci/vulnreport.go [-newest go1.27.3]
//
// Exit status: 0 clean, 1 a finding that fails, 2 unreadable input or
// govulncheck run on another toolchain than -newest names.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
	Position *struct {
		Filename string `json:"filename"`
		Line     int    `json:"line"`
	} `json:"position"`
}

type message struct {
	Config *struct {
		ScannerVersion string `json:"scanner_version"`
		DB             string `json:"db"`
		GoVersion      string `json:"go_version"`
	} `json:"config"`
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	} `json:"finding"`
}

// level orders how close a finding is to the code: called beats imported
// beats required.
type level int

const (
	required level = iota
	imported
	called
)

func (l level) String() string {
	return [...]string{"required, not imported", "imported, not called", "called"}[l]
}

type vuln struct {
	id, module, version, fixed string
	level                      level
	where                      string // a call site in this module, for called ones
	summary                    string
}

func main() {
	newest := flag.String("newest", "", "the `go version` govulncheck ran on is the newest Go release: fail on standard-library findings")
	flag.Parse()
	vulns, goVersion, err := read(os.Stdin)
	if err == nil && *newest != "" && goVersion != *newest {
		err = fmt.Errorf("govulncheck ran on %q, not on the newest Go, %s (set GOTOOLCHAIN=%[2]s)", goVersion, *newest)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulnreport:", err)
		os.Exit(2)
	}
	var std, deps, notes []*vuln
	for _, v := range vulns {
		switch {
		case v.module == "stdlib" || v.module == "toolchain":
			std = append(std, v)
		case v.level == required:
			notes = append(notes, v)
		default:
			deps = append(deps, v)
		}
	}
	print := func(title string, list []*vuln) {
		if len(list) == 0 {
			return
		}
		fmt.Println(title)
		for _, v := range list {
			fmt.Printf("  %s  %s@%s  %s, fixed in %s%s\n", v.id, v.module, v.version, v.level, orNone(v.fixed), v.where)
			if v.summary != "" {
				fmt.Printf("      %s\n", v.summary)
			}
		}
	}
	print("module dependencies (these fail CI; bump the module in go.mod):", deps)
	print("required modules, vulnerable packages not imported (notes):", notes)
	if *newest != "" {
		print(fmt.Sprintf("standard library of the newest Go, %s (these fail CI; a fix needs a new Go release: move -newest and the README to it):", goVersion), std)
	} else {
		print(fmt.Sprintf("standard library of the toolchain %s (informational; build with a newer Go):", goVersion), std)
	}
	fmt.Printf("vulnreport: %d in module dependencies, %d notes, %d in the standard library of %s\n", len(deps), len(notes), len(std), goVersion)
	if len(deps) > 0 || (*newest != "" && len(std) > 0) {
		os.Exit(1)
	}
}

// read decodes the message stream and keeps, per vulnerability and module,
// the closest finding.
func read(r io.Reader) (list []*vuln, goVersion string, err error) {
	dec := json.NewDecoder(r)
	byKey := map[string]*vuln{}
	summaries := map[string]string{}
	sawConfig := false
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, "", err
		}
		if m.Config != nil {
			sawConfig = true
			goVersion = m.Config.GoVersion
		}
		if m.OSV != nil {
			summaries[m.OSV.ID] = m.OSV.Summary
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 {
			continue
		}
		top := f.Trace[0]
		l := required
		switch {
		case top.Function != "":
			l = called
		case top.Package != "":
			l = imported
		}
		key := f.OSV + " " + top.Module
		v := byKey[key]
		if v == nil {
			v = &vuln{id: f.OSV, module: top.Module, version: top.Version, fixed: f.FixedVersion, level: l}
			byKey[key] = v
		}
		if l > v.level {
			v.level = l
		}
		if l == called && v.where == "" {
			for _, fr := range f.Trace[1:] {
				if fr.Position != nil && !strings.HasPrefix(fr.Position.Filename, "src/") {
					v.where = fmt.Sprintf("  (e.g. %s:%d)", fr.Position.Filename, fr.Position.Line)
					break
				}
			}
		}
	}
	if !sawConfig {
		return nil, "", errors.New("no govulncheck output (no config message)")
	}
	for _, v := range byKey {
		v.summary = summaries[v.id]
		list = append(list, v)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id+list[i].module < list[j].id+list[j].module })
	return list, goVersion, nil
}

func orNone(s string) string {
	if s == "" {
		return "(no fix yet)"
	}
	return s
}
