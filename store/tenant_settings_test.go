package store

import (
	"errors"
	"slices"
	"testing"

	"github.com/switchboard-cc/switchboard/tenancy"
)

func TestDesktopSettings(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a, b := mkTenant(t, s, "a.example.com", 5), mkTenant(t, s, "b.example.com", 5)
		got, err := s.DesktopSettings(ctx, a.ID)
		if err != nil || !slices.Equal(got.NotReadyReasons, tenancy.DefaultNotReadyReasons) || got.CRMURLTemplate != "" {
			t.Fatalf("before any put: %+v %v, want the defaults", got, err)
		}
		in := tenancy.DesktopSettings{NotReadyReasons: []tenancy.ReasonCode{{Code: "lunch", Label: "午饭"}},
			CRMURLTemplate: "https://crm.example.com/c?n={caller}"}
		if _, err := s.PutDesktopSettings(ctx, admin1, a.ID, in); err != nil {
			t.Fatal(err)
		}
		if got, err = s.DesktopSettings(ctx, a.ID); err != nil || !slices.Equal(got.NotReadyReasons, in.NotReadyReasons) || got.CRMURLTemplate != in.CRMURLTemplate {
			t.Fatalf("after put: %+v %v", got, err)
		}
		// B is untouched by A's settings.
		if got, err = s.DesktopSettings(ctx, b.ID); err != nil || got.CRMURLTemplate != "" {
			t.Fatalf("tenant B sees %+v %v", got, err)
		}
		// An empty list is kept empty (no reason codes), not the defaults.
		if _, err := s.PutDesktopSettings(ctx, admin1, a.ID, tenancy.DesktopSettings{}); err != nil {
			t.Fatal(err)
		}
		if got, err = s.DesktopSettings(ctx, a.ID); err != nil || got.NotReadyReasons == nil || len(got.NotReadyReasons) != 0 {
			t.Fatalf("after putting none: %+v %v", got, err)
		}
		_, err = s.PutDesktopSettings(ctx, admin1, a.ID, tenancy.DesktopSettings{CRMURLTemplate: "https://{caller}/"})
		if !errors.Is(err, tenancy.ErrInvalid) {
			t.Fatalf("bad template: %v", err)
		}
	})
}

func TestUserLanguage(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a := mkTenant(t, s, "a.example.com", 5)
		u, err := s.CreateUser(ctx, admin1, a.ID, UserInput{Email: "u@a.example.com", DisplayName: "U", Role: tenancy.RoleAgent, PasswordHash: "h"})
		if err != nil || u.Language != "" {
			t.Fatalf("new user: %+v %v (want no language of its own)", u, err)
		}
		zh := "zh-TW"
		if u, err = s.UpdateUser(ctx, admin1, a.ID, u.ID, UserPatch{Language: &zh}); err != nil || u.Language != zh {
			t.Fatalf("set language: %+v %v", u, err)
		}
		if got, err := s.GetUser(ctx, a.ID, u.ID); err != nil || got.Language != zh {
			t.Fatalf("read back: %+v %v", got, err)
		}
		bad := "fr"
		if _, err := s.UpdateUser(ctx, admin1, a.ID, u.ID, UserPatch{Language: &bad}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("unsupported language: %v", err)
		}
		none := ""
		if u, err = s.UpdateUser(ctx, admin1, a.ID, u.ID, UserPatch{Language: &none}); err != nil || u.Language != "" {
			t.Fatalf("back to the tenant's: %+v %v", u, err)
		}
	})
}

func TestFeatureCodes(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		a, b := mkTenant(t, s, "a.example.com", 5), mkTenant(t, s, "b.example.com", 5)
		if got, err := s.FeatureCodes(ctx, a.ID); err != nil || got != tenancy.DefaultFeatureCodes() {
			t.Fatalf("before any put: %+v %v, want the defaults", got, err)
		}
		in := tenancy.DefaultFeatureCodes()
		in.Ready, in.State = "#1", ""
		if _, err := s.PutFeatureCodes(ctx, admin1, a.ID, in); err != nil {
			t.Fatal(err)
		}
		if got, err := s.FeatureCodes(ctx, a.ID); err != nil || got != in {
			t.Fatalf("after put: %+v %v, want %+v", got, err, in)
		}
		if got, err := s.FeatureCodes(ctx, b.ID); err != nil || got != tenancy.DefaultFeatureCodes() {
			t.Fatalf("tenant B sees %+v %v", got, err)
		}
		in.State = "#1"
		if _, err := s.PutFeatureCodes(ctx, admin1, a.ID, in); !errors.Is(err, tenancy.ErrInvalid) {
			t.Fatalf("duplicate code stored: %v", err)
		}
	})
}
