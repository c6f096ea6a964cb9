package unisignin

import (
	"encoding/json"
	"testing"
)

// FuzzParseUser: the profile parser never panics, and a profile it accepts
// has an id and keeps the raw answer.
func FuzzParseUser(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"email":"a@x.io","name":"A"}`,
		`{"data":{"id":"x","first_name":"A","last_name":"B"}}`,
		`{"data":[1]}`,
		`{"id":null,"sub":7}`,
		`{"id":{},"user_id":"9"}`,
		`{"id":1e400}`,
		`"x"`,
		`{"name":"\u0000\n"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		u, err := parseUser(raw)
		if err != nil {
			return
		}
		if u.ID == "" {
			t.Fatal("accepted a profile without an id")
		}
		if !json.Valid(u.Raw) {
			t.Fatal("Raw is not the JSON answer")
		}
	})
}
