package api

import (
	"strings"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// operationDocs is each operation's description in the OpenAPI document,
// by operationId: what it does and the rules and errors a client must know
// that the schema cannot say. Who may call it is added from the route's
// scope and permission (access), so it cannot disagree with the guard.
// TestEveryOperationIsDescribed fails when a route has no entry here or an
// entry names no route.
var operationDocs = map[string]string{
	// Meta and sign-in.
	"getOpenAPI": "This document, generated from the route table and the Go types the handlers read and write.",
	"getMe": "Who the credential is (user or API key, tenant, role), every permission its role holds, the language its screens " +
		"show (`language`: the user's own choice, else the tenant's, else en) and, for a user who is an agent of a running ACD, " +
		"`agent_id`: a client's first call after signing in.",
	"updateMe": "Changes the signed-in user's own preferences: `language` (en, zh-CN or zh-TW; \"\" follows the tenant's " +
		"language again; 422 for another). Allowed while the tenant is suspended: it is the user's own setting. API keys: 403.",
	"login": "Signs in with the e-mail address and password; returns a 15-minute access token (JWT) and a 30-day refresh token. " +
		"A wrong e-mail and a wrong password both answer 401 `unauthorized`. After 3 failures each further one makes the account wait " +
		"(429 `login_throttled` with Retry-After, 1 s doubling up to 1 min); the 10th failure in a row locks it for 15 minutes " +
		"(423 `account_locked`). A disabled user, or a user of an archived tenant, gets 403 even with the right password.",
	"refresh": "Exchanges a refresh token for a new session; the old token is revoked. Presenting a token already revoked is " +
		"treated as theft: every session of its user is revoked. 401 when the token is unknown, expired or revoked.",
	"logout": "Revokes one of the caller's refresh tokens (404 when it is not one of the caller's). Access tokens already issued " +
		"stay valid until they expire (at most 15 minutes).",
	"changeOwnPassword": "Changes the signed-in user's password (12 to 256 characters) and revokes every refresh token of the user. " +
		"A wrong current password answers 422 and counts as a failed sign-in (same delays and lock as login). " +
		"API keys have no password: 403.",

	// Tenants.
	"createTenant": "Creates an active tenant. `sip_domain` (a lower-case DNS name, unique: 409 otherwise) is the SIP domain its " +
		"agents' phones register in. Quotas left out of `quotas`, or all of them when it is absent, take the platform's tenant " +
		"defaults (GET /platform/tenant-defaults); a quota of 0 allows none (a tenant with max_pstn_calls 0 takes no call).",
	"getTenantDefaults": "The quotas a tenant created without them gets. `serve` stores its `-tenant-default-quotas` setting here " +
		"on first start (10 of each by default); afterwards only PUT changes it.",
	"putTenantDefaults": "Replaces the tenant defaults. Every quota is required (422 names the missing ones; 0 allows none). " +
		"Tenants created afterwards get them; existing tenants keep theirs. Audited.",
	"listTenants": "Every tenant, whatever its status.",
	"getTenant":   "The tenant's settings, status and quotas. A tenant role may read its own tenant only (another answers 404).",
	"updateTenant": "Edits the given fields. `quotas` changes only the quotas it names; lowering one below what the tenant " +
		"uses now answers 409 `quota_below_usage`. A new `sip_domain` must be unique (409).",
	"suspendTenant": "Suspends an active tenant: its users may still sign in and read, every write (theirs or an operator's) " +
		"answers 403 `tenant_suspended`, its API keys are refused, calls to its numbers are refused and its phones can no " +
		"longer register. 409 `bad_transition` unless the tenant is active.",
	"resumeTenant":  "Makes a suspended tenant active again. 409 `bad_transition` unless it is suspended.",
	"archiveTenant": "Archives a tenant for good: its users and keys are refused everything; its records stay readable by platform roles. 409 `bad_transition` when already archived.",

	// Users and API keys.
	"createUser": "Creates a user of the tenant with a tenant role (tenant_admin, supervisor, agent or qa; a platform role " +
		"answers 422). The e-mail address is the sign-in name and unique across the platform (409). The password " +
		"(12 to 256 characters) is stored as an argon2id hash only. A user takes calls once an agent is made of it (POST .../agents).",
	"listUsers": "The tenant's users (never their passwords).",
	"getUser":   "One user of the tenant (never the password).",
	"updateUser": "Edits the given fields. A new password, or disabling the user, revokes every refresh token of the user; " +
		"access tokens already issued live out their 15 minutes.",
	"createPlatformUser": "Creates an operator with a platform role (platform_admin or platform_viewer; a tenant role answers " +
		"422). E-mail unique across the platform (409); password 12 to 256 characters.",
	"listPlatformUsers":  "Every platform operator.",
	"updatePlatformUser": "Edits an operator; a new password or disabling revokes the operator's refresh tokens.",
	"createAPIKey": "Creates a key for an integration, acting in this tenant with one tenant role. The key (`sbk_...`) is in " +
		"this response only (stored as a SHA-256 hash); send it as `Authorization: Bearer sbk_...` or `X-API-Key`.",
	"listAPIKeys":  "The tenant's keys with their prefix, role, last use and revocation, never the keys.",
	"revokeAPIKey": "Revokes a key at once: every later request with it answers 401.",

	// Sites and nodes.
	"createSite": "Creates a site (HQ, a branch): the place media nodes are, and where calls stay when the link to the " +
		"controller fails. `name` is required, `description` optional.",
	"listSites":   "Every site.",
	"getSite":     "One site.",
	"replaceSite": "Replaces the site's name and description.",
	"deleteSite":  "Deletes a site that holds no node (422 while it still holds nodes: move or delete them first).",
	"createNode": "Registers a media server. For `kind` freeswitch, `address` is the node's event socket (host:8021) and " +
		"`secret` (16 characters or more, 422 otherwise) is both its ESL password and the password of its xml_curl " +
		"gateway-credentials `<name>:<secret>` (docs/freeswitch-setup.md). `enabled` defaults to false: a disabled node is " +
		"neither connected to nor served. The controller connects to an enabled node within one configuration reload " +
		"(2 s by default), without a restart. The node's `site_id` must exist (422). Kind `asterisk` is refused (422) until " +
		"the Asterisk adapter exists (planned).",
	"listNodes": "Every node, with `has_secret` instead of the secret.",
	"getNode":   "One node, never its secret.",
	"updateNode": "Edits the given fields; a new `secret` of a FreeSWITCH node must be 16 characters or more. The controller " +
		"reconnects to a node whose address or secret changed, and disconnects from one disabled, within one reload.",
	"deleteNode": "Removes a node; the controller disconnects from it at the next reload and handles its calls as on node loss.",

	// Access numbers, skills, queues, agents.
	"createAccessNumber": "Adds a number callers dial. The number is E.164 (optional + then 2 to 15 digits) and unique across " +
		"the platform, with or without + (409 names the number that has it). `entry_kind` queue sends calls to the queue " +
		"whose name (or ID) is `entry_alias`; flow runs the `live` version of the flow named `entry_alias`. Calls need the " +
		"tenant's max_pstn_calls quota above 0.",
	"listAccessNumbers":   "The tenant's access numbers.",
	"getAccessNumber":     "One access number.",
	"replaceAccessNumber": "Replaces the number's fields (same rules as create).",
	"deleteAccessNumber":  "Releases the number: calls to it are rejected (404 `UNALLOCATED_NUMBER` on the switch) from the next reload.",
	"createSkill": "Creates a skill agents hold at a level 1-10 (PATCH .../agents). `name` is unique in the tenant (409); " +
		"`description` is optional.",
	"listSkills":   "The tenant's skills.",
	"getSkill":     "One skill.",
	"replaceSkill": "Replaces the skill's name and description.",
	"deleteSkill":  "Deletes the skill; agents holding it lose it.",
	"createQueue": "Creates a queue. `name` is unique in the tenant (409) and is what an access number's `entry_alias` names. " +
		"`strategy` picks among ready agents (422 lists the valid ones). `settings` holds the ACD tuning, overflow and " +
		"announcements: every key is optional and an unknown key answers 422 naming it and the valid keys. Takes effect " +
		"within one configuration reload.",
	"listQueues":   "The tenant's queues with their settings.",
	"getQueue":     "One queue with its settings.",
	"replaceQueue": "Replaces the queue's configuration (same rules as create); the ACD applies it within one reload.",
	"deleteQueue":  "Deletes the queue; agents serving it leave it.",
	"createAgent": "Makes a user of the tenant an agent: its phone is the SIP user `extension` in the tenant's domain with " +
		"`sip_password` (stored only as the digest hash), plus skills and queues. 409 `over_quota` when the tenant has " +
		"max_agents agents already; 409 when the extension or the user is taken. The agent can sign in to the ACD " +
		"(POST .../acd/me/state) once the configuration reloaded (2 s by default).",
	"listAgents":  "The tenant's agents with their skills and queues.",
	"getAgent":    "One agent, never its SIP password.",
	"updateAgent": "Edits the given fields; a given `skills` or `queues` list replaces the old one.",
	"deleteAgent": "Deletes the agent; its user stays.",

	// Audit and configuration problems.
	"listTenantAudit": "Every change made in the tenant, oldest first: who (user or API key), what, from which address, " +
		"never secrets. Filters: resource_type (one of the entries' resource types; another answers 400 listing them), " +
		"resource_id, actor_id, since, until (RFC 3339).",
	"listAudit": "The platform's audit log, every tenant included; same filters as the tenant's.",
	"listConfigProblems": "Rows of call configuration the last reload left out (a number, user or node breaking a rule, " +
		"written before the rule existed or by hand), with the reason. Each costs its own row only; fix them here. Also " +
		"counted in the metric switchboard_config_problems.",

	// ACD.
	"getMyAgentState": "The signed-in user's live agent state and today's figures. 404 when the user is no agent, or the " +
		"agent is not loaded yet (agents join the ACD at the next configuration reload, 2 s by default).",
	"setMyAgentState": "The signed-in agent changes its own state: `login` (to not_ready), `ready` (offers may come), " +
		"`not_ready` (needs a `reason`: 422 without), `break` (within the group's cap: 409 `break_cap_reached`), `end_break`, " +
		"`end_wrap` (end after-call work early), `logout`. A change the state machine does not allow answers 409 " +
		"`illegal_state` with the current state in details. 404 as for GET .../acd/me.",
	"getAgentState": "Any agent's live state and today's figures.",
	"forceAgentState": "A supervisor acts on an agent: `not_ready` (forced; withdraws a pending offer), `logout`, `break` " +
		"(grants one, within the cap: 409 `break_cap_reached`) or `end_break`. 409 `illegal_state` when not allowed now. " +
		"Each action taken is in the tenant's audit log as `agent.force_state` on the agent, with the state and reason asked for.",
	"listAgentStates": "The live state of every logged-in agent (`?all=true`: every agent), for wallboards.",
	"listQueueStats": "Each queue's live figures: waiting calls, longest wait, agents by state, and rolling 5, 15 and 60 " +
		"minute windows with the service level, its definition and threshold, and the counts behind it.",
	"getQueueStats": "One queue's live figures (as in the list).",
	"listWaiting":   "The calls waiting in a queue, best first, with position, effective priority and estimated wait.",
	"streamACD": "Server-sent events of the tenant's ACD: agent transitions, offers, RONA, queued, answered, overflow, " +
		"finished, and queue_stats (a queue's figures, sent 200 ms after they change: a call queued, answered or ended, one of " +
		"its agents changing state; several changes within it together); the SSE event name is the `kind`. Holders of monitor:read see everything, others their " +
		"own agent's events and queue figures. An idle stream gets a comment every 20 s; a client too slow to read is " +
		"dropped and should reconnect.",

	// Calls: agent phone, live calls, call control.
	"setAgentPhone": "Where the signed-in agent's offers ring: an external `number` (through the gateway `pstn`), or empty " +
		"for its SIP phone; and how they are answered: ring (pick up), auto (auto-answer) or desktop (POST .../agent-answer). " +
		"404 when the caller is no agent.",
	"answerOffer": "In desktop answer mode, answers the offer ringing for the signed-in agent; the phone then connects by " +
		"itself. 409 `no_offer` when nothing rings.",
	"dialCall": "The signed-in agent places a call: to a `number` (through the gateway, with the tenant's caller ID, " +
		"holding one of its max_pstn_calls lines) or to another agent (`agent_id`, internal). Give exactly one (422). The " +
		"agent's own phone rings first. 409 `no_phone` (the caller is no agent), `phone_not_registered`, `quota_exceeded` " +
		"(every PSTN line in use), `gateway_missing` (the agent's node is known to lack the gateway: refused before " +
		"anything rings, the message names the gateway and the node); 403 when the tenant may not call.",
	"getDesktopSettings": "The agent desktop's settings of the tenant: the not-ready reason codes agents pick from (until the " +
		"tenant sets its own: meeting, training, admin and personal, without labels: the desktop names them in the user's " +
		"language) and the CRM link template of screen pops (empty: none). Any role of the tenant may read them.",
	"getFeatureCodes": "The codes the tenant's agents dial on their registered SIP phones to work without the desktop " +
		"(docs/feature-codes.md): until the tenant sets its own, `*21` log in, `*22` log out, `*23` ready (ends a break), `*24` " +
		"not ready (`*24N`: with the N-th not-ready reason of desktop-settings), `*25` break request (`*25N`: with that reason), " +
		"`*26` end after-call work, `*27` say my state. Each call is answered with a sentence in the tenant's language. Any " +
		"role of the tenant may read them.",
	"putFeatureCodes": "Replaces the tenant's feature codes; every action is required, `\"\"` turns it off. A code is 2 to 8 " +
		"characters of digits, `*` and `#` starting with `*` or `#` (never an extension or a number); no two codes are equal " +
		"and none is a prefix of another (reason digits would be ambiguous); 422 names the field and the rule. The next call " +
		"from a phone uses the new codes.",
	"putDesktopSettings": "Replaces the tenant's desktop settings; both fields are required. Reason codes: at most 32, each 1 to " +
		"32 ASCII letters, digits, `.`, `_` or `-`, unique case-insensitively, not login, rejected or supervisor (the ACD sets " +
		"those); labels at most 100 characters of any script. The CRM template must be an absolute http or https URL whose " +
		"scheme and host are written out (a caller's number never chooses where the link goes), with placeholders " +
		"`{caller}`, `{access_number}`, `{queue_id}`, `{call_id}`, `{agent_id}` and `{data.KEY}` only; 422 names the field. " +
		"The ACD does not hold agents to the list: it is what the desktop offers. Open desktops see a new template within 2 s. Audited.",
	"streamCallNotices": "Server-sent events for screen pops: `offer` (caller, number, queue, `queued_at`, the call's attached data " +
		"and `crm_url`, the tenant's CRM template filled with the call's values), " +
		"`connected`, `ended` (with the disposition), `voicemail` (monitors only: a flow took a message for a mailbox that notifies; " +
		"`data` has `mailbox` and `voicemail_id`). Agents see their own calls, holders of monitor:read every call.",
	"listLiveCalls": "Every call of the tenant that is up now, oldest first, with its state and parties.",
	"streamLiveCalls": "Server-sent events of the tenant's live calls; the SSE event name is the `kind`. The first event is " +
		"`snapshot` (`calls`: the list as GET .../live-calls gives it, taken together with the subscription, so no change " +
		"is missed or repeated); then `appeared` (a call is up), `changed` (its state, queue, flow node, agent, answer " +
		"time, `held` or `muted` changed; `call` is its line after the change) and `ended`. Holders of monitor:read see " +
		"every call; an agent sees the calls it is on (agent_id or remote_agent_id): a call `appeared` when it becomes " +
		"theirs and `left` when it is still up but no longer theirs (transferred on). 404 when the caller is neither. An " +
		"idle stream gets a comment every 20 s; a client too slow to read gets `end` (reason `fell behind`) and should " +
		"reconnect.",
	"holdCall": "Holds (`on`: true) or resumes the other party. The call's agent or a supervisor; 403 for another agent, " +
		"404 for no such live call, 409 `not_connected` until an agent talks.",
	"muteCall": "Mutes (`on`: true) or unmutes the agent's microphone. Same callers and errors as hold.",
	"hangupCall": "Hangs up the call in any state: the agent's hang-up, or a supervisor's force release (disposition " +
		"`released` before an agent answered).",
	"consultCall": "Starts an attended transfer of an inbound call: the caller is held and the agent (`kind` agent) or " +
		"number (`kind` number) rings; the agent talks to them once they answer. 409 `not_inbound`, `consulting`, `not_connected`, " +
		"`gateway_missing` (a number, and the call's node is known to lack the gateway; the caller is not held).",
	"completeConsult": "Completes the attended transfer: the caller and the consulted party are joined and the agent is " +
		"released. 409 `no_consultation` without one.",
	"cancelConsult": "Drops the consulted party and returns the agent to the caller. 409 `no_consultation` without one.",
	"transferCall": "Blind transfer of an inbound call: to a `number` (gateway), a `dialplan` extension, a `queue` (name " +
		"or ID) or an `agent` (back into the queue with that agent preferred); the agent is released. 409 `not_inbound`, " +
		"`not_connected`, `gateway_missing` (a number, and the call's node is known to lack the gateway).",
	"monitorCall": "A supervisor listens to, whispers to (only the agent hears) or barges into a call: the supervisor's " +
		"own phone rings and is joined. 409 `no_phone` when the supervisor is no agent with a phone, `phone_not_registered`.",

	// Records.
	"listCDRs": "One record per call leg (`leg` caller, agent, consult, outbound or internal) with its disposition and " +
		"hang-up cause, newest recorded first (`?order=oldest` the other way). Filters: agent_id, queue_id, call_id, since, " +
		"until (RFC 3339).",
	"exportCDRs": "The same records as CSV, every page, same filters and order. Cells a spreadsheet could read as a formula " +
		"(phone numbers with + included) start with a single quote.",
	"listRecordings": "Recordings of the tenant's calls (e.g. answered calls of queues with `settings.record`): call, " +
		"node, file path on the node, start and duration.",
	"listVoicemails":   "Voicemail messages left through IVR flows, oldest first; `?mailbox=` filters.",
	"listSurveyScores": "Post-call survey scores saved by flows; filters agent_id, call_id, since, until (RFC 3339).",

	// IVR flows.
	"getFlowSchema": "The JSON Schema (2020-12) of flow documents, for editors.",
	"createFlow": "Creates a flow from a draft document. The draft is validated against the tenant's catalog (queues, " +
		"prompts, integrations) and saved even when invalid: then 422 `flow_invalid` lists the problems per node, with the " +
		"flow's Location. Calls run only published versions.",
	"listFlows":     "The tenant's flows.",
	"getFlow":       "A flow: its draft, the draft's problems, its latest version and its aliases.",
	"saveFlowDraft": "Saves a new draft (validated and saved as on create: 422 `flow_invalid` lists the problems).",
	"deleteFlow":    "Deletes a flow and its versions; 409 `flow_in_use` while an access number routes to it.",
	"publishFlow": "Publishes the draft as the next immutable version; `alias` (e.g. live) is pointed at it in the same " +
		"step. The body may be empty. 422 `flow_invalid` when the draft has problems; 409 `over_quota` past max_published_flows; " +
		"409 `flow_unchanged` when the draft equals the latest version.",
	"listFlowVersions": "The flow's published versions, oldest first.",
	"getFlowVersion":   "One published version (versions never change).",
	"setFlowAlias":     "Points an alias at a published version: `live` is what calls run, so this goes live or rolls back at once.",
	"diffFlow":         "Node-by-node changes between two versions (`?from=3&to=4`; `draft` names the draft).",
	"testFlowDraft": "Runs the draft with a scripted caller (keys with timing, caller number, time of day, stubbed HTTP, " +
		"SQL and queue answers) and returns the full trace; nothing is dialled or sent. 422 `flow_invalid` when it does not compile.",
	"testFlowVersion": "Runs a published version like testFlowDraft.",
	"getFlowIntegrations": "The HTTP endpoints, data sources, mailboxes, lists and calendars the tenant's flows may name " +
		"(header values shown as \"(redacted)\").",
	"getFlowCatalog": "Everything a flow may name as validation sees it (queues, prompts, integrations, languages), for " +
		"editors' pick lists.",
	"putFlowIntegrations": "Replaces the whole integrations document; every section is required (send {} or [] for none). " +
		"A header value \"(redacted)\" keeps the stored one while the endpoint's base_url keeps its scheme, host and port; " +
		"after a change of any of them the value must be sent again (422 naming the header otherwise). Header values are stored encrypted.",
	"addListEntries": "Adds values to a tenant list (blacklist, VIP...) that the flow integrations declare (404 otherwise); " +
		"values already there are kept.",
	"listListEntries":  "The values of a list.",
	"deleteListEntry":  "Removes a value from a list.",
	"getCallTrace":     "The path one call took through its flows: nodes, times, exits and variables set. 404 when the call has no trace.",
	"listFlowTraces":   "Traced calls, one row per call and flow version; filters flow_id and call_id.",
	"listDataSources":  "The tenant's SQL data sources for flows, without connection strings.",
	"putDataSource":    "An operator creates or replaces a data source flows name; the connection string is write-only.",
	"deleteDataSource": "An operator removes a data source.",
	"uploadPrompt": "Uploads a WAV prompt: the raw body with `?name=&language=`, or a multipart form with fields name, " +
		"language and file (at most 20 MiB). It is converted to 8 kHz mono 16-bit PCM. 409 when the name and language " +
		"exist; 503 `prompts_unconfigured` when the server has no prompt directory.",
	"listPrompts":        "The tenant's prompts.",
	"getPrompt":          "A prompt's metadata.",
	"getPromptAudio":     "The prompt's WAV file (8 kHz mono 16-bit PCM).",
	"replacePromptAudio": "Replaces a prompt's recording with the raw WAV body (converted as on upload).",
	"deletePrompt":       "Deletes a prompt and its file.",
	"getTenantIVRPorts":  "The tenant's calls in IVR flows now, and counts per flow version.",
	"getIVRPorts":        "Every node's IVR ports (busy, idle), calls in IVR per tenant, and per-flow counts.",
}

// description is an operation's description: its entry in operationDocs,
// then who may call it.
func description(r route) string {
	return strings.TrimSpace(operationDocs[r.name] + "\n\n" + access(r))
}

// access says who may call r, from its scope and permission.
func access(r route) string {
	switch r.scope {
	case scopePublic:
		return "**Who may call:** anyone; no credentials."
	case scopeAuthed:
		return "**Who may call:** any signed-in user or API key; no permission is needed."
	}
	var roles []string
	for _, role := range tenancy.Roles {
		if r.allows(role) {
			roles = append(roles, string(role))
		}
	}
	s := "**Who may call:** " + strings.Join(roles, ", ") + " (permission `" + string(r.perm) + "`)"
	if r.scope == scopePlatform {
		return s + "; tenant roles get 403."
	}
	return s + ", users and API keys alike. Tenant roles act in their own tenant only (another tenant's ID answers 404); " +
		"platform roles in any tenant."
}
