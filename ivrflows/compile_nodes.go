package ivrflows

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/expr-lang/expr"
)

// Defaults filled in by Compile.
const (
	defaultFirstDigit = 5000
	defaultInterDigit = 3000
	defaultTries      = 3
	maxDigits         = 64
	defaultHTTPMS     = 3000
	defaultSQLMS      = 3000
	defaultMaxRows    = 100
	maxRowsLimit      = 1000
	defaultRecordS    = 120
)

func (c *compiler) expr(src, what string) *Expr {
	e, err := CompileExpr(src, c.env)
	if err != nil {
		c.errf("%s: %v", what, err)
		return nil
	}
	return e
}

// assignable reports (as a validation error) whether a node may set name.
func (c *compiler) assignable(name, what string) bool {
	if name == "" {
		c.errf("%s: no variable given", what)
		return false
	}
	if SystemVariables[name] != "" {
		c.errf("%s: %q is a system variable and cannot be set", what, name)
		return false
	}
	if _, ok := c.vars[name]; !ok {
		c.errf("%s: variable %q is not defined%s; declare it in the flow's variables", what, name, DidYouMean(name, c.vars))
		return false
	}
	return true
}

func (c *compiler) prompts(ps []Prompt, what string) {
	for i := range ps {
		c.prompt(&ps[i], fmt.Sprintf("%s %d", what, i+1))
	}
}

func (c *compiler) prompt(p *Prompt, what string) {
	set := 0
	for _, b := range []bool{p.Prompt != "", p.Text != nil, p.Say != ""} {
		if b {
			set++
		}
	}
	if set != 1 {
		c.errf("%s: give exactly one of prompt, text or say", what)
		return
	}
	if p.Language != "" && !c.cat.hasLanguage(p.Language) {
		c.errf("%s: language %q is not one of the tenant's languages%s", what, p.Language, choices(sortedKeys(c.cat.Languages)))
	}
	c.refs = append(c.refs, promptRef{node: c.node, what: what, p: p})
	switch {
	case p.Prompt != "":
		files, ok := c.cat.Prompts[p.Prompt]
		if !ok {
			c.errf("%s: the tenant has no prompt %q%s", what, p.Prompt, choices(sortedKeys(c.cat.Prompts)))
		}
		p.files = files
	case p.Text != nil:
		p.text = map[string]*template{}
		for _, lang := range sortedKeys(p.Text) {
			if lang != "*" && !c.cat.hasLanguage(lang) {
				c.errf("%s: language %q is not one of the tenant's languages%s", what, lang, choices(sortedKeys(c.cat.Languages)))
			}
			t, err := parseTemplate(p.Text[lang], c.env)
			if err != nil {
				c.errf("%s: %v", what, err)
				continue
			}
			p.text[lang] = t
		}
	default:
		if !contains(sayKinds, p.Say) {
			c.errf("%s: say %q is unknown (use %s)", what, p.Say, strings.Join(sayKinds, ", "))
		}
		if p.Expr == "" {
			c.errf("%s: say needs an expr giving what to say", what)
			return
		}
		p.expr = c.expr(p.Expr, what)
	}
}

func compilePlay(c *compiler, p *PlayParams) {
	if len(p.Prompts) == 0 {
		c.errf("a play node needs at least one prompt")
	}
	c.prompts(p.Prompts, "prompt")
}

func keyOr(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}

func compileCollect(c *compiler, p *CollectParams) {
	c.prompts(p.Prompts, "prompt")
	c.prompts(p.InvalidPrompts, "invalid-input prompt")
	c.prompts(p.NoInputPrompts, "no-input prompt")
	c.assignable(p.Variable, "collect")
	s := collectSpec{Mode: p.Mode, FirstDigit: ms(p.FirstDigitTimeoutMS, defaultFirstDigit),
		InterDigit: ms(p.InterDigitTimeoutMS, defaultInterDigit), Tries: orDefault(p.Tries, defaultTries),
		prompts: p.Prompts, invalid: p.InvalidPrompts, noInput: p.NoInputPrompts}
	switch p.Mode {
	case ModeSingle:
		s.Min, s.Max = 1, 1
	case ModeFixed:
		if p.Length < 1 || p.Length > maxDigits {
			c.errf("fixed-length collect needs a length from 1 to %d", maxDigits)
		}
		s.Min, s.Max = p.Length, p.Length
		s.Terminator, s.ResetKey = keyOr(p.Terminator, "#"), keyOr(p.ResetKey, "*")
	case ModeVariable:
		s.Min, s.Max = orDefault(p.Min, 1), p.Max
		if s.Max < 1 || s.Max > maxDigits || s.Min > s.Max {
			c.errf("variable-length collect needs max from 1 to %d and min not above max", maxDigits)
		}
		s.Terminator, s.ResetKey = keyOr(p.Terminator, "#"), keyOr(p.ResetKey, "*")
	default:
		c.errf("collect mode %q is unknown (use single, fixed or variable)", p.Mode)
	}
	c.checkKeys(s.Terminator, s.ResetKey)
	if p.Pattern != "" {
		re, err := regexp.Compile("^(?:" + p.Pattern + ")$")
		if err != nil {
			c.errf("pattern %q is not a valid regular expression", p.Pattern)
		}
		s.pattern = re
	}
	c.checkTiming(s)
	p.Terminator, p.ResetKey = &s.Terminator, &s.ResetKey
	p.FirstDigitTimeoutMS, p.InterDigitTimeoutMS, p.Tries = int(s.FirstDigit/time.Millisecond), int(s.InterDigit/time.Millisecond), s.Tries
	p.spec = s
}

func (c *compiler) checkKeys(term, reset string) {
	for _, k := range []string{term, reset} {
		if k != "" && (len(k) != 1 || !strings.Contains(dtmfKeys, k)) {
			c.errf("%q is not a phone key", k)
		}
	}
	if term != "" && term == reset {
		c.errf("the terminator and the reset key must differ")
	}
}

func (c *compiler) checkTiming(s collectSpec) {
	if s.FirstDigit < 500*time.Millisecond || s.FirstDigit > time.Minute || s.InterDigit < 500*time.Millisecond || s.InterDigit > time.Minute {
		c.errf("timeouts must be between 500 ms and 60 s")
	}
	if s.Tries < 1 || s.Tries > 10 {
		c.errf("tries must be between 1 and 10")
	}
}

func ms(v, def int) time.Duration { return time.Duration(orDefault(v, def)) * time.Millisecond }

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func compileMenu(c *compiler, p *MenuParams) {
	if len(p.Prompts) == 0 {
		c.errf("a menu needs a prompt telling the caller the choices")
	}
	c.prompts(p.Prompts, "prompt")
	c.prompts(p.InvalidPrompts, "invalid-input prompt")
	c.prompts(p.NoInputPrompts, "no-input prompt")
	keys := ""
	for e := range c.cur.Exits {
		if len(e) == 1 && strings.Contains(dtmfKeys, e) {
			keys += e
		}
	}
	if keys == "" {
		c.errf("a menu needs at least one key exit (\"1\", \"2\", ...)")
	}
	s := collectSpec{Mode: ModeSingle, Min: 1, Max: 1, FirstDigit: ms(p.TimeoutMS, defaultFirstDigit),
		InterDigit: ms(p.TimeoutMS, defaultFirstDigit), Tries: orDefault(p.Tries, defaultTries),
		Keys: keys, prompts: p.Prompts, invalid: p.InvalidPrompts, noInput: p.NoInputPrompts}
	c.checkTiming(s)
	p.TimeoutMS, p.Tries = int(s.FirstDigit/time.Millisecond), s.Tries
	p.spec = s
}

func compileSet(c *compiler, p *SetParams) {
	if len(p.Assign) == 0 {
		c.errf("a set node needs at least one assignment")
	}
	for i := range p.Assign {
		a := &p.Assign[i]
		if c.assignable(a.Var, "assignment") {
			a.expr = c.expr(a.Expr, "value of "+a.Var)
			c.checkAssignType(a.Var, a.expr)
		}
	}
}

func compileCondition(c *compiler, p *ConditionParams) {
	e, err := compileExpr(p.Expr, c.env, expr.AsBool())
	if err != nil {
		c.errf("condition must be true or false: %v", err)
		return
	}
	p.expr = e
}

func compileSwitch(c *compiler, p *SwitchParams) { p.expr = c.expr(p.Expr, "switch value") }

func compileHours(c *compiler, p *HoursParams) {
	cal, ok := c.cat.Calendars[p.Calendar]
	if !ok || cal == nil {
		c.errf("the tenant has no calendar %q%s", p.Calendar, choices(sortedKeys(c.cat.Calendars)))
		return
	}
	own := *cal // the catalog may be shared by concurrent compilations
	if err := own.prepare(c.cat.LoadLocation); err != nil {
		c.errf("calendar %q: %v", p.Calendar, err)
	}
	p.cal = &own
}

func compileLanguage(c *compiler, p *LanguageParams) {
	switch {
	case (p.Language == "") == (p.Expr == ""):
		c.errf("give exactly one of language or expr")
	case p.Language != "":
		if !c.cat.hasLanguage(p.Language) {
			c.errf("language %q is not one of the tenant's languages%s", p.Language, choices(sortedKeys(c.cat.Languages)))
		}
	default:
		p.expr = c.expr(p.Expr, "language")
	}
}

// checkAssignType catches, at validation, a value that can never fit its
// variable: true/false into a number or a number into true/false. (Strings
// are converted when they can be, at run time.)
func (c *compiler) checkAssignType(name string, e *Expr) {
	if e == nil {
		return
	}
	t := e.prog.Node().Type()
	if t == nil {
		return
	}
	isNum := t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64
	switch vt := c.vars[name]; {
	case vt == TypeNumber && t.Kind() == reflect.Bool, vt == TypeBool && isNum:
		c.errf("value of %s: %q gives a %s, but %s is a %s", name, e.Source, kindWord(t.Kind()), name, vt)
	}
}

func kindWord(k reflect.Kind) string {
	if k == reflect.Bool {
		return "true/false"
	}
	return "number"
}
