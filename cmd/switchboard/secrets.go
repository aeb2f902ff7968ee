package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// loadSecretKey returns the 32-byte secret key, from which the token-signing
// and secret-encryption keys are derived (internal/secretkey): from
// configuration if given, else from <data-dir>/secret.key, generated (mode
// 0600) on first start so restarts keep tokens and secrets valid.
func loadSecretKey(configured, dataDir string) ([]byte, error) {
	if configured != "" {
		return decodeKey(configured, "setting secret-key (SWITCHBOARD_SECRET_KEY)")
	}
	path := filepath.Join(dataDir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil {
		return decodeKey(strings.TrimSpace(string(b)), path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read secret key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	enc := base64.StdEncoding.EncodeToString(key)
	if err := os.WriteFile(path, []byte(enc+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write secret key: %w", err)
	}
	return key, nil
}

func decodeKey(s, where string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%s: want base64 of exactly 32 bytes", where)
	}
	return key, nil
}

// generatePassword returns a random password for the first platform admin.
func generatePassword() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// redactURL hides a database URL's password for logs and output.
func redactURL(raw string) string {
	if !strings.Contains(raw, "://") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

func encodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }
