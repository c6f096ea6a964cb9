package justimmo

import (
	"encoding/json"
	"strconv"
	"testing"
)

// FuzzParseUser: the current-user parser never panics, and what it accepts
// has the answer's id.
func FuzzParseUser(f *testing.F) {
	for _, s := range []string{
		`{"id":1234,"tenant":{"id":5678}}`,
		`{"id":"1","tenant":{"id":"2"}}`,
		`{"id":1,"tenant":null}`,
		`{"id":1,"tenant":[]}`,
		`{"id":-9223372036854775808}`,
		`{"id":9223372036854775808}`,
		`{"tenant":{"id":1}}`,
		`[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		u, err := parseUser(raw)
		if err != nil {
			return
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			t.Fatal("accepted an answer that is not an object")
		}
		id := string(m["id"])
		if uq, err := strconv.Unquote(id); err == nil {
			id = uq
		}
		if id != u.ID {
			t.Fatalf("id %s differs from the answer's %s", u.ID, id)
		}
	})
}
