package ivrflows

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCoreImports keeps the core pure: the standard library without I/O,
// logging or goroutine machinery, plus expr-lang/expr. Nothing else.
func TestCoreImports(t *testing.T) {
	forbidden := []string{"net", "os", "database/sql", "log", "log/slog", "sync", "io", "time/tzdata", "os/exec"}
	allowed := []string{"github.com/expr-lang/expr"}
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
			if strings.Contains(strings.SplitN(p, "/", 2)[0], ".") && !hasPrefixIn(p, allowed) {
				t.Errorf("%s imports non-stdlib %s", f, p)
			}
			if hasPrefixIn(p, forbidden) {
				t.Errorf("%s imports forbidden %s", f, p)
			}
		}
		if strings.Contains(string(src), "go func") {
			t.Errorf("%s starts a goroutine", f)
		}
	}
}

func hasPrefixIn(p string, list []string) bool {
	for _, l := range list {
		if p == l || strings.HasPrefix(p, l+"/") {
			return true
		}
	}
	return false
}
