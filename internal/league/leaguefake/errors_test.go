package leaguefake

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestPayloadByVersion(t *testing.T) {
	e := InvalidRequest("code", "Authorization code has expired")
	for v, want := range map[Version]map[string]string{
		V7: {"error": "invalid_request", "message": MsgInvalidRequest, "hint": "Authorization code has expired"},
		V8: {"error": "invalid_request", "error_description": MsgInvalidRequest, "message": MsgInvalidRequest, "hint": "Authorization code has expired"},
		V9: {"error": "invalid_request", "error_description": MsgInvalidRequest, "hint": "Authorization code has expired"},
	} {
		got := v.Payload(e)
		if len(got) != len(want) {
			t.Errorf("v%d: %v", v, got)
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("v%d %s = %q, want %q", v, k, got[k], w)
			}
		}
	}
	if _, ok := V7.Payload(InvalidClient())["hint"]; ok {
		t.Error("no hint, no hint field")
	}
}

func TestVersionedErrors(t *testing.T) {
	for _, tt := range []struct {
		got    *Error
		status int
		code   string
	}{
		{V7.InvalidRefreshToken("Token has expired"), 401, "invalid_request"},
		{V8.InvalidRefreshToken("Token has expired"), 400, "invalid_grant"},
		{V7.InvalidCredentials(), 401, "invalid_credentials"},
		{V9.InvalidCredentials(), 400, "invalid_grant"},
		{V7.CodeRejected("Authorization code has expired"), 400, "invalid_request"},
		{V8.CodeRejected("Authorization code has expired"), 400, "invalid_grant"},
	} {
		if tt.got.Status != tt.status || tt.got.Code != tt.code {
			t.Errorf("%v: want %d %s", tt.got, tt.status, tt.code)
		}
	}
}

func TestRedirectKeepsStateAndQuery(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/authorize", nil)
	V7.Redirect(w, r, "https://app.example/cb?tenant=5", "st", AccessDenied("The user denied the request"))
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	if q.Get("tenant") != "5" || q.Get("state") != "st" || q.Get("error") != "access_denied" || q.Get("hint") != "The user denied the request" || q.Get("message") != MsgAccessDenied {
		t.Errorf("redirect %s", loc)
	}
}
