package fakeidp

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// EchoError returns a handler that answers every request with an error
// repeating the request back — the form body raw and decoded, the query and
// the Authorization header — as JSON error fields or, with html, as an error
// page: the worst a server or a proxy can do, for tests that no credential
// reaches an error.
func EchoError(status int, html bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		var decoded []string
		for k, vs := range form {
			decoded = append(decoded, k+"="+strings.Join(vs, ","))
		}
		auth := r.Header.Get("Authorization")
		if html {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			fmt.Fprintf(w, "<html><body>%s %s %s %s</body></html>", body, strings.Join(decoded, " "), r.URL.RawQuery, auth)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{
			"error":             "invalid_request",
			"error_description": string(body),
			"message":           strings.Join(decoded, " "),
			"hint":              auth + " " + r.URL.RawQuery,
		})
	}
}
