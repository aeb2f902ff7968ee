package secretkey

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// TestDerivedKeysAreDistinctAndStable: the two keys differ from each other
// and from the secret key, the same secret always gives the same keys (a
// restart must open what the last run sealed), and they are HKDF-SHA256 with
// the documented labels (pinned by a known answer, so an edited label or
// hash fails here before it strands stored secrets).
func TestDerivedKeysAreDistinctAndStable(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, Size)
	sign, err := TokenSigning(secret)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := SecretEncryption(secret)
	if err != nil {
		t.Fatal(err)
	}
	if len(sign) != Size || len(enc) != Size {
		t.Fatalf("lengths %d, %d", len(sign), len(enc))
	}
	if bytes.Equal(sign, enc) || bytes.Equal(sign, secret) || bytes.Equal(enc, secret) {
		t.Fatal("the signing key, the encryption key and the secret key must all differ")
	}
	again, _ := SecretEncryption(bytes.Repeat([]byte{7}, Size))
	if !bytes.Equal(enc, again) {
		t.Fatal("derivation is not deterministic")
	}
	other, _ := SecretEncryption(bytes.Repeat([]byte{8}, Size))
	if bytes.Equal(enc, other) {
		t.Fatal("different secrets gave the same key")
	}
	if got := hex.EncodeToString(sign); got != knownSigning {
		t.Errorf("token signing key for 32 x 0x07 = %s, want %s (a changed derivation signs everyone out)", got, knownSigning)
	}
	if got := hex.EncodeToString(enc); got != knownEncryption {
		t.Errorf("encryption key for 32 x 0x07 = %s, want %s (a changed derivation strands every stored secret)", got, knownEncryption)
	}
}

// The known answers for a secret of 32 bytes 0x07, computed outside Go from
// RFC 5869 (HMAC-SHA256, zero salt, one block):
//
//	prk = HMAC(0x00*32, secret); key = HMAC(prk, label || 0x01)
const (
	knownSigning    = "194d6d0cc1b17de6c38eb11778de312f3b44a43acccc71d24bfb6029c57f9883"
	knownEncryption = "c4999f633244407dd05d77c6bd7070766f1d0b3cedcc2cb051adebb77405afd7"
)

func TestRefusesASecretOfTheWrongSize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := TokenSigning(make([]byte, n)); err == nil {
			t.Errorf("TokenSigning accepted a %d-byte secret", n)
		}
		if _, err := SecretEncryption(make([]byte, n)); err == nil {
			t.Errorf("SecretEncryption accepted a %d-byte secret", n)
		}
	}
}
