package web_test

import (
	"net/http"
	"net/http/httptest"
)

func httptest_NewRequest(method, target string) *http.Request {
	return httptest.NewRequest(method, target, nil)
}
func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
