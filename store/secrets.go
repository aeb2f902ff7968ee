package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/secretkey"
)

// Secrets the controller must read back in clear (node passwords, data
// source connection strings, flow endpoint headers) are sealed with
// AES-256-GCM: a random nonce, then the ciphertext, base64. The binding
// (what the value belongs to: node ID, tenant and name) is the additional
// data, so a ciphertext copied onto another row does not open.
//
// Formats:
//
//	v2:<base64>   key derived from the secret key (secretkey.SecretEncryption)
//	<base64>      the secret key itself: written before v2; Migrate reseals
//	              such values as v2, and they still open meanwhile (a row
//	              written by an older replica during a rolling upgrade)
//
// base64 has no ':', so the formats cannot be confused.
const sealedPrefix = "v2:"

var (
	// ErrNoSecretKey: the store was opened without Options.SecretKey, so it
	// can neither seal nor open secrets.
	ErrNoSecretKey = errors.New("store: no secret key configured to encrypt secrets")
	// ErrSecretUnreadable: a stored secret does not open with this secret
	// key. The value is left as it is: the right key still opens it.
	ErrSecretUnreadable = errors.New("does not decrypt with the configured secret key (was the secret key or the data directory changed?)")
)

// sealer seals with the derived key and opens both formats.
type sealer struct {
	current cipher.AEAD // derived key: every value written now
	legacy  cipher.AEAD // the raw secret key: values from before v2, read only
}

func newSealer(key []byte) (*sealer, error) {
	if len(key) != secretkey.Size {
		return nil, fmt.Errorf("store: secret key must be %d bytes (AES-256), got %d", secretkey.Size, len(key))
	}
	derived, err := secretkey.SecretEncryption(key)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	s := &sealer{}
	if s.current, err = newAEAD(derived); err != nil {
		return nil, err
	}
	if s.legacy, err = newAEAD(key); err != nil {
		return nil, err
	}
	return s, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("store: secret key: %w", err)
	}
	return cipher.NewGCM(block)
}

// seal encrypts plain bound to binding, in the current format; "" stays "".
func (s *sealer) seal(binding, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	if s == nil {
		return "", ErrNoSecretKey
	}
	return sealedPrefix + sealWith(s.current, binding, plain), nil
}

func sealWith(aead cipher.AEAD, binding, plain string) string {
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce) // never fails (crypto/rand)
	return base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(plain), []byte(binding)))
}

// open decrypts a value of either format. what names the value in errors
// ("node 0190...", "data source crm"); the value itself is never shown.
func (s *sealer) open(what, binding, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	if s == nil {
		return "", ErrNoSecretKey
	}
	aead, format, body := s.legacy, "before v2, under the secret key itself", sealed
	if rest, ok := strings.CutPrefix(sealed, sealedPrefix); ok {
		aead, format, body = s.current, "v2", rest
	}
	raw, err := base64.StdEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", fmt.Errorf("store: the stored secret of %s is corrupt (not a sealed value)", what)
	}
	ns := aead.NonceSize()
	plain, err := aead.Open(nil, raw[:ns], raw[ns:], []byte(binding))
	if err != nil {
		return "", fmt.Errorf("store: the stored secret of %s (sealed %s) %w", what, format, ErrSecretUnreadable)
	}
	return string(plain), nil
}

// isCurrent says whether a stored value needs no resealing.
func isCurrent(sealed string) bool { return sealed == "" || strings.HasPrefix(sealed, sealedPrefix) }
