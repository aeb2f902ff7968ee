package dialplan

import (
	"slices"
	"strings"
)

// Forms lists the ways a normalised number can arrive from a trunk that
// Normalize maps back to it: as is, with "+", with the international prefix,
// and in national form. A switch configuration that must work without the
// controller (and so without Normalize) matches any of them.
func (f NumberFormat) Forms(key string) []string {
	candidates := []string{key, "+" + key}
	if f.InternationalPrefix != "" {
		candidates = append(candidates, f.InternationalPrefix+key)
	}
	if f.CountryCode != "" && f.TrunkPrefix != "" && strings.HasPrefix(key, f.CountryCode) && len(key) > len(f.CountryCode) {
		candidates = append(candidates, f.TrunkPrefix+key[len(f.CountryCode):])
	}
	var forms []string
	for _, c := range candidates {
		if n, err := f.Normalize(c); err == nil && n == key && !slices.Contains(forms, c) {
			forms = append(forms, c)
		}
	}
	return forms
}

// LocalRoute is what one site does with an access number on its own, when
// the controller is out of reach.
type LocalRoute struct {
	Tenant   TenantID
	Number   string   // normalised
	Forms    []string // dialled forms that mean Number (NumberFormat.Forms)
	Fallback FallbackPlan
}

// LocalRoutes lists, sorted by number, every access number of the active
// tenants with site s's fallback: the input of a static switch
// configuration for branch survivability (DIST-10). Suspended tenants'
// numbers are left out.
func (p *Plan) LocalRoutes(s SiteID) []LocalRoute {
	keys := make([]string, 0, len(p.numbers))
	for k := range p.numbers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []LocalRoute
	for _, k := range keys {
		t := p.tenants[p.numbers[k].Tenant]
		if t.Suspended {
			continue
		}
		out = append(out, LocalRoute{Tenant: t.ID, Number: k, Forms: p.format.Forms(k), Fallback: p.fallbackFor(t, s)})
	}
	return out
}
