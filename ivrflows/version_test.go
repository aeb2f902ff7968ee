package ivrflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestPublishAliasRollback(t *testing.T) {
	cat := loadCatalog(t)
	v1 := flowJSON(``, `{"id": "a", "type": "play", "params": {"prompts": [{"prompt": "welcome"}]}, "exits": {"next": "end"}}`, hangupNode)
	v2 := strings.Replace(v1, "welcome", "goodbye", 1)
	h := &History{FlowID: "t"}
	if _, err := h.Publish([]byte(strings.Replace(v1, "welcome", "nope", 1)), cat, "ann", t0); !errors.Is(err, ErrInvalidFlow) {
		t.Fatalf("invalid draft published: %v", err)
	}
	if _, err := h.Publish([]byte(strings.Replace(v1, `"id": "t"`, `"id": "x"`, 1)), cat, "ann", t0); !errors.Is(err, ErrWrongFlow) {
		t.Fatalf("other flow's draft published: %v", err)
	}
	p1, err := h.Publish([]byte(v1), cat, "ann", t0)
	if err != nil || p1.Number != 1 || p1.PublishedBy != "ann" {
		t.Fatalf("publish 1: %+v %v", p1, err)
	}
	if _, err := h.Publish([]byte(v1), cat, "ann", t0); !errors.Is(err, ErrNoChanges) {
		t.Fatalf("unchanged draft published again: %v", err)
	}
	p2, err := h.Publish([]byte(v2), cat, "bob", t0)
	if err != nil || p2.Number != 2 {
		t.Fatalf("publish 2: %+v %v", p2, err)
	}
	if _, err := h.Resolve(AliasLive); !errors.Is(err, ErrNoSuchVersion) {
		t.Fatalf("live resolves before it is set: %v", err)
	}
	for _, bad := range []struct {
		alias string
		n     int
		err   error
	}{{"Live!", 1, ErrBadAlias}, {"live", 3, ErrNoSuchVersion}, {"live", 0, ErrNoSuchVersion}} {
		if err := h.SetAlias(bad.alias, bad.n); !errors.Is(err, bad.err) {
			t.Errorf("SetAlias(%q, %d) = %v, want %v", bad.alias, bad.n, err, bad.err)
		}
	}
	must(t, h.SetAlias(AliasLive, 2))
	if v, _ := h.Resolve(AliasLive); v.Number != 2 {
		t.Fatalf("live = %d", v.Number)
	}
	must(t, h.SetAlias(AliasLive, 1)) // rollback
	v, _ := h.Resolve(AliasLive)
	f, err := v.Flow()
	if err != nil || !strings.Contains(string(f.Nodes[0].Params), "welcome") {
		t.Fatalf("rolled-back version: %v %s", err, v.Doc)
	}
	// Versions are immutable: changing the flow a caller got does not touch them.
	f.Nodes[0].ID = "changed"
	if again, _ := h.Version(1); strings.Contains(string(again.Doc), "changed") {
		t.Fatal("published version changed")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDiff(t *testing.T) {
	data, err := os.ReadFile("testdata/good/main.json")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Parse(data)
	b, _ := Parse(data)
	if d := Diff(a, b); len(d) != 0 {
		t.Fatalf("same flow differs: %+v", d)
	}
	b.Start = "welcome"
	b.Variables["vip"] = Variable{Type: TypeBool}
	b.Nodes[4].Params = json.RawMessage(`{"prompts": [{"prompt": "welcome"}, {"prompt": "closed"}], "barge_in": false}`)
	b.Nodes[5].Exits["4"] = "lang_en"
	delete(b.Nodes[5].Exits, "3")
	b.Nodes = append(b.Nodes[:1], b.Nodes[2:]...) // remove "closed"
	b.Nodes = append(b.Nodes, Node{ID: "new", Type: NodeHangup})
	want := []Change{
		{Kind: ChangeChanged, Fields: []FieldChange{{Path: "start", From: "hours", To: "welcome"},
			{Path: "variables.vip", To: map[string]any{"type": "bool"}}}},
		{Node: "welcome", Kind: ChangeChanged, Fields: []FieldChange{{Path: "params.barge_in", From: true, To: false},
			{Path: "params.prompts[1]", To: map[string]any{"prompt": "closed"}}}},
		{Node: "language", Kind: ChangeChanged, Fields: []FieldChange{{Path: "exits.3", From: "lang_yue"}, {Path: "exits.4", To: "lang_en"}}},
		{Node: "new", Kind: ChangeAdded},
		{Node: "closed", Kind: ChangeRemoved},
	}
	if got := Diff(a, b); !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		t.Fatalf("diff:\n%s", g)
	}
}

func TestLanguageWarnings(t *testing.T) {
	cat := loadCatalog(t)
	cat.Prompts["zh_only"] = map[string]string{"cmn": "zh_only.wav"}
	doc := flowJSON(``,
		`{"id": "a", "type": "play", "params": {"prompts": [{"prompt": "sales_menu"}]}, "exits": {"next": "m"}}`,
		`{"id": "m", "type": "menu", "params": {"prompts": [{"prompt": "welcome"}]}, "exits": {"1": "zh", "fail": "end"}}`,
		`{"id": "zh", "type": "language", "params": {"language": "cmn"}, "exits": {"next": "b"}}`,
		`{"id": "b", "type": "play", "params": {"prompts": [{"prompt": "sales_menu"}, {"prompt": "zh_only"}, {"text": {"en": "x"}, "language": "en"}]}, "exits": {"next": "end"}}`,
		`{"id": "end", "type": "hangup", "params": {"prompts": [{"prompt": "zh_only"}]}}`)
	p, err := ParseAndCompile([]byte(doc), cat)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range p.Warnings {
		got = append(got, w.Error())
	}
	want := []string{
		// node a is reached in English only: no warning.
		"node b: prompt 1 has no recording in cmn; those callers hear en",
		"node end: prompt 1 has no recording in en, nor in the flow's language en: the node fails for those callers",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("warnings:\n%s", strings.Join(got, "\n"))
	}
}

func TestDiffDocs(t *testing.T) {
	a := flowJSON(``, hangupNode)
	b := strings.Replace(a, `"type": "hangup"}`, `"type": "hangup", "params": {"cause": "USER_BUSY"}}`, 1)
	ch, err := DiffDocs([]byte(a), []byte(b))
	if err != nil || len(ch) != 1 || ch[0].Node != "end" || ch[0].Fields[0].Path != "params" {
		t.Fatalf("%+v %v", ch, err)
	}
	if _, err := DiffDocs([]byte(a), []byte(`{`)); !errors.Is(err, ErrBadJSON) {
		t.Fatalf("bad doc: %v", err)
	}
}

func TestSizeLimits(t *testing.T) {
	var vars []string
	for i := range MaxVariables + 1 {
		vars = append(vars, fmt.Sprintf(`"v%d": {"type": "string"}`, i))
	}
	ves := Validate([]byte(flowJSON(strings.Join(vars, ","), hangupNode)), loadCatalog(t))
	if len(ves) != 1 || !strings.Contains(ves[0].Message, "variables; at most 200") {
		t.Fatalf("%v", ves)
	}
	big := []byte(`{"id": "` + strings.Repeat("x", MaxFlowBytes) + `"}`)
	if _, err := Parse(big); !errors.Is(err, ErrBadJSON) {
		t.Fatalf("oversized document: %v", err)
	}
}

func TestDidYouMean(t *testing.T) {
	known := map[string]VarType{"account": TypeString, "balance": TypeNumber, "x": TypeString}
	for name, want := range map[string]string{"acount": "account", "balanse": "balance", "y": "", "zzz": "", "ballance": "balance"} {
		got := DidYouMean(name, known)
		if want == "" && got != "" || want != "" && got != ` (did you mean "`+want+`"?)` {
			t.Errorf("%s: %q", name, got)
		}
	}
	cat := loadCatalog(t)
	doc := flowJSON(`"account": {"type": "string"}`,
		`{"id": "a", "type": "set", "params": {"assign": [{"var": "acount", "expr": "acount"}]}, "exits": {"next": "end"}}`, hangupNode)
	ves := Validate([]byte(doc), cat)
	if len(ves) != 1 || !strings.Contains(ves[0].Message, `did you mean "account"`) {
		t.Fatalf("%v", ves)
	}
}
