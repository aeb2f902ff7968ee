package ivrflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func loadCatalog(t testing.TB) *Catalog {
	t.Helper()
	data, err := os.ReadFile("testdata/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	var c Catalog
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func compileFile(t testing.TB, path string) (*Program, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return ParseAndCompile(data, loadCatalog(t))
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestGoldenGood compiles every good fixture and compares the compiled form
// (params with defaults filled in, exits resolved) with its golden file.
func TestGoldenGood(t *testing.T) {
	files, _ := filepath.Glob("testdata/good/*.json")
	if len(files) == 0 {
		t.Fatal("no good fixtures")
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.json") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, err := compileFile(t, f)
			if err != nil {
				t.Fatalf("good fixture does not compile: %v", err)
			}
			got, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, strings.TrimSuffix(f, ".json")+".golden.json", append(got, '\n'))
		})
	}
}

// TestGoldenBad checks that every bad fixture is rejected with the expected
// messages, each naming its node.
func TestGoldenBad(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.json")
	if len(files) == 0 {
		t.Fatal("no bad fixtures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := compileFile(t, f)
			if err == nil {
				t.Fatal("bad fixture compiled")
			}
			var lines []string
			var ves ValidationErrors
			switch {
			case errors.As(err, &ves):
				if !errors.Is(err, ErrInvalidFlow) {
					t.Error("validation errors do not match ErrInvalidFlow")
				}
				for _, ve := range ves {
					lines = append(lines, ve.Error())
				}
			case errors.Is(err, ErrBadJSON):
				lines = []string{err.Error()}
			default:
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			checkGolden(t, strings.TrimSuffix(f, ".json")+".golden", []byte(strings.Join(lines, "\n")+"\n"))
		})
	}
}
