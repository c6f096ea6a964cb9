package oauthwire

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestIDUnmarshal(t *testing.T) {
	tests := []struct {
		in   string
		want ID
		bad  bool
	}{
		{`1234`, "1234", false},
		{`"1234"`, "1234", false},
		{`"u-7"`, "u-7", false},
		{`-5`, "-5", false},
		{`18446744073709551615`, "18446744073709551615", false},
		{`null`, "", false},
		{`1.5`, "", true},
		{`1e3`, "", true},
		{`99999999999999999999999`, "", true},
		{`true`, "", true},
		{`{}`, "", true},
		{`[1]`, "", true},
	}
	for _, tt := range tests {
		var id ID
		err := json.Unmarshal([]byte(tt.in), &id)
		if (err != nil) != tt.bad {
			t.Errorf("%s: err = %v, want bad=%v", tt.in, err, tt.bad)
			continue
		}
		if !tt.bad && id != tt.want {
			t.Errorf("%s: got %q, want %q", tt.in, id, tt.want)
		}
	}
	var missing struct {
		ID ID `json:"id"`
	}
	if err := json.Unmarshal([]byte(`{}`), &missing); err != nil || missing.ID != "" {
		t.Errorf("absent field: %q, %v", missing.ID, err)
	}
	if n, err := ID("5678").Int64(); err != nil || n != 5678 {
		t.Errorf("Int64: %d, %v", n, err)
	}
	if _, err := ID("u-7").Int64(); err == nil {
		t.Error("Int64 of a non-number succeeded")
	}
}

func FuzzID(f *testing.F) {
	for _, s := range []string{`1`, `"x"`, `null`, `1.0`, `"`, `-0`, `1e2`, `18446744073709551616`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var id ID
		if json.Unmarshal([]byte(in), &id) != nil {
			return
		}
		trimmed := strings.TrimSpace(in)
		if trimmed == "null" || strings.HasPrefix(trimmed, `"`) {
			return
		}
		// A number is kept as written: every digit, nothing rounded.
		if string(id) != trimmed {
			t.Fatalf("number %q kept as %q", trimmed, id)
		}
	})
}
