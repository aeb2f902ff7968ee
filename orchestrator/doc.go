// Package orchestrator is Switchboard's application layer. It defines the Switch
// port (the few verbs a contact-center controller needs from a media switch), runs
// one sequential session per call, owns one ACD per tenant, the node registry and
// quota admission.
//
// It imports the domain cores (acd, ivrflows, dialplan, tenancy) and knows the
// Switch port and store interfaces only: never an adapter, echo, sqlx, ESL or ARI.
// Adapters (orchestrator/freeswitch, orchestrator/asterisk) import it for the port.
package orchestrator
