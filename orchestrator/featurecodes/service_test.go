package featurecodes

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// TestEverySentenceInEveryLanguage: each language says every msg with the
// English sentence's verbs, and names every state.
func TestEverySentenceInEveryLanguage(t *testing.T) {
	verbs := func(s string) string {
		var out []string
		for i := 0; i < len(s)-1; i++ {
			if s[i] == '%' {
				j := i + 1
				for j < len(s) && !strings.ContainsRune("sdv", rune(s[j])) {
					j++
				}
				out = append(out, s[i:j+1])
				i = j
			}
		}
		return strings.Join(out, ",")
	}
	for _, lang := range tenancy.Languages {
		all, ok := sentences[lang]
		if !ok {
			t.Fatalf("%s has no sentences", lang)
		}
		for m := range numMsgs {
			if all[m] == "" || verbs(all[m]) != verbs(sentences[tenancy.LanguageEnglish][m]) {
				t.Errorf("%s msg %d: %q (verbs %q, English %q)", lang, m, all[m], verbs(all[m]), verbs(sentences[tenancy.LanguageEnglish][m]))
			}
		}
		for _, st := range acd.States() {
			if stateNames[lang][st] == "" {
				t.Errorf("%s cannot say state %s", lang, st)
			}
		}
		if voices[lang] == "" {
			t.Errorf("%s has no voice", lang)
		}
	}
}

// desk is a fake ACD: it records the verbs and answers with err.
type desk struct {
	view  acd.AgentView
	err   error
	calls []string
}

func (d *desk) rec(s string) error                          { d.calls = append(d.calls, s); return d.err }
func (d *desk) Login(_ context.Context, a string) error     { return d.rec("login " + a) }
func (d *desk) Logout(_ context.Context, a, r string) error { return d.rec("logout " + a) }
func (d *desk) Ready(_ context.Context, a string) error     { return d.rec("ready " + a) }
func (d *desk) NotReady(_ context.Context, a, r string) error {
	return d.rec("not_ready " + a + " " + r)
}
func (d *desk) Break(_ context.Context, a, by string) error          { return d.rec("break " + a + " " + by) }
func (d *desk) EndBreak(_ context.Context, a string) error           { return d.rec("end_break " + a) }
func (d *desk) EndWrap(_ context.Context, a string) error            { return d.rec("end_wrap " + a) }
func (d *desk) Agent(context.Context, string) (acd.AgentView, error) { return d.view, nil }

type desks map[tenancy.TenantID]*desk

func (d desks) Desk(t tenancy.TenantID) (Desk, bool) {
	x, ok := d[t]
	return x, ok
}

type settings map[tenancy.TenantID]Settings

func (s settings) FeatureSettings(_ context.Context, t tenancy.TenantID) (Settings, error) {
	x, ok := s[t]
	if !ok {
		return Settings{}, errors.New("no such tenant")
	}
	return x, nil
}

func TestFeatureCodeAnswers(t *testing.T) {
	reasons := []tenancy.ReasonCode{{Code: "lunch", Label: "午饭"}, {Code: "meeting"}}
	for _, tc := range []struct {
		name, lang, dialled string
		view                acd.AgentView
		err                 error
		call, said          string
	}{
		{"reason label", "zh-CN", "*241", acd.AgentView{State: acd.NotReady, Reason: "lunch"}, nil,
			"not_ready a1 lunch", "您当前的状态是未就绪。原因：午饭。"},
		{"no digits: first reason", "en", "*24", acd.AgentView{State: acd.NotReady, Reason: "lunch"}, nil,
			"not_ready a1 lunch", "You are not ready. Reason: 午饭."},
		{"break refused", "zh-TW", "*252", acd.AgentView{State: acd.Ready}, &acd.BreakCapError{OnBreak: 2, Max: 2},
			"break a1 meeting", "您的休息申請被拒絕：已有2位專員在休息，最多2位。"},
		{"ready", "en", "*23", acd.AgentView{State: acd.NotReady}, nil, "later: ready a1", "You are ready."},
		{"ready ends a break", "en", "*23", acd.AgentView{State: acd.Break}, nil, "later: end_break a1", "You are ready."},
		{"ready ends after-call work", "zh-CN", "*23", acd.AgentView{State: acd.AfterCallWork}, nil, "later: end_wrap a1",
			"话后处理已结束。您当前的状态是就绪。"},
		{"end wrap, not ready pending", "en", "*26", acd.AgentView{State: acd.AfterCallWork, PendingNR: true}, nil,
			"later: end_wrap a1", "After-call work ended. You are not ready."},
		{"not allowed by the table", "en", "*26", acd.AgentView{State: acd.Ready}, nil, "", "That is not possible now: you are ready."},
		{"already ready", "zh-TW", "*23", acd.AgentView{State: acd.Ready}, nil, "", "現在無法執行此操作：您目前的狀態是就緒。"},
		{"refused by the ACD", "en", "*21", acd.AgentView{State: acd.Ready},
			&acd.TransitionError{State: acd.Ready, Event: acd.EvLogin}, "login a1", "That is not possible now: you are ready."},
		{"pending", "en", "*24", acd.AgentView{State: acd.Busy, PendingNR: true}, nil, "not_ready a1 lunch",
			"You are busy. You will be not ready when your call ends."},
		{"unknown agent", "en", "*21", acd.AgentView{}, acd.ErrUnknownAgent, "login a1", "This phone is not an agent of the contact center."},
		{"acd down", "en", "*21", acd.AgentView{}, errors.New("stopped"), "login a1", "The service is not available. Please try again later."},
		{"unknown code", "en", "*99", acd.AgentView{}, nil, "", "Unknown feature code."},
		{"no such reason", "en", "*253", acd.AgentView{}, nil, "", "There is no reason number 3."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &desk{view: tc.view, err: tc.err}
			s := New(Config{Desks: desks{"t1": d}, Settings: settings{"t1": {Codes: tenancy.DefaultFeatureCodes(), Reasons: reasons,
				Language: tenancy.Language(tc.lang)}}})
			p, res, later := s.serve(context.Background(), "t1", "a1", tc.dialled)
			if p.Text != tc.said || res.Text != tc.said {
				t.Errorf("said %q, want %q", p.Text, tc.said)
			}
			if later != nil {
				if len(d.calls) != 0 {
					t.Fatalf("changed before the call ended: %v", d.calls)
				}
				d.calls = append(d.calls, "later:")
				_ = later(context.Background())
				d.calls = []string{strings.Join(d.calls, " ")}
			}
			if got := strings.Join(d.calls, ";"); got != tc.call {
				t.Errorf("ACD calls %q, want %q", got, tc.call)
			}
		})
	}
	// Outcomes counted per tenant and action.
	var counted []string
	d := &desk{view: acd.AgentView{State: acd.NotReady}}
	s := New(Config{Desks: desks{"t1": d}, Settings: settings{"t1": {Codes: tenancy.DefaultFeatureCodes(), Language: "en"}},
		Count: func(t tenancy.TenantID, action string, o Outcome) {
			counted = append(counted, string(t)+" "+action+" "+string(o))
		}})
	for _, code := range []string{"*23", "*26", "*99", "*27"} {
		_, _ = s.FeatureCode(context.Background(), "t1", "a1", code)
	}
	if got := strings.Join(counted, ";"); got != "t1 ready done;t1 end_wrap refused;t1 unknown unknown;t1 state done" {
		t.Fatalf("counted %q", got)
	}
	// Another tenant's desk is never reached; a tenant without a running
	// ACD hears that the service is unavailable.
	other := &desk{}
	s = New(Config{Desks: desks{"t2": other}, Settings: settings{"t1": {Codes: tenancy.DefaultFeatureCodes()}}})
	p, _, _ := s.serve(context.Background(), "t1", "a1", "*23")
	if len(other.calls) != 0 || p.Text != "The service is not available. Please try again later." || p.Voice != "en" {
		t.Fatalf("t1's code reached t2 (%v) or said %+v", other.calls, p)
	}
}

// stuckTTS never renders.
type stuckTTS struct{}

func (stuckTTS) Synthesize(ctx context.Context, text, voice string) (string, error) {
	<-ctx.Done()
	return "", ctx.Err()
}

type fileTTS struct{}

func (fileTTS) Synthesize(_ context.Context, text, voice string) (string, error) {
	return "/tts/" + voice + "/" + text, nil
}

// TestPlaybackRendersOrFallsBack: the TTS cache's file in the tenant's
// voice; a rendering that hangs is given up after TTSWait and the switch
// speaks the text.
func TestPlaybackRendersOrFallsBack(t *testing.T) {
	set := settings{"t1": {Codes: tenancy.DefaultFeatureCodes(), Language: tenancy.LanguageChineseTraditional}}
	d := desks{"t1": &desk{view: acd.AgentView{State: acd.Ready}}}
	p, _ := New(Config{Desks: d, Settings: set, Prompter: fileTTS{}}).FeatureCode(context.Background(), "t1", "a1", "*27")
	if len(p.Files) != 1 || p.Files[0] != "/tts/cmn/您目前的狀態是就緒。" || p.Text != "" {
		t.Fatalf("rendered: %+v", p)
	}
	p, _ = New(Config{Desks: d, Settings: set, Prompter: stuckTTS{}, TTSWait: 10 * time.Millisecond}).FeatureCode(context.Background(), "t1", "a1", "*27")
	if len(p.Files) != 0 || p.Text != "您目前的狀態是就緒。" || p.Voice != "cmn" {
		t.Fatalf("fallback: %+v", p)
	}
}
