package web

// StateCookieName is stateCookieName, for tests that plant a cookie.
var StateCookieName = stateCookieName
