package oauthwire

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flatJSONCases are documents for decodeObject; fast says whether the hand
// decoder must take them itself (a token response must not fall back).
var flatJSONCases = []struct {
	name string
	body string
	fast bool
}{
	{"token response", `{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.c2ln","token_type":"Bearer","expires_in":180,"scope":"roster-core.readonly"}`, true},
	{"spaces everywhere", " \t\r\n{ \"a\" : \"b\" ,\n\"n\" :\t-1.5e+3 , \"t\":true,\"f\":false,\"z\":null } \n", true},
	{"empty object", `{}`, true},
	{"empty object, spaces", ` { } `, true},
	{"numbers", `{"a":0,"b":-0,"c":12.25,"d":1E5,"e":1e-5,"f":-0.5e+10,"g":123456789012345678901234567890}`, true},
	{"expires_in string", `{"access_token":"x","expires_in":"3599"}`, true},
	{"repeated key: last wins", `{"a":"1","a":2}`, true},
	{"UTF-8", `{"name":"Jürgen Müller","emoji":"🙂"}`, true},
	{"empty key and value", `{"":""}`, true},

	{"padding kept out of the token", "{\"access_token\":\"x\"" + strings.Repeat(" ", 200) + "}", false},
	{"number of a thousand digits kept out of the token", `{"expires_in":3600.` + strings.Repeat("0", 1000) + `}`, false},
	{"JWT with little around it", `{"access_token":"` + strings.Repeat("a", 2000) + `","expires_in":3600}`, true},

	{"escape in value", `{"a":"x\"y"}`, false},
	{"unicode escape", `{"a":"\u00e9"}`, false},
	{"escape in key", `{"a\n":"b"}`, false},
	{"nested object", `{"a":{"b":1}}`, false},
	{"array", `{"aud":["x","y"]}`, false},
	{"invalid UTF-8", "{\"a\":\"\xff\"}", false},
	{"control character", "{\"a\":\"x\ty\"}", false},
	{"number out of range", `{"a":1e400}`, false},
	{"top-level null", `null`, false},
	{"top-level array", `[1]`, false},
	{"empty", ``, false},
	{"trailing bytes", `{"a":1} x`, false},
	{"two objects", `{}{}`, false},
	{"trailing comma", `{"a":1,}`, false},
	{"missing colon", `{"a" 1}`, false},
	{"missing value", `{"a":}`, false},
	{"unterminated string", `{"a":"b`, false},
	{"unterminated object", `{"a":"b"`, false},
	{"leading zero", `{"a":01}`, false},
	{"bare minus", `{"a":-}`, false},
	{"dot without digits", `{"a":1.}`, false},
	{"exponent without digits", `{"a":1e}`, false},
	{"plus sign", `{"a":+1}`, false},
	{"hex", `{"a":0x10}`, false},
	{"truthy", `{"a":tru}`, false},
	{"literal run-on", `{"a":truefalse}`, false},
	{"single quotes", `{'a':1}`, false},
	{"unquoted key", `{a:1}`, false},
	{"byte-order mark", "\ufeff{}", false},
}

// TestDecodeObjectMatchesEncodingJSON: decodeObject gives what
// json.Unmarshal gives into a map[string]any, the same value or the same
// refusal, and the hand decoder takes the flat objects token responses are.
func TestDecodeObjectMatchesEncodingJSON(t *testing.T) {
	for _, tc := range flatJSONCases {
		t.Run(tc.name, func(t *testing.T) {
			_, fast := decodeFlatObject([]byte(tc.body))
			assert.Equal(t, tc.fast, fast, "taken by the hand decoder")
			checkDecodeObject(t, []byte(tc.body))
		})
	}
}

func checkDecodeObject(t *testing.T, body []byte) {
	t.Helper()
	var want map[string]any
	wantErr := json.Unmarshal(body, &want)
	got, err := decodeObject(body)
	if wantErr != nil {
		require.Error(t, err, "encoding/json refuses %q", body)
		return
	}
	require.NoError(t, err, "encoding/json accepts %q", body)
	assert.Equal(t, want, got)
	if flat, ok := decodeFlatObject(body); ok {
		assert.Equal(t, want, flat)
	}
}

// FuzzDecodeObject: on any input the hand decoder either steps aside or
// agrees with encoding/json.
func FuzzDecodeObject(f *testing.F) {
	for _, tc := range flatJSONCases {
		f.Add([]byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecodeObject(t, body)
	})
}

func BenchmarkDecodeObject(b *testing.B) {
	body := []byte(flatJSONCases[0].body)
	b.Run("flat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeObject(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
