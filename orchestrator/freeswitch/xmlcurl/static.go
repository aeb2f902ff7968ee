package xmlcurl

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// StaticFile is a FreeSWITCH configuration file; Path is relative to the
// node's configuration directory (e.g. /etc/freeswitch).
type StaticFile struct {
	Path    string
	Content []byte
}

// StaticDialplanPath is included by the vanilla dialplan/public.xml
// (public/*.xml). The 00_ prefix puts it before other public extensions.
const StaticDialplanPath = "dialplan/public/00_switchboard.xml"

// ErrUnknownNode is returned by StaticFallback for a node not configured.
var ErrUnknownNode = errors.New("xmlcurl: unknown node")

// StaticFallback renders the files that keep a node serving its site when it
// cannot reach Switchboard at all (DIST-10). Then xml_curl itself fails and
// FreeSWITCH uses its static XML, so the survivability fallback that the
// xml_curl answer carries after `socket` never arrives. These files carry the
// same thing:
//   - a public-context extension per access number of the active tenants:
//     sb_* variables (with sb_static=true), `socket` to the controller (in
//     case only HTTP failed), then the site's fallback;
//   - per tenant domain with agents at the node's site, those users with
//     their a1-hash, so phones can re-register during the outage;
//   - the phones' context (PhoneContext) for those tenants: calls go to the
//     controller's socket, and without it ring the tenant's own extensions
//     only (staticPhones).
//
// While Switchboard answers, its answers win. But a user or number removed
// from Switchboard gets "not found" and FreeSWITCH then reads these files:
// regenerate and reload them (`reloadxml`) on every change.
func (s *Snapshot) StaticFallback(nodeID string) ([]StaticFile, error) {
	n, ok := s.nodes[nodeID]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownNode, nodeID)
	}
	node := n.node
	files := []StaticFile{{Path: StaticDialplanPath, Content: s.staticDialplan(node)}}
	var phones []staticTenant
	for _, dom := range s.sortedDomains() {
		e := s.domains[dom]
		if s.suspended[e.cfg.Tenant] {
			continue
		}
		var users []User
		for _, id := range s.plan.AgentsAt(e.cfg.Tenant, node.Site) {
			users = append(users, e.users[id])
		}
		if len(users) == 0 {
			continue
		}
		d := newRoot("include")
		writeDomain(d, e.cfg.Name, e.cfg.Context, e.cfg.Tenant, users)
		files = append(files, StaticFile{Path: "directory/switchboard_" + e.cfg.Name + ".xml", Content: d.bytes()})
		if e.cfg.Context == PhoneContext {
			phones = append(phones, staticTenant{tenant: e.cfg.Tenant, domain: e.cfg.Name, users: users})
		}
	}
	if len(phones) > 0 {
		files = append(files, StaticFile{Path: StaticPhonesPath, Content: staticPhones(node, phones)})
	}
	return files, nil
}

func (s *Snapshot) staticDialplan(node Node) []byte {
	d := newRoot("include")
	for _, r := range s.plan.LocalRoutes(node.Site) {
		quoted := make([]string, len(r.Forms))
		for i, f := range r.Forms {
			quoted[i] = regexp.QuoteMeta(f)
		}
		domain, _ := s.TenantDomain(r.Tenant)
		d.open("extension", "name", "switchboard_"+r.Number)
		d.open("condition", "field", "destination_number", "expression", "^(?:"+strings.Join(quoted, "|")+")$")
		set := func(name, value string) { d.empty("action", "application", "set", "data", name+"="+value) }
		set(VarTenant, string(r.Tenant))
		set(VarAccessNumber, r.Number)
		set(VarSite, string(node.Site))
		set(VarNode, node.ID)
		set(VarStatic, "true")
		writeFallbackDial(d, r.Tenant, r.Fallback, domain)
		writeSocketHandoff(d, node)
		writeFallback(d, node, r.Tenant, r.Fallback, domain)
		d.close("condition")
		d.close("extension")
	}
	return d.bytes()
}

func (s *Snapshot) sortedDomains() []string {
	out := make([]string, 0, len(s.domains))
	for name := range s.domains {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
