package tenancy

import (
	"errors"
	"testing"
)

func TestTransitions(t *testing.T) {
	cases := []struct {
		from   Status
		action string
		want   Status
	}{
		{StatusActive, "suspend", StatusSuspended},
		{StatusSuspended, "resume", StatusActive},
		{StatusActive, "archive", StatusArchived},
		{StatusSuspended, "archive", StatusArchived},
		{StatusActive, "resume", ""},
		{StatusSuspended, "suspend", ""},
		{StatusArchived, "resume", ""},
		{StatusArchived, "archive", ""},
		{StatusActive, "delete", ""},
	}
	for _, c := range cases {
		got, err := Transition(c.from, c.action)
		if got != c.want || (c.want == "") != errors.Is(err, ErrBadTransition) {
			t.Errorf("Transition(%s, %s) = %q, %v; want %q", c.from, c.action, got, err, c.want)
		}
	}
}

func TestAccessRules(t *testing.T) {
	cases := []struct {
		s                  Status
		read, write, apiKy error
	}{
		{StatusActive, nil, nil, nil},
		{StatusSuspended, nil, ErrTenantSuspended, ErrTenantSuspended},
		{StatusArchived, ErrTenantArchived, ErrTenantArchived, ErrTenantArchived},
	}
	for _, c := range cases {
		if err := CheckRead(c.s); !errors.Is(err, c.read) || (c.read == nil) != (err == nil) {
			t.Errorf("CheckRead(%s) = %v", c.s, err)
		}
		if err := CheckWrite(c.s); !errors.Is(err, c.write) || (c.write == nil) != (err == nil) {
			t.Errorf("CheckWrite(%s) = %v", c.s, err)
		}
		if err := CheckAPIKey(c.s); !errors.Is(err, c.apiKy) || (c.apiKy == nil) != (err == nil) {
			t.Errorf("CheckAPIKey(%s) = %v", c.s, err)
		}
	}
}

func TestPermissionTable(t *testing.T) {
	cases := []struct {
		r     Role
		p     Permission
		allow bool
	}{
		{RolePlatformAdmin, PermTenantsWrite, true},
		{RolePlatformAdmin, PermAgentsWrite, true},
		{RolePlatformViewer, PermTenantsRead, true},
		{RolePlatformViewer, PermTenantsWrite, false},
		{RolePlatformViewer, PermAgentsWrite, false},
		{RoleTenantAdmin, PermAgentsWrite, true},
		{RoleTenantAdmin, PermTenantsWrite, false},
		{RoleTenantAdmin, PermPlatformRead, false},
		{RoleSupervisor, PermMonitorControl, true},
		{RoleSupervisor, PermUsersWrite, false},
		{RoleAgent, PermSelfState, true},
		{RoleAgent, PermReportsRead, false},
		{RoleQA, PermRecordingsRead, true},
		{RoleQA, PermAgentsWrite, false},
		{Role("nobody"), PermSettingsRead, false},
	}
	for _, c := range cases {
		if got := Allowed(c.r, c.p); got != c.allow {
			t.Errorf("Allowed(%s, %s) = %v, want %v", c.r, c.p, got, c.allow)
		}
	}
	// Viewers never hold a write permission.
	for _, p := range Permissions(RolePlatformViewer) {
		if p.IsWrite() {
			t.Errorf("platform_viewer holds write permission %s", p)
		}
	}
	// Every role is in the table, and only platform roles are platform roles.
	for _, r := range Roles {
		if len(Permissions(r)) == 0 {
			t.Errorf("role %s has no permissions", r)
		}
		if r.Platform() != (r == RolePlatformAdmin || r == RolePlatformViewer) {
			t.Errorf("%s.Platform() wrong", r)
		}
	}
	if _, err := ParseRole("root"); err == nil {
		t.Error("ParseRole accepted root")
	}
}

func TestCheckQuotas(t *testing.T) {
	q := Quotas{MaxAgents: 3, MaxPSTNCalls: 1}
	if err := CheckQuotas(q, Usage{ResourceAgents: 3, ResourcePSTNCalls: 1}); err != nil {
		t.Fatalf("equal to usage: %v", err)
	}
	err := CheckQuotas(q, Usage{ResourceAgents: 5})
	var qe *QuotaBelowUsageError
	if !errors.As(err, &qe) || err.Error() != "max_agents 3 is below the 5 agents in use" {
		t.Fatalf("below usage: %v", err)
	}
	if err := CheckQuotas(Quotas{MaxChats: -1}, nil); err == nil {
		t.Fatal("negative quota accepted")
	}
	if err := Admit(ResourceChats, 0, 0); !errors.Is(err, ErrOverQuota) {
		t.Fatalf("limit 0 must refuse: %v", err)
	}
}

func TestValidateSIPDomain(t *testing.T) {
	good := []string{"acme.example.com", "a1.b-2.cn", "x.y"}
	bad := []string{"", "localhost", "Acme.com", "a..b", "-a.com", "a-.com", "a b.com", "a.com.", "例子.cn"}
	for _, d := range good {
		if err := ValidateSIPDomain(d); err != nil {
			t.Errorf("%q: %v", d, err)
		}
	}
	for _, d := range bad {
		if err := ValidateSIPDomain(d); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q accepted", d)
		}
	}
}

func TestTenantValidate(t *testing.T) {
	ok := Tenant{Name: "Acme", SIPDomain: "acme.example.com", Language: LanguageChineseSimplified, TimeZone: "Asia/Shanghai"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, edit := range map[string]func(*Tenant){
		"name":      func(t *Tenant) { t.Name = "" },
		"language":  func(t *Tenant) { t.Language = "de" },
		"time_zone": func(t *Tenant) { t.TimeZone = "" },
		"quotas":    func(t *Tenant) { t.Quotas.MaxAgents = -2 },
	} {
		tn := ok
		edit(&tn)
		var fe *FieldError
		if err := tn.Validate(); !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
}

func FuzzValidateSIPDomain(f *testing.F) {
	for _, s := range []string{"acme.example.com", "a..b", "-x.y", "X.Y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, d string) {
		if ValidateSIPDomain(d) != nil {
			return
		}
		// Anything accepted is a lower-case DNS name FreeSWITCH can use as a directory domain.
		for _, c := range d {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
				t.Fatalf("accepted %q with %q", d, c)
			}
		}
	})
}
