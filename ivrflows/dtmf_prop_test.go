package ivrflows

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// dtmfModel is the IVR-4 rule written as string operations, independent of
// the interpreter's key-by-key machine: the entry is what follows the last
// reset key among the keys before the end, where the end is the first
// timeout, the first terminator, or the key that fills Max.
func dtmfModel(mode string, min, max int, term, reset string, inputs []string) (value string, ok bool, used int) {
	entry := ""
	for i, in := range inputs {
		switch {
		case in == "T":
			return entry, entry != "" && len(entry) >= min, i + 1
		case mode == ModeSingle:
			return in, true, i + 1
		case in == reset:
			entry = ""
		case in == term:
			return entry, entry != "" && len(entry) >= min, i + 1
		default:
			entry += in
			if len(entry) == max {
				return entry, true, i + 1
			}
		}
	}
	return entry, false, len(inputs) // still collecting
}

func TestDTMFMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		mode := rapid.SampledFrom([]string{ModeSingle, ModeFixed, ModeVariable}).Draw(t, "mode")
		max := rapid.IntRange(1, 6).Draw(t, "max")
		min := rapid.IntRange(1, max).Draw(t, "min")
		term := rapid.SampledFrom([]string{"#", "*", ""}).Draw(t, "term")
		reset := rapid.SampledFrom([]string{"*", "#", "0", ""}).Draw(t, "reset")
		if reset == term {
			reset = ""
		}
		params := fmt.Sprintf(`"mode": %q, "tries": 1, "terminator": %q, "reset_key": %q`, mode, term, reset)
		switch mode {
		case ModeFixed:
			min = max
			params += fmt.Sprintf(`, "length": %d`, max)
		case ModeVariable:
			params += fmt.Sprintf(`, "min": %d, "max": %d`, min, max)
		case ModeSingle:
			min, max = 1, 1
		}
		inputs := rapid.SliceOfN(rapid.SampledFrom(strings.Split("0 1 2 9 * # T", " ")), 0, 12).Draw(t, "inputs")

		p, err := ParseAndCompile([]byte(collectFlow(params)), propCatalog)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := p.Start(Call{}, t0)
		used := 0
		for _, in := range inputs {
			if s.Done {
				break
			}
			var input Input = Digit{Key: in}
			if in == "T" {
				input = Timeout{}
			}
			if _, err := p.Step(s, input, t0); err != nil {
				t.Fatal(err)
			}
			used++
		}
		want, wantOK, wantUsed := dtmfModel(mode, min, max, term, reset, inputs)
		if !s.Done {
			if wantOK || wantUsed != len(inputs) {
				t.Fatalf("still collecting (%q) after %v; model ended with %q ok=%v", s.Digits, inputs, want, wantOK)
			}
			return
		}
		gotOK := p.Nodes[s.Node].ID == "got"
		if used != wantUsed || gotOK != wantOK || (gotOK && s.Vars["x"] != want) {
			t.Fatalf("inputs %v: used %d ok=%v x=%q; model used %d ok=%v %q", inputs, used, gotOK, s.Vars["x"], wantUsed, wantOK, want)
		}
	})
}

var propCatalog = func() *Catalog {
	c := &Catalog{Prompts: map[string]map[string]string{}, DefaultLanguage: "en"}
	for _, p := range []string{"main_menu", "invalid", "welcome"} {
		c.Prompts[p] = map[string]string{"en": p + ".wav"}
	}
	return c
}()

// Random callers through the good fixtures: no panic, no error other than
// an input the flow was not waiting for, and a trace whose every step
// follows an exit of the step before.
func TestRandomCallsThroughFixtures(t *testing.T) {
	cat := loadCatalog(t)
	var progs []*Program
	for _, name := range []string{"main", "orders", "outbound_survey"} {
		data, err := os.ReadFile("testdata/good/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		p, err := ParseAndCompile(data, cat)
		if err != nil {
			t.Fatal(err)
		}
		progs = append(progs, p)
	}
	rapid.Check(t, func(rt *rapid.T) {
		p := rapid.SampledFrom(progs).Draw(rt, "flow")
		var alphabet []byte // each phone key and each kind of result, equally likely
		for b := range 16 {
			alphabet = append(alphabet, byte(b), byte(128+b))
		}
		script := rapid.SliceOfN(rapid.SampledFrom(alphabet), 0, 80).Draw(rt, "script")
		drive(t, p, string(script))
	})
}
