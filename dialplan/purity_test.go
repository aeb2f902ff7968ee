package dialplan

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCoreIsPure enforces the core rule of docs/architecture.md: standard
// library only, and none of its I/O, logging or concurrency packages; no go
// statements.
func TestCoreIsPure(t *testing.T) {
	forbidden := []string{"net", "os", "database", "log", "io/fs", "syscall", "unsafe", "runtime", "sync", "time/tzdata", "plugin"}
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(strings.Split(path, "/")[0], ".") {
				t.Errorf("%s imports %s: cores use the standard library only", name, path)
			}
			for _, bad := range forbidden {
				if path == bad || strings.HasPrefix(path, bad+"/") {
					t.Errorf("%s imports %s: cores do no I/O, logging or concurrency", name, path)
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if g, ok := n.(*ast.GoStmt); ok {
				t.Errorf("%s: go statement at %v: cores start no goroutines", name, fset.Position(g.Pos()))
			}
			return true
		})
	}
	if len(files) < 2 {
		t.Fatal("found no source files; test is running in the wrong directory")
	}
}
