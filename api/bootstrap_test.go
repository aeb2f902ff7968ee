package api

import (
	"testing"
)

func TestEnsurePlatformAdmin(t *testing.T) {
	e := newEnv(t)
	if _, err := EnsurePlatformAdmin(t.Context(), e.store, "ops@platform.test", "short"); err == nil {
		t.Fatal("short password accepted")
	}
	created, err := EnsurePlatformAdmin(t.Context(), e.store, "ops@platform.test", "a long enough password")
	if err != nil || !created {
		t.Fatalf("created=%v err=%v", created, err)
	}
	created, err = EnsurePlatformAdmin(t.Context(), e.store, "ops@platform.test", "another password!!")
	if err != nil || created {
		t.Fatalf("second call: created=%v err=%v", created, err)
	}
	e.must(e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: "ops@platform.test", Password: "a long enough password"}), 200, nil)
}
