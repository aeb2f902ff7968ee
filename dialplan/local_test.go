package dialplan

import (
	"reflect"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

func TestForms(t *testing.T) {
	fr := NumberFormat{CountryCode: "33", InternationalPrefix: "00", TrunkPrefix: "0"}
	tests := []struct {
		f    NumberFormat
		key  string
		want []string
	}{
		{fr, "33123456789", []string{"33123456789", "+33123456789", "0033123456789", "0123456789"}},
		{fr, "9300", []string{"9300", "+9300", "009300"}},
		// "0123" dialled means 33123 here; only "+0123" and "000123" mean 0123.
		{fr, "0123", []string{"+0123", "000123"}},
		{NumberFormat{}, "15550100", []string{"15550100", "+15550100"}},
	}
	for _, tt := range tests {
		if got := tt.f.Forms(tt.key); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v.Forms(%q) = %q, want %q", tt.f, tt.key, got, tt.want)
		}
	}
}

// TestFormsNormaliseBack: every form Normalize maps back to the key, and the
// "+" form is always there.
func TestFormsNormaliseBack(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := NumberFormat{
			CountryCode:         rapid.StringMatching(`[1-9][0-9]{0,2}|`).Draw(t, "cc"),
			InternationalPrefix: rapid.StringMatching(`0{1,2}1?|`).Draw(t, "intl"),
			TrunkPrefix:         rapid.StringMatching(`[0-9]?`).Draw(t, "trunk"),
		}
		key := rapid.StringMatching(`[0-9]{1,15}`).Draw(t, "key")
		forms := f.Forms(key)
		if len(forms) == 0 || !slices.Contains(forms, "+"+key) {
			t.Fatalf("Forms(%q) = %q: no + form", key, forms)
		}
		for _, s := range forms {
			if n, err := f.Normalize(s); err != nil || n != key {
				t.Fatalf("form %q of %q normalises to %q, %v", s, key, n, err)
			}
		}
	})
}

func TestLocalRoutes(t *testing.T) {
	p := mustPlan(t, testConfig(t))
	got := p.LocalRoutes("paris")
	var numbers []string
	for _, r := range got {
		numbers = append(numbers, r.Number)
	}
	// Sorted; initech (suspended) left out.
	if want := []string{"33100000001", "85220000000", "9300"}; !reflect.DeepEqual(numbers, want) {
		t.Fatalf("numbers %q, want %q", numbers, want)
	}
	if got[0].Tenant != "acme" || !reflect.DeepEqual(got[0].Fallback.Users, []string{"1000", "1001"}) {
		t.Errorf("acme at paris: %+v", got[0])
	}
	if !reflect.DeepEqual(got[0].Forms, []string{"33100000001", "+33100000001", "0033100000001", "0100000001"}) {
		t.Errorf("forms: %q", got[0].Forms)
	}
	if lyon := p.LocalRoutes("lyon"); !reflect.DeepEqual(lyon[0].Fallback.Users, []string{"2000"}) {
		t.Errorf("acme at lyon: %+v", lyon[0])
	}
}
