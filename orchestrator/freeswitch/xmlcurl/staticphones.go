package xmlcurl

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/switchboard-cc/switchboard/dialplan"
)

// StaticPhonesPath holds the phones' context for when xml_curl itself fails;
// the vanilla freeswitch.xml includes dialplan/*.xml.
const StaticPhonesPath = "dialplan/switchboard_phones.xml"

// staticPhones writes context PhoneContext for the tenants whose phones
// the node's static directory holds (users): per tenant, its calls go to the
// controller's socket and, when that fails too, ring only the tenant's own
// extensions at the node (the dialled string must be one of them, matched
// against the list written here); anything else is refused with
// NORMAL_TEMPORARY_FAILURE. The tenant is the sb_tenant variable of the
// directory user the INVITE authenticated as (our static directory sets it),
// the extension FreeSWITCH's user_name.
func staticPhones(node Node, tenants []staticTenant) []byte {
	d := newRoot("include")
	d.open("context", "name", PhoneContext)
	for _, t := range tenants {
		exts := make([]string, len(t.users))
		for i, u := range t.users {
			exts[i] = regexp.QuoteMeta(u.ID)
		}
		tenant := string(t.tenant)
		for _, internal := range []bool{true, false} {
			name := "switchboard_phone_" + tenant
			if !internal {
				name += "_other"
			}
			d.open("extension", "name", name)
			if internal {
				d.empty("condition", "field", "${"+VarTenant+"}", "expression", "^"+regexp.QuoteMeta(tenant)+"$")
				d.open("condition", "field", "destination_number", "expression", "^(?:"+strings.Join(exts, "|")+")$")
			} else {
				d.open("condition", "field", "${"+VarTenant+"}", "expression", "^"+regexp.QuoteMeta(tenant)+"$")
			}
			set := func(name, value string) { d.empty("action", "application", "set", "data", name+"="+value) }
			set(VarTenant, tenant)
			set(VarOrigin, OriginPhone)
			set(VarPhoneUser, "${user_name}")
			set(VarSite, string(node.Site))
			set(VarNode, node.ID)
			set(VarStatic, "true")
			writeSocketHandoff(d, node)
			d.empty("action", "application", "log", "data", "WARNING switchboard: controller unreachable from node "+
				node.ID+", phone fallback for tenant "+tenant+" (internal calls only)")
			set(VarFallback, "true")
			if internal {
				set("continue_on_fail", "true")
				set("hangup_after_bridge", "true")
				d.empty("action", "application", "bridge", "data", "{originate_timeout="+strconv.Itoa(phoneRingTimeout)+
					","+VarTenant+"="+tenant+","+VarFallback+"=true}user/${destination_number}@"+t.domain)
			}
			d.empty("action", "application", "hangup", "data", "NORMAL_TEMPORARY_FAILURE")
			d.close("condition")
			d.close("extension")
		}
	}
	d.close("context")
	return d.bytes()
}

// staticTenant is a tenant whose phones are in a node's static directory.
type staticTenant struct {
	tenant dialplan.TenantID
	domain string
	users  []User
}
