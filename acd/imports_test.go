package acd

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCoreImportsOnlyStdlib keeps the core pure: no I/O, no logging, no
// goroutine machinery, no other Switchboard package.
func TestCoreImportsOnlyStdlib(t *testing.T) {
	forbidden := []string{"net", "os", "database/sql", "log", "log/slog", "sync", "io", "time/tzdata"}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
				t.Errorf("%s imports non-stdlib %s", f, p)
			}
			for _, bad := range forbidden {
				if p == bad || strings.HasPrefix(p, bad+"/") {
					t.Errorf("%s imports forbidden %s", f, p)
				}
			}
		}
		if strings.Contains(string(src), "go func") {
			t.Errorf("%s starts a goroutine", f)
		}
	}
}
