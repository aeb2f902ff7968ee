package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlowsTestCommandPassesAndFails(t *testing.T) {
	src := filepath.Join("..", "..", "ivrflows", "flowtest", "testdata")
	for _, tc := range []struct {
		file string
		code int
	}{{"main.test.json", 0}, {"failing.test.json", 1}} {
		if _, err := os.Stat(filepath.Join(src, tc.file)); err != nil {
			t.Fatalf("fixture missing: %v", err)
		}
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"flows", "test", filepath.Join(src, tc.file)}, func(string) string { return "" }, &out, &errb)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tc.file, code, tc.code, out.String(), errb.String())
		}
		if !strings.Contains(out.String(), "PASS") && !strings.Contains(out.String(), "FAIL") {
			t.Errorf("%s: no per-case report:\n%s", tc.file, out.String())
		}
	}
}

func TestFlowsValidateRejectsBadFlow(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name":"x","nodes":{"a":{"type":"no_such_type"}},"start":"a"}`), 0o600)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"flows", "validate", bad}, func(string) string { return "" }, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1; out %s err %s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "invalid") {
		t.Fatalf("want the errors printed, got %s", out.String())
	}
}
