// Package dialplan is the number-plan core: access numbers to tenant and entry
// point, route tables, time conditions, site selection and survivability
// fallback rules. Pure: adapters render its decisions (e.g. FreeSWITCH XML).
package dialplan
