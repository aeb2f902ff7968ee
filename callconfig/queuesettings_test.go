package callconfig

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseQueueSettingsNamesUnknownKeys(t *testing.T) {
	for raw, key := range map[string]string{
		`{"primary_skil": "en"}`:                            "primary_skil",
		`{"on_full": {"kind": "queue", "targte": "x"}}`:     "on_full.targte",
		`{"widening": [{"after_seconds": 5}, {"relx": 1}]}`: "widening[1].relx",
	} {
		_, err := ParseQueueSettings([]byte(raw))
		var unknown *UnknownSettingError
		if !errors.As(err, &unknown) || unknown.Key != key || len(unknown.Valid) == 0 {
			t.Errorf("%s: want unknown key %s, got %v", raw, key, err)
		}
	}
	if _, err := ParseQueueSettings([]byte(`{"primary_skill": "en", "widening": [{"after_seconds": 5, "relax": 1}], "on_full": {"kind": "voicemail"}}`)); err != nil {
		t.Fatal(err)
	}
}

// TestServiceLevelDefinitionSetting: the definition is a closed set; a
// value outside it is refused with the valid ones, not silently defaulted.
func TestServiceLevelDefinitionSetting(t *testing.T) {
	for _, v := range []string{"answered", "answered_and_abandoned_after_threshold"} {
		set, err := ParseQueueSettings([]byte(`{"service_level_definition": "` + v + `"}`))
		if err != nil || set.ServiceLevelDefinition != v {
			t.Errorf("%s: %+v %v", v, set, err)
		}
	}
	_, err := ParseQueueSettings([]byte(`{"service_level_definition": "answerd"}`))
	if err == nil || !strings.Contains(err.Error(), `"answerd"`) || !strings.Contains(err.Error(), "answered_and_abandoned_after_threshold") {
		t.Errorf("a misspelt definition: want an error naming it and the valid ones, got %v", err)
	}
}

func FuzzParseQueueSettings(f *testing.F) {
	for _, s := range []string{`{}`, `{"primary_skil": 1}`, `{"on_full": {"kind": "queue", "target": "q"}}`,
		`{"widening": [{"relax": 1}, null, 3]}`, `[]`, `null`, `{"on_full": []}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, err := ParseQueueSettings(raw)
		var unknown *UnknownSettingError
		// The key is named as the input has it (json turns invalid UTF-8 into U+FFFD).
		if errors.As(err, &unknown) && utf8.Valid(raw) && !strings.Contains(string(raw), strings.TrimLeft(unknown.Key[strings.LastIndexAny(unknown.Key, ".]")+1:], ".")) {
			t.Fatalf("unknown key %q is not in the input %q", unknown.Key, raw)
		}
	})
}
