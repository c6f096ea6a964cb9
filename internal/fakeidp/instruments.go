package fakeidp

import "net/http"

// Instruments counts a fake's requests and applies its injected faults, per
// endpoint name.
type Instruments struct {
	Faults Faults
	Count  Counter
}

// Wrap counts each request to h as endpoint and answers with an injected
// fault instead when there is one.
func (in *Instruments) Wrap(endpoint string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in.Count.Add(endpoint)
		if in.Faults.Apply(endpoint, w, r) {
			return
		}
		h(w, r)
	}
}

// TokenRequest checks what every token endpoint requires of a request (RFC
// 6749 §3.2: POST, a form-encoded body) and parses the form. When the
// request fails a check it answers with an RFC 6749 error and returns false.
func TokenRequest(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		OAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return false
	case !IsForm(r):
		OAuthError(w, http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
		return false
	case r.ParseForm() != nil:
		OAuthError(w, http.StatusBadRequest, "invalid_request", "body does not parse")
		return false
	}
	return true
}
