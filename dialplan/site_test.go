package dialplan

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

func TestPreRoute(t *testing.T) {
	all := func(SiteID) bool { return true }
	only := func(ok ...SiteID) func(SiteID) bool {
		return func(s SiteID) bool { return slices.Contains(ok, s) }
	}
	tests := []struct {
		name      string
		arrival   SiteID
		prefs     []SiteID
		keepLocal bool
		up        func(SiteID) bool
		want      SiteDecision
	}{
		{"no prefs stays", "a", nil, false, all, SiteDecision{"a", "a", ModeLocal}},
		{"first pref wins", "b", []SiteID{"a", "b"}, false, all, SiteDecision{"b", "a", ModeTranslate}},
		{"keep local when listed", "b", []SiteID{"a", "b"}, true, all, SiteDecision{"b", "b", ModeLocal}},
		{"keep local but not listed", "c", []SiteID{"a", "b"}, true, all, SiteDecision{"c", "a", ModeTranslate}},
		{"keep local but down", "b", []SiteID{"a", "b"}, true, only("a"), SiteDecision{"b", "a", ModeTranslate}},
		{"skip down pref", "c", []SiteID{"a", "b"}, false, only("b", "c"), SiteDecision{"c", "b", ModeTranslate}},
		{"all down stays", "c", []SiteID{"a", "b"}, false, only(), SiteDecision{"c", "c", ModeLocal}},
	}
	for _, tt := range tests {
		if got := PreRoute(tt.arrival, tt.prefs, tt.keepLocal, tt.up); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestPostRoute(t *testing.T) {
	prefs := []SiteID{"a", "b", "c"}
	tests := []struct {
		name    string
		current SiteID
		free    map[SiteID]int
		want    SiteDecision
		ok      bool
	}{
		{"local free first", "b", map[SiteID]int{"a": 3, "b": 1}, SiteDecision{"b", "b", ModeLocal}, true},
		{"first pref with free", "c", map[SiteID]int{"b": 2}, SiteDecision{"c", "b", ModeTranslate}, true},
		{"unlisted site ignored", "a", map[SiteID]int{"z": 9}, SiteDecision{"a", "a", ModeLocal}, false},
		{"nobody free", "a", nil, SiteDecision{"a", "a", ModeLocal}, false},
	}
	for _, tt := range tests {
		got, ok := PostRoute(tt.current, prefs, tt.free)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: got %+v %v, want %+v %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

// TestPreRouteProperties: the target is up (or the arrival when nothing listed
// is up), Mode matches Arrival != Target, and without keepLocal the first
// listed up site always wins.
func TestPreRouteProperties(t *testing.T) {
	sites := []SiteID{"a", "b", "c", "d"}
	rapid.Check(t, func(t *rapid.T) {
		arrival := rapid.SampledFrom(sites).Draw(t, "arrival")
		prefs := rapid.SliceOfDistinct(rapid.SampledFrom(sites), func(s SiteID) SiteID { return s }).Draw(t, "prefs")
		upSet := rapid.SliceOfDistinct(rapid.SampledFrom(sites), func(s SiteID) SiteID { return s }).Draw(t, "up")
		keep := rapid.Bool().Draw(t, "keepLocal")
		up := func(s SiteID) bool { return slices.Contains(upSet, s) }
		d := PreRoute(arrival, prefs, keep, up)
		if d.Arrival != arrival || (d.Mode == ModeTranslate) != (d.Target != arrival) {
			t.Fatalf("inconsistent decision %+v", d)
		}
		firstUp := SiteID("")
		for _, s := range prefs {
			if up(s) {
				firstUp = s
				break
			}
		}
		switch {
		case firstUp == "":
			if d.Target != arrival {
				t.Fatalf("nothing listed is up, yet moved to %q", d.Target)
			}
		case keep && slices.Contains(prefs, arrival) && up(arrival):
			if d.Target != arrival {
				t.Fatalf("keepLocal ignored: %+v", d)
			}
		default:
			if d.Target != firstUp {
				t.Fatalf("want first up %q, got %+v", firstUp, d)
			}
		}
	})
}
