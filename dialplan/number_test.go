package dialplan

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	fr := NumberFormat{CountryCode: "33", InternationalPrefix: "00", TrunkPrefix: "0"}
	tests := []struct {
		f       NumberFormat
		in      string
		want    string
		wantErr bool
	}{
		{fr, "+33 1 23 45 67 89", "33123456789", false},
		{fr, "0033123456789", "33123456789", false},
		{fr, "01 23 45 67 89", "33123456789", false},
		{fr, "(01) 23-45.67.89", "33123456789", false},
		{fr, "9300", "9300", false},
		{NumberFormat{}, "+1 555 0100", "15550100", false},
		{NumberFormat{}, "0123", "0123", false},                 // no country code: trunk prefix kept
		{NumberFormat{TrunkPrefix: "0"}, "0123", "0123", false}, // trunk prefix alone does nothing
		{fr, "", "", true},
		{fr, "   ", "", true},
		{fr, "+", "", true},
		{fr, "00", "", true},
		{fr, "12a4", "", true},
		{fr, "++33", "", true},
		{fr, "${system(rm)}", "", true},
		{fr, "1234567890123456", "", true}, // 16 digits
		{fr, "123456789012345", "123456789012345", false},
		{fr, "١٢٣", "", true}, // Arabic-Indic digits are not ASCII digits
	}
	for _, tt := range tests {
		got, err := tt.f.Normalize(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("%+v.Normalize(%q) = %q, %v; want %q, err=%v", tt.f, tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrBadNumber) {
			t.Errorf("Normalize(%q) error %v does not wrap ErrBadNumber", tt.in, err)
		}
	}
}

func TestNumberFormatValidate(t *testing.T) {
	if err := (NumberFormat{CountryCode: "33", InternationalPrefix: "00", TrunkPrefix: "0"}).Validate(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []NumberFormat{{CountryCode: "+33"}, {InternationalPrefix: "0x"}, {TrunkPrefix: " "}} {
		if f.Validate() == nil {
			t.Errorf("%+v: want error", f)
		}
	}
}

// FuzzNormalize: dialled numbers come from callers. Whatever goes in, the
// result is digits only, within MaxDigits, and normalising it again is stable.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"+33 1 23", "0033123", "0123", "9300", "", "+", "${x}", "0\x00"} {
		f.Add(s)
	}
	fr := NumberFormat{CountryCode: "33", InternationalPrefix: "00", TrunkPrefix: "0"}
	f.Fuzz(func(t *testing.T, in string) {
		if out, ok := fr.Outside(in); ok && (out == "" || strings.Trim(out[1:], "0123456789") != "" || strings.Trim(out[:1], "+0123456789") != "") {
			t.Fatalf("Outside(%q) = %q: a gateway number must be digits with an optional leading +", in, out)
		}
		got, err := fr.Normalize(in)
		if err != nil {
			if !errors.Is(err, ErrBadNumber) {
				t.Fatalf("error %v does not wrap ErrBadNumber", err)
			}
			return
		}
		if !allDigits(got) || len(got) > MaxDigits {
			t.Fatalf("Normalize(%q) = %q: not 1-%d digits", in, got, MaxDigits)
		}
		if again, err := (NumberFormat{}).Normalize("+" + got); err != nil || again != got {
			t.Fatalf("re-normalising %q gave %q, %v", got, again, err)
		}
	})
}

func TestOutside(t *testing.T) {
	fr := NumberFormat{CountryCode: "33", InternationalPrefix: "00", TrunkPrefix: "0"}
	for raw, want := range map[string]string{
		"06 12 34 56 78": "0612345678", "+33 6 12 34 56 78": "+33612345678", "0033612345678": "0033612345678",
		"1001": "", "123456": "", "": "", "1001,sofia/gateway/x/1": "", "+1 (555) 010-0000": "+15550100000",
		"0612345678;x": "", "1234567890123456": "",
	} {
		got, ok := fr.Outside(raw)
		if got != want || ok != (want != "") {
			t.Errorf("Outside(%q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
}
