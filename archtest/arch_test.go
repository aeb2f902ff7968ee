package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/switchboard-cc/switchboard"

// goPackage is one directory's non-test Go files, parsed.
type goPackage struct {
	dir     string // relative to the repo root, slash-separated
	files   []*ast.File
	imports map[string]bool
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func loadPackages(t *testing.T) []goPackage {
	t.Helper()
	root := repoRoot(t)
	byDir := map[string]*goPackage{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "web") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		p := byDir[rel]
		if p == nil {
			p = &goPackage{dir: rel, imports: map[string]bool{}}
			byDir[rel] = p
		}
		p.files = append(p.files, f)
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			p.imports[ip] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []goPackage
	for _, p := range byDir {
		out = append(out, *p)
	}
	return out
}

func TestEveryPackageHasADocComment(t *testing.T) {
	for _, p := range loadPackages(t) {
		documented := false
		for _, f := range p.files {
			if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
				documented = true
			}
		}
		if !documented {
			t.Errorf("package %s has no doc comment: say what it is for and who may import it", p.dir)
		}
	}
}

// cores are the domain packages that must stay pure.
var cores = []string{"acd", "ivrflows", "dialplan", "tenancy"}

// coreAllowedThirdParty are the small pure libraries each core may use;
// a core not listed may use none.
var coreAllowedThirdParty = map[string][]string{
	"ivrflows": {"github.com/expr-lang/expr"},
}

// coreForbiddenStd are standard packages that do I/O, log or reach the system.
var coreForbiddenStd = []string{
	"net", "os", "os/exec", "os/signal", "database/sql", "log", "log/slog",
	"syscall", "io/ioutil", "plugin", "runtime/cgo", "unsafe", "crypto/rand",
	"sync", "time/tzdata", // the owner serialises access; time zones come in as values
}

func isCore(dir string) bool {
	for _, c := range cores {
		if dir == c || strings.HasPrefix(dir, c+"/") {
			return true
		}
	}
	return false
}

func TestCoresDoNoIO(t *testing.T) {
	checked := 0
	for _, p := range loadPackages(t) {
		if !isCore(p.dir) {
			continue
		}
		checked++
		for imp := range p.imports {
			if reason := coreImportViolation(p.dir, imp); reason != "" {
				t.Errorf("core package %s imports %q: %s", p.dir, imp, reason)
			}
		}
		for _, f := range p.files {
			ast.Inspect(f, func(n ast.Node) bool {
				if g, ok := n.(*ast.GoStmt); ok {
					t.Errorf("core package %s starts a goroutine at %v: cores are driven by their owner", p.dir, g.Pos())
				}
				return true
			})
		}
	}
	if checked < len(cores) {
		t.Fatalf("found %d core packages, want at least %d", checked, len(cores))
	}
}

// corePureStd are standard packages under a forbidden prefix that do no
// I/O: net/url parses and escapes URLs (a tenant's CRM link template).
var corePureStd = []string{"net/url"}

func coreImportViolation(dir, imp string) string {
	if slices.Contains(corePureStd, imp) {
		return ""
	}
	for _, bad := range coreForbiddenStd {
		if imp == bad || strings.HasPrefix(imp, bad+"/") {
			return "cores must not do I/O, log or reach the system"
		}
	}
	first := strings.SplitN(imp, "/", 2)[0]
	if !strings.Contains(first, ".") {
		return "" // other standard library
	}
	if strings.HasPrefix(imp, module+"/") {
		dir := strings.TrimPrefix(imp, module+"/")
		if isCore(dir) {
			return "" // plain value types of another core (checked by review)
		}
		return "cores import no application, adapter or edge package"
	}
	core := strings.SplitN(dir, "/", 2)[0]
	for _, ok := range coreAllowedThirdParty[core] {
		if imp == ok || strings.HasPrefix(imp, ok+"/") {
			return ""
		}
	}
	return "third-party package not on " + core + "'s allow list"
}

// pureLibraries are small packages of the product's own that anyone may
// import: bytes in, values out. They follow the cores' rule on the standard
// library and import nothing else, not even a core.
var pureLibraries = []string{"audio"}

func TestPureLibrariesDoNoIO(t *testing.T) {
	checked := 0
	for _, p := range loadPackages(t) {
		for _, lib := range pureLibraries {
			if !under(p.dir, lib) {
				continue
			}
			checked++
			for imp := range p.imports {
				if reason := pureLibraryImportViolation(imp); reason != "" {
					t.Errorf("pure library %s imports %q: %s", p.dir, imp, reason)
				}
			}
			for _, f := range p.files {
				ast.Inspect(f, func(n ast.Node) bool {
					if g, ok := n.(*ast.GoStmt); ok {
						t.Errorf("pure library %s starts a goroutine at %v", p.dir, g.Pos())
					}
					return true
				})
			}
		}
	}
	if checked == 0 {
		t.Fatalf("found no package under %v", pureLibraries)
	}
}

func pureLibraryImportViolation(imp string) string {
	if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
		return "pure libraries import only the standard library"
	}
	return coreImportViolation("", imp)
}

// rule says that packages under from must not import packages matching any of banned.
type rule struct {
	from   string
	banned []string
	why    string
}

var importRules = []rule{
	{"orchestrator", []string{"github.com/labstack/echo", "github.com/jmoiron/sqlx", "github.com/percipia/eslgo", "github.com/CyCoreSystems/ari", module + "/api", module + "/store", module + "/cmd", module + "/orchestrator/freeswitch", module + "/orchestrator/asterisk"},
		"orchestrator knows the Switch port and store interfaces, never an adapter or edge"},
	{"orchestrator/freeswitch", []string{module + "/api", module + "/store", module + "/orchestrator/asterisk", module + "/cmd"},
		"adapters import orchestrator and their protocol library only"},
	{"orchestrator/asterisk", []string{module + "/api", module + "/store", module + "/orchestrator/freeswitch", module + "/cmd"},
		"adapters import orchestrator and their protocol library only"},
	{"api", []string{module + "/orchestrator/freeswitch", module + "/orchestrator/asterisk", module + "/cmd", "github.com/percipia/eslgo", "github.com/CyCoreSystems/ari"},
		"api never imports a switch adapter"},
	{"store", []string{module + "/api", module + "/orchestrator/freeswitch", module + "/orchestrator/asterisk", module + "/cmd", "github.com/labstack/echo"},
		"store is persistence only"},
}

func under(dir, prefix string) bool { return dir == prefix || strings.HasPrefix(dir, prefix+"/") }

func TestImportDirections(t *testing.T) {
	for _, p := range loadPackages(t) {
		for _, r := range importRules {
			if !under(p.dir, r.from) {
				continue
			}
			// Subtrees with their own rule are checked by that rule.
			if r.from == "orchestrator" && (under(p.dir, "orchestrator/freeswitch") || under(p.dir, "orchestrator/asterisk") || under(p.dir, "orchestrator/switchtest")) {
				continue
			}
			for imp := range p.imports {
				for _, b := range r.banned {
					if imp == b || strings.HasPrefix(imp, b+"/") {
						t.Errorf("%s imports %s: %s", p.dir, imp, r.why)
					}
				}
			}
		}
	}
}

func TestRuleCatchesAViolation(t *testing.T) {
	for _, bad := range []string{"net/http", "os", "sync", module + "/store", "github.com/jmoiron/sqlx"} {
		if coreImportViolation("acd", bad) == "" {
			t.Fatalf("the core import rule lets %s through", bad)
		}
	}
	if coreImportViolation("acd", "github.com/expr-lang/expr") == "" {
		t.Fatal("acd may not use expr")
	}
	if coreImportViolation("acd", "strings") != "" || coreImportViolation("ivrflows/flowtest", "github.com/expr-lang/expr/vm") != "" {
		t.Fatal("the core import rule refuses pure packages")
	}
	for _, bad := range []string{"os", "net/http", module + "/acd", "github.com/expr-lang/expr"} {
		if pureLibraryImportViolation(bad) == "" {
			t.Fatalf("the pure library rule lets %s through", bad)
		}
	}
	if pureLibraryImportViolation("encoding/binary") != "" {
		t.Fatal("the pure library rule refuses the standard library")
	}
	_ = os.Getenv // the test itself may do I/O
}
