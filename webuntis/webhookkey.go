package webuntis

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// The key the credentials webhook is signed with
// (docs/vendors/webuntis.md#webhook-signature): Untis publishes one RSA
// public key per environment (production, integration), shown on the Untis
// Platform as base64 of its X.509 SubjectPublicKeyInfo, without PEM armour.
// People also paste it wrapped over several lines, armoured as PEM, or into
// an environment variable with its line breaks written as "\n"; all of
// those are the same key. Anything else is refused with an error saying
// what it is, since a wrong key only shows later, as every event failing
// its signature check.

// ErrWebhookKey is returned (wrapped) for a webhook key that is not an RSA
// public key in one of the forms [ParseWebhookKey] accepts.
var ErrWebhookKey = errors.New("webuntis: webhook key")

// ParseWebhookKey parses the RSA public key the Untis Platform shows for an
// environment. It accepts
//
//   - base64 of the X.509 SubjectPublicKeyInfo, as the platform shows it
//     ("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA…"), on one line or
//     wrapped over several;
//   - the same in PEM armour ("-----BEGIN PUBLIC KEY-----" … "-----END
//     PUBLIC KEY-----"), or a PKCS #1 "RSA PUBLIC KEY" PEM block;
//   - either with its line breaks written as the two characters \n, as
//     they often are in an environment variable or a JSON file.
//
// Any other input (a certificate, a private key, a key that is not RSA,
// text that is neither PEM nor base64) is refused with an error that wraps
// [ErrWebhookKey] and says what the input is instead; it never quotes the
// input. [WebhookConfig.KeyText] takes the same forms.
func ParseWebhookKey(text string) (*rsa.PublicKey, error) {
	key, reason := parseWebhookKey(text)
	if reason != "" {
		return nil, fmt.Errorf("%w: %s", ErrWebhookKey, reason)
	}
	return key, nil
}

// parseWebhookKey is ParseWebhookKey with the reason for a refusal, for
// ParseWebhookKey's error and [NewWebhookHandler]'s ConfigError.
func parseWebhookKey(text string) (*rsa.PublicKey, string) {
	s := strings.TrimSpace(strings.ReplaceAll(text, `\n`, "\n"))
	if s == "" {
		return nil, "is empty: give the Untis Platform public key of the environment (base64, as the platform shows it, or PEM)"
	}
	if strings.Contains(s, "-----BEGIN") {
		return parsePEMKey(s)
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		return nil, "is neither PEM (-----BEGIN PUBLIC KEY-----) nor base64 of an X.509 SubjectPublicKeyInfo, as the Untis Platform shows it"
	}
	if pub, err := x509.ParsePKIXPublicKey(der); err == nil {
		return rsaKey(pub)
	}
	switch {
	case isCertificate(der):
		return nil, "is base64 of an X.509 certificate, not of a public key: give the public key the Untis Platform shows"
	case isPrivateKey(der):
		return nil, "is base64 of a private key: the webhook key is Untis' public key, as the Untis Platform shows it"
	}
	return nil, "is base64, but not of an X.509 SubjectPublicKeyInfo: give the public key exactly as the Untis Platform shows it"
}

// parsePEMKey parses the first PEM block of s.
func parsePEMKey(s string) (*rsa.PublicKey, string) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, "starts like PEM but is not a complete PEM block (its -----END line or base64 body is broken)"
	}
	switch block.Type {
	case "PUBLIC KEY":
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, "is a PUBLIC KEY PEM block whose body is not an X.509 SubjectPublicKeyInfo"
		}
		return rsaKey(pub)
	case "RSA PUBLIC KEY":
		pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, "is an RSA PUBLIC KEY PEM block whose body is not a PKCS #1 public key"
		}
		return pub, ""
	case "CERTIFICATE":
		return nil, "is a certificate, not a public key: give the public key the Untis Platform shows"
	}
	if strings.Contains(block.Type, "PRIVATE KEY") {
		return nil, "is a private key (" + block.Type + "): the webhook key is Untis' public key, as the Untis Platform shows it"
	}
	return nil, "is a PEM block of type " + block.Type + ", not PUBLIC KEY"
}

// rsaKey keeps an RSA key and names the kind of any other.
func rsaKey(pub any) (*rsa.PublicKey, string) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k, ""
	case *ecdsa.PublicKey:
		return nil, "is an ECDSA key, not RSA: Untis signs the webhook with RSA (SHA256withRSA)"
	case ed25519.PublicKey:
		return nil, "is an Ed25519 key, not RSA: Untis signs the webhook with RSA (SHA256withRSA)"
	}
	return nil, fmt.Sprintf("is a %T, not an RSA key: Untis signs the webhook with RSA (SHA256withRSA)", pub)
}

func isCertificate(der []byte) bool {
	_, err := x509.ParseCertificate(der)
	return err == nil
}

func isPrivateKey(der []byte) bool {
	if _, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return true
	}
	_, err := x509.ParsePKCS1PrivateKey(der)
	return err == nil
}
