package dialplan

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tenant zones in tests do not depend on the host
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// testConfig: acme in Paris with office hours, globex in Hong Kong, suspended
// initech; two sites.
func testConfig(t testing.TB) Config {
	office := Schedule{
		Weekly: []Window{{Days: weekdays(), From: At(9, 0), To: At(18, 0)}},
		Closed: []Date{{2026, time.December, 25}},
	}
	return Config{
		Format: NumberFormat{CountryCode: "33", InternationalPrefix: "00", TrunkPrefix: "0"},
		Sites:  []SiteID{"paris", "lyon"},
		Tenants: []Tenant{
			{ID: "acme", Location: mustLoc(t, "Europe/Paris"), Schedules: map[string]Schedule{"office": office},
				Fallback: Fallback{Announcement: "ivr/please-hold.wav", RingTimeout: 20 * time.Second, MaxAgents: 2, MaxCalls: 7}},
			{ID: "globex", Location: mustLoc(t, "Asia/Hong_Kong")},
			{ID: "initech", Location: time.UTC, Suspended: true},
		},
		Numbers: []AccessNumber{
			{Number: "+33 1 00 00 00 01", Tenant: "acme", Sites: []SiteID{"paris", "lyon"}, KeepLocal: true,
				Rules: []Rule{{Schedule: "office", Entry: Entry{EntryQueue, "sales"}}, {Entry: Entry{EntryFlow, "closed"}}}},
			{Number: "9300", Tenant: "acme", Rules: []Rule{{Entry: Entry{EntryFlow, "main"}}}},
			{Number: "+852 2000 0000", Tenant: "globex", Sites: []SiteID{"lyon"},
				Rules: []Rule{{Entry: Entry{EntryQueue, "support"}}}},
			{Number: "0400000000", Tenant: "initech", Rules: []Rule{{Entry: Entry{EntryQueue, "q"}}}},
		},
		Agents: []Agent{
			{"acme", "1002", "paris"}, {"acme", "1000", "paris"}, {"acme", "1001", "paris"},
			{"acme", "2000", "lyon"}, {"globex", "1000", "paris"}, {"acme", "1000", "paris"},
		},
	}
}

func mustPlan(t *testing.T, c Config) *Plan {
	t.Helper()
	p, err := NewPlan(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRouteEntryByTimeInTenantZone(t *testing.T) {
	p := mustPlan(t, testConfig(t))
	tests := []struct {
		name     string
		now      time.Time
		entry    Entry
		schedule string
	}{
		// 08:30 UTC is 09:30 in Paris (winter, UTC+1): open.
		{"winter open", time.Date(2026, 11, 26, 8, 30, 0, 0, time.UTC), Entry{EntryQueue, "sales"}, "office"},
		// 07:30 UTC is 08:30 in Paris: closed.
		{"winter before opening", time.Date(2026, 11, 26, 7, 30, 0, 0, time.UTC), Entry{EntryFlow, "closed"}, ""},
		// Summer (UTC+2): 07:30 UTC is 09:30 in Paris: open.
		{"summer open", time.Date(2026, 7, 2, 7, 30, 0, 0, time.UTC), Entry{EntryQueue, "sales"}, "office"},
		{"holiday", time.Date(2026, 12, 25, 10, 0, 0, 0, time.UTC), Entry{EntryFlow, "closed"}, ""},
		// 23:30 UTC Thursday is 00:30 Friday in Paris: closed, although
		// Thursday 23:30 and Friday are both weekdays.
		{"after midnight local", time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC), Entry{EntryFlow, "closed"}, ""},
	}
	for _, tt := range tests {
		r, err := p.Route(Call{Dialled: "01 00 00 00 01", Arrival: "paris", Now: tt.now})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if r.Entry != tt.entry || r.Schedule != tt.schedule || r.Tenant != "acme" || r.Number != "33100000001" {
			t.Errorf("%s: got %+v", tt.name, r)
		}
	}
}

func TestRouteRejections(t *testing.T) {
	p := mustPlan(t, testConfig(t))
	tests := []struct {
		dialled string
		cause   Cause
		is      error
	}{
		{"9301", CauseUnallocatedNumber, ErrUnallocated},
		{"+33 1 00 00 00 02", CauseUnallocatedNumber, ErrUnallocated},
		{"sipp", CauseInvalidNumberFormat, ErrBadNumber},
		{"", CauseInvalidNumberFormat, ErrBadNumber},
	}
	for _, tt := range tests {
		_, err := p.Route(Call{Dialled: tt.dialled, Arrival: "paris", Now: time.Now()})
		var rej *Rejection
		if !errors.As(err, &rej) {
			t.Fatalf("%q: want *Rejection, got %v", tt.dialled, err)
		}
		if rej.Cause != tt.cause || !errors.Is(err, tt.is) || rej.Reason == "" || rej.Dialled != tt.dialled {
			t.Errorf("%q: got %+v (%v)", tt.dialled, rej, err)
		}
	}
}

func TestRouteSitesAndFallback(t *testing.T) {
	p := mustPlan(t, testConfig(t))
	down := func(bad SiteID) func(SiteID) bool { return func(s SiteID) bool { return s != bad } }
	r, err := p.Route(Call{Dialled: "+33100000001", Arrival: "lyon", Now: time.Now(), SiteUp: down("")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Site != (SiteDecision{Arrival: "lyon", Target: "lyon", Mode: ModeLocal}) {
		t.Errorf("keep-local arrival at listed lyon: %+v", r.Site)
	}
	// Fallback belongs to the arrival site: lyon's acme agents only.
	if !reflect.DeepEqual(r.Fallback.Users, []string{"2000"}) || r.Fallback.Cause != CauseNoAnswer {
		t.Errorf("lyon fallback: %+v", r.Fallback)
	}
	r, _ = p.Route(Call{Dialled: "+33100000001", Arrival: "lyon", Now: time.Now(), SiteUp: down("lyon")})
	if r.Site != (SiteDecision{Arrival: "lyon", Target: "paris", Mode: ModeTranslate}) {
		t.Errorf("lyon down: %+v", r.Site)
	}
	r, _ = p.Route(Call{Dialled: "+33100000001", Arrival: "paris", Now: time.Now()})
	want := FallbackPlan{Announcement: "ivr/please-hold.wav", Users: []string{"1000", "1001"},
		RingTimeout: 20 * time.Second, MaxCalls: 7, Cause: CauseNoAnswer}
	if !reflect.DeepEqual(r.Fallback, want) {
		t.Errorf("paris fallback (sorted, deduplicated, capped at 2): %+v", r.Fallback)
	}
	// globex's agent at paris is not acme's: tenants never ring each other's phones.
	r, _ = p.Route(Call{Dialled: "+85220000000", Arrival: "lyon", Now: time.Now()})
	if len(r.Fallback.Users) != 0 || r.Fallback.Cause != CauseNormalTemporaryFailure ||
		r.Fallback.RingTimeout != DefaultRingTimeout || r.Tenant != "globex" {
		t.Errorf("globex at lyon: %+v", r)
	}
	r, _ = p.Route(Call{Dialled: "+85220000000", Arrival: "paris", Now: time.Now()})
	if r.Site.Target != "lyon" || r.Site.Mode != ModeTranslate || !reflect.DeepEqual(r.Fallback.Users, []string{"1000"}) {
		t.Errorf("globex at paris: %+v", r)
	}
}

func TestNewPlanReportsEveryProblem(t *testing.T) {
	c := testConfig(t)
	c.Format.CountryCode = "x"
	c.Sites = append(c.Sites, "paris", "bad site")
	c.Tenants = append(c.Tenants,
		Tenant{ID: "acme", Location: time.UTC},
		Tenant{ID: "nozone"},
		Tenant{ID: "t${x}", Location: time.UTC},
		Tenant{ID: "badfb", Location: time.UTC, Fallback: Fallback{Announcement: "${system(id)}"}},
		Tenant{ID: "badcalls", Location: time.UTC, Fallback: Fallback{MaxCalls: -1}},
		Tenant{ID: "badsched", Location: time.UTC, Schedules: map[string]Schedule{"s": {Weekly: []Window{{From: 1, To: 1}}}}},
	)
	c.Numbers = append(c.Numbers,
		AccessNumber{Number: "9300", Tenant: "acme", Rules: []Rule{{Entry: Entry{EntryFlow, "x"}}}},
		AccessNumber{Number: "12ab", Tenant: "acme", Rules: []Rule{{Entry: Entry{EntryFlow, "x"}}}},
		AccessNumber{Number: "9400", Tenant: "ghost", Rules: []Rule{{Entry: Entry{EntryFlow, "x"}}}},
		AccessNumber{Number: "9401", Tenant: "acme", Rules: []Rule{{Schedule: "office", Entry: Entry{EntryFlow, "x"}}}},
		AccessNumber{Number: "9402", Tenant: "acme", Rules: []Rule{{Schedule: "nope", Entry: Entry{EntryFlow, "x"}}, {Entry: Entry{EntryFlow, "y"}}}},
		AccessNumber{Number: "9403", Tenant: "acme", Rules: []Rule{{Entry: Entry{0, "x"}}}},
		AccessNumber{Number: "9404", Tenant: "acme", Rules: []Rule{{Entry: Entry{EntryQueue, "a\nb"}}}},
		AccessNumber{Number: "9405", Tenant: "acme", Sites: []SiteID{"mars"}, Rules: []Rule{{Entry: Entry{EntryQueue, "q"}}}},
	)
	c.Agents = append(c.Agents, Agent{"acme", "1000", "mars"}, Agent{"ghost", "1", "paris"}, Agent{"acme", "a b", "paris"})
	_, err := NewPlan(c)
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("want ErrInvalidConfig, got %v", err)
	}
	for _, want := range []string{
		`country code "x"`, `site "paris": duplicate`, `site "bad site"`, `tenant "acme": duplicate`,
		`tenant "nozone": no time zone`, `tenant "t${x}"`, `tenant "badfb": fallback`, `tenant "badcalls": fallback`, `tenant "badsched": schedule "s"`,
		`access number "9300": same as "9300"`, `access number "12ab"`, `unknown tenant "ghost"`,
		`access number "9401": the last rule`, `no schedule "nope"`, `access number "9403"`,
		`entry "a\nb"`, `unknown site "mars"`, `agent "1000": unknown site`, `agent "1": unknown tenant`, `agent "a b"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

// TestSuspendedTenantRoutesToTheControllerOnly: a suspended tenant's
// number still reaches the controller (which tells the caller why), but
// what runs without it serves the tenant no more: the fallback rings nobody
// and refuses the call, and the static local routes leave it out.
func TestSuspendedTenantRoutesToTheControllerOnly(t *testing.T) {
	c := testConfig(t)
	c.Agents = append(c.Agents, Agent{"initech", "1000", "paris"})
	p := mustPlan(t, c)
	r, err := p.Route(Call{Dialled: "+33 4 00 00 00 00", Arrival: "paris", Now: time.Now()})
	if err != nil || r.Tenant != "initech" || !r.Suspended || r.Entry != (Entry{EntryQueue, "q"}) {
		t.Fatalf("suspended tenant's number: %+v %v", r, err)
	}
	if len(r.Fallback.Users) != 0 || r.Fallback.Cause != CauseCallRejected {
		t.Fatalf("a suspended tenant's fallback must ring nobody and refuse: %+v", r.Fallback)
	}
	for _, lr := range p.LocalRoutes("paris") {
		if lr.Tenant == "initech" {
			t.Fatalf("static local routes serve a suspended tenant: %+v", lr)
		}
	}
	c.Tenants[2].Suspended = false // resumed
	r, _ = mustPlan(t, c).Route(Call{Dialled: "+33 4 00 00 00 00", Arrival: "paris", Now: time.Now()})
	if r.Suspended || len(r.Fallback.Users) != 1 {
		t.Fatalf("resumed tenant: %+v", r)
	}
}

// TestBuildLeavesOutOnlyTheBadParts: every bad part of the configuration
// is reported with its tenant and left out; the rest routes as before.
func TestBuildLeavesOutOnlyTheBadParts(t *testing.T) {
	c := testConfig(t)
	c.Format.CountryCode = "x" // replaced by the zero format
	c.Tenants = append(c.Tenants, Tenant{ID: "nozone"}, Tenant{ID: "hk", Location: time.UTC,
		Schedules: map[string]Schedule{"bad": {Weekly: []Window{{From: 1, To: 1}}}}})
	c.Numbers = append(c.Numbers,
		AccessNumber{Number: "+8613800000000", Tenant: "globex", Rules: []Rule{{Entry: Entry{EntryQueue, "销售 部"}}}},
		AccessNumber{Number: "13800000000", Tenant: "acme", Rules: []Rule{{Entry: Entry{EntryQueue, "q"}}}},
		// globex's number without '+': the later twin is left out.
		AccessNumber{Number: "8613800000000", Tenant: "acme", Rules: []Rule{{Entry: Entry{EntryQueue, "q"}}}},
		AccessNumber{Number: "1234567890123456", Tenant: "acme", Rules: []Rule{{Entry: Entry{EntryQueue, "q"}}}},
		AccessNumber{Number: "9500", Tenant: "nozone", Rules: []Rule{{Entry: Entry{EntryQueue, "q"}}}},
		AccessNumber{Number: "9501", Tenant: "hk", Rules: []Rule{{Schedule: "bad", Entry: Entry{EntryQueue, "q"}}, {Entry: Entry{EntryFlow, "f"}}}},
		AccessNumber{Number: "9502", Tenant: "hk", Rules: []Rule{{Entry: Entry{EntryQueue, strings.Repeat("长", 101)}}}},
	)
	p, problems := Build(c)
	want := map[string]TenantID{
		"number format": "", `tenant "nozone"`: "nozone", `tenant "hk"`: "hk", `access number "8613800000000"`: "acme",
		`access number "1234567890123456"`: "acme", `access number "9500"`: "nozone", `access number "9501"`: "hk",
		`access number "9502"`: "hk",
	}
	for _, pr := range problems {
		tenant, ok := want[pr.Object]
		if !ok || tenant != pr.Tenant || pr.Reason == "" {
			t.Errorf("unexpected problem %+v", pr)
		}
		delete(want, pr.Object)
	}
	if len(want) > 0 {
		t.Errorf("problems not reported: %v (got %v)", want, problems)
	}
	for dialled, tenant := range map[string]TenantID{"+33 1 00 00 00 01": "acme", "+852 2000 0000": "globex", "8613800000000": "globex", "13800000000": "acme"} {
		if r, err := p.Route(Call{Dialled: dialled, Arrival: "paris", Now: time.Now()}); err != nil || r.Tenant != tenant {
			t.Errorf("%s: %+v %v, want tenant %s", dialled, r, err, tenant)
		}
	}
	for _, dialled := range []string{"9500", "9501", "9502"} {
		if r, err := p.Route(Call{Dialled: dialled, Now: time.Now()}); !errors.Is(err, ErrUnallocated) {
			t.Errorf("%s was left out, yet routes: %+v %v", dialled, r, err)
		}
	}
	if r, _ := p.Route(Call{Dialled: "+8613800000000", Now: time.Now()}); r.Entry.Name != "销售 部" {
		t.Errorf("entry names are names in any script: %+v", r.Entry)
	}
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"acme", "a", "1000", "sales-fr_2.x", strings.Repeat("a", 64)} {
		if !ValidName(ok) {
			t.Errorf("ValidName(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", strings.Repeat("a", 65), "a b", "a,b", "${x}", "a|b", "é", "a@b", "a/b"} {
		if ValidName(bad) {
			t.Errorf("ValidName(%q) = true", bad)
		}
	}
}
