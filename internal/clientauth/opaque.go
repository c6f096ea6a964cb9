package clientauth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/go-jose/go-jose/v4"
)

// opaque is a go-jose OpaqueSigner over a key go-jose does not hold itself:
// a crypto.Signer of another type (a KMS client's), or a SignFunc. go-jose
// builds the signing input and the JWS; only the signature is made here.
type opaque struct {
	ctx context.Context
	k   Key
}

var _ jose.OpaqueSigner = opaque{}

func (o opaque) Public() *jose.JSONWebKey {
	jwk := &jose.JSONWebKey{KeyID: o.k.ID, Algorithm: string(o.k.Algorithm), Use: "sig"}
	if o.k.Signer != nil {
		jwk.Key = o.k.Signer.Public()
	}
	return jwk
}

func (o opaque) Algs() []jose.SignatureAlgorithm { return []jose.SignatureAlgorithm{o.k.Algorithm} }

func (o opaque) SignPayload(payload []byte, alg jose.SignatureAlgorithm) ([]byte, error) {
	if alg != o.k.Algorithm {
		return nil, fmt.Errorf("algorithm %q is not the key's %q", alg, o.k.Algorithm)
	}
	if o.k.Sign != nil {
		sig, err := o.k.Sign(o.ctx, payload)
		if err == nil && alg == jose.ES256 && len(sig) != 64 {
			return nil, fmt.Errorf("an ES256 signature is 64 bytes (r||s, RFC 7518 §3.4), the Sign callback returned %d", len(sig))
		}
		return sig, err
	}
	switch alg {
	case jose.RS256:
		sum := sha256.Sum256(payload)
		return o.k.Signer.Sign(rand.Reader, sum[:], crypto.SHA256)
	case jose.ES256:
		sum := sha256.Sum256(payload)
		der, err := o.k.Signer.Sign(rand.Reader, sum[:], crypto.SHA256)
		if err != nil {
			return nil, err
		}
		return rawECDSA(der, 32)
	case jose.EdDSA:
		return o.k.Signer.Sign(rand.Reader, payload, crypto.Hash(0))
	}
	return nil, fmt.Errorf("algorithm %q is not supported", alg)
}

// rawECDSA turns an ASN.1 DER ECDSA signature, as crypto.Signer returns
// it, into the fixed-size r||s of JWS (RFC 7518 §3.4).
func rawECDSA(der []byte, size int) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) != 0 || sig.R == nil || sig.S == nil {
		return nil, errors.New("ECDSA signature is not ASN.1 DER")
	}
	// A signature of a larger curve's key (a P-384 key behind a signer
	// configured for ES256) does not fit; FillBytes would panic.
	if sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || (sig.R.BitLen()+7)/8 > size || (sig.S.BitLen()+7)/8 > size {
		return nil, fmt.Errorf("ECDSA signature does not fit %d-byte r and s: the key is not on the algorithm's curve", size)
	}
	out := make([]byte, 2*size)
	sig.R.FillBytes(out[:size])
	sig.S.FillBytes(out[size:])
	return out, nil
}
