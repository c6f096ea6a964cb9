package redact

import "testing"

func TestQuery(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://idp.example/logout?client_id=c&id_token_hint=eyJ.a.b&state=s1", "https://idp.example/logout?client_id=c&id_token_hint=[redacted]&state=s1"},
		{"https://idp.example/logout?id%5Ftoken%5Fhint=eyJ&x=1", "https://idp.example/logout?id%5Ftoken%5Fhint=[redacted]&x=1"},
		{"https://idp.example/logout?id_token_hint", "https://idp.example/logout?id_token_hint=[redacted]"},
		{"https://idp.example/logout", "https://idp.example/logout"},
		{"https://u:pw@idp.example/logout?a=b", "https://u:xxxxx@idp.example/logout?a=b"},
		{"https://idp.example/%zz?id_token_hint=eyJ", Placeholder},
	} {
		if got := Query(tt.in, "id_token_hint"); got != tt.want {
			t.Errorf("Query(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestKeys(t *testing.T) {
	for _, tt := range []struct {
		keys [][]byte
		want string
	}{
		{nil, "[]"},
		{[][]byte{nil}, "[]"},
		{[][]byte{[]byte("k3y-bytes")}, Placeholder},
		{[][]byte{nil, []byte("k3y-bytes")}, Placeholder},
	} {
		if got := Keys(tt.keys...); got != tt.want {
			t.Errorf("Keys(%d keys) = %s, want %s", len(tt.keys), got, tt.want)
		}
	}
}
