package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// The standards provider (package openid) in the CLI: its Config from the
// settings, the client key read from a PEM file, and its fake.

// openidConfig is the openid.Config of the settings. A client key file
// that cannot be used is a *oauthkit.ConfigError of Field ClientKey, as
// openid.New reports a key it refuses.
func (t *target) openidConfig() (openid.Config, error) {
	cfg := openid.Config{
		Issuer:       t.r.get("issuer"),
		ClientID:     t.r.get("client-id"),
		ClientSecret: oauthkit.Secret(t.r.get("client-secret")),
		AuthMethod:   openid.AuthMethod(t.r.get("auth-method")),
		RedirectURL:  t.r.get("redirect-url"),
		Scopes:       splitScopes(t.r.get("scopes")),
		HTTPClient:   t.client,
		Now:          t.now,
	}
	if path := t.r.get("client-key-file"); path != "" {
		key, err := readClientKey(path)
		if err != nil {
			return cfg, &oauthkit.ConfigError{Provider: oi, Field: "ClientKey", Reason: "from --client-key-file " + path + ": " + err.Error()}
		}
		cfg.ClientKey = &openid.ClientKey{ID: t.r.get("key-id"), Signer: key}
	}
	return cfg, nil
}

// maxKeyFile bounds the read of a client key file: a PEM private key is a
// few kilobytes.
const maxKeyFile = 64 << 10

// readClientKey reads a PEM private key: PKCS #8 ("PRIVATE KEY": RSA,
// ECDSA or Ed25519), PKCS #1 ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE
// KEY"). Its errors never hold the file's content.
func readClientKey(path string) (crypto.Signer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxKeyFile {
		return nil, errors.New("larger than a PEM private key (64 KiB)")
	}
	var block *pem.Block
	for rest := b; ; {
		block, rest = pem.Decode(rest)
		if block == nil || block.Type != "CERTIFICATE" {
			break // a key file may hold the certificate too
		}
	}
	if block == nil {
		return nil, errors.New("holds no PEM private key")
	}
	var key any
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("the key is encrypted; give a decrypted copy (openssl pkcs8 -in KEY -out PLAIN), readable by this user only")
	default:
		return nil, fmt.Errorf("a PEM block of type %q, not a private key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("the %s does not parse", block.Type)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("a %T cannot sign", key)
	}
	return signer, nil
}

// The openid fake's client and the kid of its key.
const (
	fakeOpenIDClient = "oauthkit-cli"
	fakeOpenIDKeyID  = "oauthkit-cli-key"
	// otherIssuer is the issuer of another provider, for the mix-ups.
	otherIssuer = "https://other-provider.example"
)

// startOpenIDFake starts openidtest's fake OpenID Provider (a
// Keycloak-shaped issuer path) with one client, registered with the
// --auth-method given (zero: client_secret_basic). For private_key_jwt the
// fake makes the client an ECDSA key and writes it, PEM, to a file of its
// own (read by --client-key-file as a real key would be), removed at close.
func startOpenIDFake(o *vendorFlags, register []string, fill fill) (*fake, error) {
	app := openidtest.App{ID: fakeOpenIDClient, AuthMethod: openid.AuthMethod(*o.values["auth-method"]), RedirectURLs: register}
	var keyFile, keyPEM string
	cleanup := func() {}
	if app.AuthMethod == openid.AuthPrivateKeyJWT {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("fake: client key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("fake: client key: %w", err)
		}
		dir, err := os.MkdirTemp("", "oauthkit-fake-key-")
		if err != nil {
			return nil, fmt.Errorf("fake: client key: %w", err)
		}
		cleanup = func() { os.RemoveAll(dir) }
		keyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		keyFile = filepath.Join(dir, "client-key.pem")
		if err := os.WriteFile(keyFile, []byte(keyPEM), 0o600); err != nil {
			cleanup()
			return nil, fmt.Errorf("fake: client key: %w", err)
		}
		app.PublicKey, app.KeyID = key.Public(), fakeOpenIDKeyID
	}
	// A one-second device polling interval keeps `login --device --fake`
	// quick; real servers ask for five seconds or more.
	opts := openidtest.Options{IssuerPath: "/realms/oauthkit", Apps: []openidtest.App{app}, DeviceInterval: time.Second}
	if o.mixup == "secret-not-listed" {
		// A server that takes client keys only; the client has a secret.
		opts.AuthMethods = []string{string(openid.AuthPrivateKeyJWT)}
	}
	srv := openidtest.NewServer(opts)
	cfg := srv.Config(fakeOpenIDClient)
	fill("issuer", cfg.Issuer)
	fill("client-id", cfg.ClientID)
	fill("client-secret", cfg.ClientSecret.Reveal())
	fill("client-key-file", keyFile)
	if keyFile != "" {
		fill("key-id", fakeOpenIDKeyID)
	}
	fill("redirect-url", cfg.RedirectURL)
	f := &fake{close: func() { srv.Close(); cleanup() }, client: srv.Client(), browse: srv.Authorize, secrets: []string{cfg.ClientSecret.Reveal(), keyPEM}, approveDevice: srv.ApproveDevice}
	switch o.mixup {
	case "issuer-trailing-slash":
		fill("issuer", cfg.Issuer+"/")
	case "discovery-issuer":
		srv.SetMixUp(openidtest.MixUp{DiscoveryIssuer: otherIssuer})
	case "callback-issuer":
		srv.SetMixUp(openidtest.MixUp{CallbackIssuer: otherIssuer})
	case "foreign-signing-key":
		srv.SetMixUp(openidtest.MixUp{ForeignIDTokenKey: true})
	case "wrong-client-secret":
		fill("client-secret", "not-the-secret-of-this-client")
	}
	return f, nil
}
