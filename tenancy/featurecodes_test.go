package tenancy

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckFeatureCodes(t *testing.T) {
	if err := CheckFeatureCodes(DefaultFeatureCodes()); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if err := CheckFeatureCodes(FeatureCodes{}); err != nil {
		t.Fatalf("every code disabled: %v", err)
	}
	with := func(change func(*FeatureCodes)) FeatureCodes {
		f := DefaultFeatureCodes()
		change(&f)
		return f
	}
	for _, tc := range []struct {
		name  string
		in    FeatureCodes
		field string // "" : valid
		says  string
	}{
		{"hash codes", with(func(f *FeatureCodes) { f.Ready = "#9"; f.State = "##" }), "", ""},
		{"one disabled", with(func(f *FeatureCodes) { f.Break = "" }), "", ""},
		{"duplicate", with(func(f *FeatureCodes) { f.State = "*23" }), "state", "already the code of ready"},
		{"prefix of a later one", with(func(f *FeatureCodes) { f.Login = "*2" }), "logout", `starts with "*2", the code of login`},
		{"prefix of an earlier one", with(func(f *FeatureCodes) { f.State = "*2" }), "login", `starts with "*2", the code of state`},
		{"letters", with(func(f *FeatureCodes) { f.Ready = "*2a" }), "ready", "only digits, * and #"},
		{"plus", with(func(f *FeatureCodes) { f.Ready = "*+1" }), "ready", "only digits"},
		{"no star or hash first", with(func(f *FeatureCodes) { f.Ready = "123" }), "ready", "must start with * or #"},
		{"too short", with(func(f *FeatureCodes) { f.Ready = "*" }), "ready", "2 to 8 characters"},
		{"too long", with(func(f *FeatureCodes) { f.Ready = "*12345678" }), "ready", "2 to 8 characters"},
		{"unicode digit", with(func(f *FeatureCodes) { f.Ready = "*٣" }), "ready", "only digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckFeatureCodes(tc.in)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			fe, ok := errors.AsType[*FieldError](err)
			if !ok || fe.Field != tc.field || !strings.Contains(fe.Reason, tc.says) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("want a FieldError on %s saying %q, got %v", tc.field, tc.says, err)
			}
		})
	}
}

func TestParseFeatureCode(t *testing.T) {
	f := DefaultFeatureCodes()
	for _, tc := range []struct {
		dialled string
		want    FeatureRequest
		ok      bool
	}{
		{"*21", FeatureRequest{Action: FeatureLogin}, true},
		{"*22", FeatureRequest{Action: FeatureLogout}, true},
		{"*23", FeatureRequest{Action: FeatureReady}, true},
		{"*24", FeatureRequest{Action: FeatureNotReady}, true},
		{"*242", FeatureRequest{Action: FeatureNotReady, Reason: 2}, true},
		{"*24012", FeatureRequest{Action: FeatureNotReady, Reason: 12}, true},
		{"*25", FeatureRequest{Action: FeatureBreak}, true},
		{"*253", FeatureRequest{Action: FeatureBreak, Reason: 3}, true},
		{"*26", FeatureRequest{Action: FeatureEndWrap}, true},
		{"*27", FeatureRequest{Action: FeatureState}, true},
		{"*240", FeatureRequest{}, false},                                   // no reason 0
		{"*241000", FeatureRequest{}, false},                                // too many digits
		{"*24#", FeatureRequest{Action: FeatureNotReady}, true},             // '#' as the phone's send key
		{"*242#", FeatureRequest{Action: FeatureNotReady, Reason: 2}, true}, // the same, with a reason
		{"*23#", FeatureRequest{Action: FeatureReady}, true},
		{"*23##", FeatureRequest{}, false}, // one send key only
		{"*2#", FeatureRequest{}, false},
		{"#", FeatureRequest{}, false},
		{"*231", FeatureRequest{}, false}, // ready takes no digits
		{"*2", FeatureRequest{}, false},
		{"*28", FeatureRequest{}, false},
		{"", FeatureRequest{}, false},
		{"1001", FeatureRequest{}, false},
	} {
		got, ok := f.ParseFeatureCode(tc.dialled)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: got %+v %v, want %+v %v", tc.dialled, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := (FeatureCodes{Ready: "*23"}).ParseFeatureCode("*24"); ok {
		t.Fatal("a disabled code matched")
	}
	if got, ok := (FeatureCodes{}).ParseFeatureCode(""); ok {
		t.Fatalf("empty codes matched the empty string: %+v", got)
	}
	// A code ending in '#' is matched as it is, not as a send key.
	hashy := FeatureCodes{Ready: "*23#", NotReady: "*24"}
	if got, ok := hashy.ParseFeatureCode("*23#"); !ok || got.Action != FeatureReady {
		t.Fatalf("the code *23# itself: %+v %v", got, ok)
	}
}

// FuzzParseFeatureCode: whatever a phone dials, and whatever valid codes a
// tenant set, the parser never panics and only answers for a string that
// is exactly a code, or a reason-taking code and 1 to 3 digits, either
// possibly followed by one '#' (the phone's send key).
func FuzzParseFeatureCode(f *testing.F) {
	f.Add("*23", "*23", "*24")
	f.Add("*2412", "*23", "*24")
	f.Add("#9", "#9", "##")
	f.Fuzz(func(t *testing.T, dialled, ready, notReady string) {
		codes := FeatureCodes{Ready: ready, NotReady: notReady}
		if CheckFeatureCodes(codes) != nil {
			return
		}
		req, ok := codes.ParseFeatureCode(dialled)
		if !ok {
			return
		}
		if _, exact := codes.parseFeatureCode(dialled); !exact {
			dialled = strings.TrimSuffix(dialled, "#") // read with its send key taken off
		}
		if !LooksLikeFeatureCode(dialled) {
			t.Fatalf("%q matched %+v without a feature code's shape", dialled, req)
		}
		code := codes.Code(req.Action)
		switch {
		case code == "" || !strings.HasPrefix(dialled, code):
			t.Fatalf("%q matched %s whose code is %q", dialled, req.Action, code)
		case dialled == code && req.Reason != 0:
			t.Fatalf("%q: a reason without digits: %+v", dialled, req)
		case dialled != code && (!req.Action.TakesReason() || req.Reason < 1 || req.Reason > 999):
			t.Fatalf("%q: digits accepted for %+v", dialled, req)
		}
	})
}
