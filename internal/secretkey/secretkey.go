// Package secretkey derives the keys Switchboard works with from the one
// secret key an operator configures (-secret-key, or <data-dir>/secret.key).
//
// One key used for two jobs ties them together: anything that learns or
// tests the token-signing key (an HMAC oracle, a key copied into a script
// that mints tokens) also holds the key that opens stored secrets. HKDF-SHA256
// (RFC 5869) gives each job its own independent key, named by a label, so the
// operator still keeps a single secret. A label ends in a version: changing
// how a key is derived means a new label and a migration, never an edit.
//
// Imported by cmd/switchboard (token signing, passed to api) and store
// (encryption of secrets at rest). The cores never see keys.
package secretkey

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
)

// Size is the length in bytes of the secret key and of every derived key.
const Size = 32

// The HKDF info labels. Never edit one: every stored ciphertext and every
// token in flight depends on it.
const (
	tokenSigningLabel     = "switchboard token signing v1"
	secretEncryptionLabel = "switchboard secret encryption v1"
)

// TokenSigning derives the HMAC key that signs access tokens (HS256).
func TokenSigning(secret []byte) ([]byte, error) { return derive(secret, tokenSigningLabel) }

// SecretEncryption derives the AES-256 key that seals secrets at rest
// (node passwords, data source connection strings, flow endpoint headers).
func SecretEncryption(secret []byte) ([]byte, error) { return derive(secret, secretEncryptionLabel) }

func derive(secret []byte, label string) ([]byte, error) {
	if len(secret) != Size {
		return nil, fmt.Errorf("secret key must be %d bytes, got %d", Size, len(secret))
	}
	// No salt: the secret key is already 32 uniformly random bytes, so the
	// extract step needs none (RFC 5869 section 3.1).
	return hkdf.Key(sha256.New, secret, nil, label, Size)
}
