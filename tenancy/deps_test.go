package tenancy

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPureCore fails when tenancy imports I/O, logging, SQL or goroutine
// machinery: it is a core (docs/architecture.md).
func TestPureCore(t *testing.T) {
	allowed := map[string]bool{"errors": true, "fmt": true, "slices": true, "sort": true, "strings": true, "time": true}
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
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p := strings.Trim(imp.Path.Value, `"`); !allowed[p] {
				t.Errorf("%s imports %s; cores import only %v", name, p, allowed)
			}
		}
	}
}
