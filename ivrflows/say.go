package ivrflows

import (
	"fmt"
	"strings"
	"time"
)

// Speaking values in the caller's language (IVR-3, IVR-18). Numbers are
// handed to TTS as digits, which every voice reads in its own language;
// dates and times are worded here because their word order differs.

var sayKinds = []string{"number", "digits", "date", "time", "text"}

// items resolves prompts into what to play in the current language.
func (r *run) items(ps []Prompt) ([]PlayItem, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	lang, _ := r.s.Vars[VarLanguage].(string)
	out := make([]PlayItem, 0, len(ps))
	for i := range ps {
		it, err := r.item(&ps[i], lang)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

func (r *run) item(p *Prompt, lang string) (PlayItem, error) {
	if p.Language != "" {
		lang = p.Language
	}
	switch {
	case p.files != nil:
		if f, ok := pick(p.files, lang, r.p.Language); ok {
			return PlayItem{File: f}, nil
		}
		return PlayItem{}, fmt.Errorf("prompt %q has no recording in %q", p.Prompt, lang)
	case p.text != nil:
		t, ok := pick(p.text, lang, r.p.Language)
		if !ok {
			return PlayItem{}, fmt.Errorf("text prompt has no wording in %q", lang)
		}
		return PlayItem{Text: t.render(r.s.Vars, false), Voice: r.p.cat.voice(lang)}, nil
	}
	v, err := p.expr.Eval(r.s.Vars)
	if err != nil {
		return PlayItem{}, err
	}
	text, err := sayText(p.Say, v, lang)
	if err != nil {
		return PlayItem{}, err
	}
	return PlayItem{Text: text, Voice: r.p.cat.voice(lang)}, nil
}

// pick chooses the caller's language, then "*", then the flow's language.
func pick[V any](m map[string]V, lang, fallback string) (V, bool) {
	for _, l := range []string{lang, "*", fallback} {
		if v, ok := m[l]; ok {
			return v, true
		}
	}
	var zero V
	return zero, false
}

func chinese(lang string) bool {
	return lang == "cmn" || lang == "yue" || strings.HasPrefix(lang, "zh")
}

// sayText words a value for TTS in lang.
func sayText(kind string, v any, lang string) (string, error) {
	s := formatValue(v)
	switch kind {
	case "number":
		f, ok := toFloat(v)
		if !ok {
			return "", fmt.Errorf("%q is not a number", s)
		}
		return formatValue(f), nil
	case "digits":
		return strings.Join(strings.Split(s, ""), " "), nil
	case "date":
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return "", fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
		}
		if chinese(lang) {
			return fmt.Sprintf("%d年%d月%d日 星期%s", t.Year(), t.Month(), t.Day(), zhWeekday[t.Weekday()]), nil
		}
		return t.Format("Monday, January 2, 2006"), nil
	case "time":
		t, err := time.Parse("15:04", s)
		if err != nil {
			return "", fmt.Errorf("%q is not a time (HH:MM)", s)
		}
		if chinese(lang) {
			return fmt.Sprintf("%d点%d分", t.Hour(), t.Minute()), nil
		}
		return t.Format("3:04 PM"), nil
	}
	return s, nil
}

var zhWeekday = [...]string{"日", "一", "二", "三", "四", "五", "六"}
