package main

import (
	"fmt"
	"slices"

	"github.com/switchboard-cc/switchboard/callconfig"
	"github.com/switchboard-cc/switchboard/dialplan"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/xmlcurl"
	"github.com/switchboard-cc/switchboard/store"
)

// minXMLCurlSecret is the shortest node secret accepted as mod_xml_curl
// gateway credentials (xmlcurl refuses shorter passwords).
const minXMLCurlSecret = 16

// xmlcurlConfig turns a configuration snapshot into what the mod_xml_curl
// endpoint serves: every FreeSWITCH node authenticates with its name and its
// secret; every tenant is a SIP domain whose users are its agents' phones
// (a1-hash only); every access number goes to socketAddr.
func xmlcurlConfig(s *callconfig.Snapshot, socketAddr string) (xmlcurl.SnapshotConfig, []dialplan.Problem) {
	c := xmlcurl.SnapshotConfig{Plan: s.PlanConfig}
	var problems []dialplan.Problem
	sites := map[dialplan.SiteID]bool{}
	for _, n := range s.Nodes {
		if n.Kind == store.NodeAsterisk {
			// stored before the API refused the kind: say so instead of
			// ignoring it without a word
			problems = append(problems, dialplan.Problem{Object: fmt.Sprintf("node %s (%q)", n.ID, n.Name),
				Reason: "not driven: the Asterisk (ARI) adapter does not exist yet"})
			continue
		}
		if n.Kind != store.NodeFreeSWITCH {
			continue
		}
		if len(n.Secret) < minXMLCurlSecret {
			problems = append(problems, dialplan.Problem{Object: fmt.Sprintf("node %s (%q)", n.ID, n.Name),
				Reason: "not served over xml_curl: its secret is shorter than 16 characters"})
			continue
		}
		site := dialplan.SiteID(n.SiteID)
		if !sites[site] {
			sites[site] = true
			c.Plan.Sites = append(c.Plan.Sites, site)
		}
		c.Nodes = append(c.Nodes, xmlcurl.NodeConfig{ID: n.Name, Password: n.Secret, Site: site, SocketAddr: socketAddr})
	}
	for id, t := range s.Tenants {
		d := xmlcurl.DomainConfig{Name: t.SIPDomain, Tenant: dialplan.TenantID(id)}
		for _, a := range s.Agents[id] {
			d.Users = append(d.Users, xmlcurl.User{ID: a.Extension, HA1: a.SIPHA1, CallerIDName: a.DisplayName, CallerIDNumber: a.Extension})
		}
		c.Domains = append(c.Domains, d)
		c.Plan.Agents = append(c.Plan.Agents, fallbackAgents(dialplan.TenantID(id), d.Users, c.Plan.Sites)...)
	}
	return c, problems
}

// fallbackAgents places every phone of a tenant at every site, for the
// survivability fallback (a site that cannot reach the controller rings the
// tenant's phones itself). Agents have no home site: FreeSWITCH resolves
// user/EXT@domain against its own registrations, so only the phones
// registered at that node ring and the others fail at once. In extension
// order, so the dialplan's cap (Fallback.MaxAgents, 20 by default) keeps the
// same ones.
func fallbackAgents(t dialplan.TenantID, users []xmlcurl.User, sites []dialplan.SiteID) []dialplan.Agent {
	exts := make([]string, 0, len(users))
	for _, u := range users {
		if u.ID != "" {
			exts = append(exts, u.ID)
		}
	}
	slices.Sort(exts)
	var out []dialplan.Agent
	for _, site := range sites {
		for _, e := range exts {
			out = append(out, dialplan.Agent{Tenant: t, User: e, Site: site})
		}
	}
	return out
}

// refreshXMLCurl installs the xml_curl snapshot of s. A bad node, domain or
// user is left out of it (and returned) rather than refused: the previous
// snapshot is never kept for everyone because of one row.
func refreshXMLCurl(live *xmlcurl.Live, s *callconfig.Snapshot, socketAddr string) []dialplan.Problem {
	c, problems := xmlcurlConfig(s, socketAddr)
	snap, more := xmlcurl.Build(c)
	live.Store(snap)
	return append(problems, more...)
}
