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
	if got := Keys(nil); got != "[]" {
		t.Errorf("Keys(nil) = %s", got)
	}
	if got := Keys([][]byte{[]byte("k3y-bytes")}); got != Placeholder {
		t.Errorf("Keys(one) = %s", got)
	}
}
