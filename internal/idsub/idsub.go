// Package idsub compares the subject of a refreshed ID token with the
// login's: OpenID Connect Core §12.2 has an ID token in a refresh answer
// name the same user (sub) as the one the login got.
//
// The claims are read without checking the signature, which is the
// provider's to verify (every provider of this module does, in Refresh):
// a comparison only ever refuses a token, it never makes one trusted.
package idsub

import (
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
)

// anyAlg is every JWS algorithm: the claims are read, not verified.
var anyAlg = []jose.SignatureAlgorithm{
	jose.EdDSA, jose.HS256, jose.HS384, jose.HS512, jose.RS256, jose.RS384, jose.RS512,
	jose.ES256, jose.ES384, jose.ES512, jose.PS256, jose.PS384, jose.PS512,
}

// Of returns the sub claim of the ID token raw, or "" if raw is not a JWS
// with one.
func Of(raw string) string {
	t, err := jwt.ParseSigned(raw, anyAlg)
	if err != nil {
		return ""
	}
	var c jwt.Claims
	if err := t.UnsafeClaimsWithoutVerification(&c); err != nil {
		return ""
	}
	return c.Subject
}

// Subject returns the sub of tok's ID token, or "" without one.
func Subject(tok *oauth2.Token) string {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return ""
	}
	return Of(raw)
}

// Keeps reports whether next, a refresh answer, keeps the user sub: true
// when sub is "" (nothing to compare with) or next carries no ID token,
// else whether next's ID token names sub.
func Keeps(sub string, next *oauth2.Token) bool {
	raw, _ := next.Extra("id_token").(string)
	return sub == "" || raw == "" || Of(raw) == sub
}
