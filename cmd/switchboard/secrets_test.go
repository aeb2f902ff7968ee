package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestSecretKeyIsGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	k1, err := loadSecretKey("", dir)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := loadSecretKey("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != 32 || !bytes.Equal(k1, k2) {
		t.Fatalf("key must be 32 bytes and stable across restarts: %x vs %x", k1, k2)
	}
	st, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret.key must exist with mode 0600: %v %v", st, err)
	}
}

func TestSecretKeyRejectsBadConfiguredKey(t *testing.T) {
	if _, err := loadSecretKey("c2hvcnQ=", t.TempDir()); err == nil {
		t.Fatal("a 5-byte key must be refused")
	}
}
