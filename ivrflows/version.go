package ivrflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Versioning rules (storage is elsewhere): a flow is edited as a draft;
// publishing freezes the draft as an immutable numbered version; aliases such
// as "live" point at versions, and a rollback moves an alias back.

// AliasLive is the alias calls are routed to.
const AliasLive = "live"

// Errors of the versioning rules.
var (
	ErrNoSuchVersion = errors.New("no such flow version")
	ErrNoChanges     = errors.New("draft is the same as the latest version")
	ErrBadAlias      = errors.New("bad alias")
	ErrWrongFlow     = errors.New("document is for another flow")
)

// Version is a published, immutable flow version. Doc is the canonical JSON
// of the flow as published; nothing can change it afterwards.
type Version struct {
	Number      int             `json:"number"`
	Doc         json.RawMessage `json:"doc"`
	PublishedAt time.Time       `json:"published_at"`
	PublishedBy string          `json:"published_by"`
}

// Flow decodes the version's document.
func (v Version) Flow() (*Flow, error) { return Parse(v.Doc) }

// History is one flow's versions and aliases.
type History struct {
	FlowID   string         `json:"flow_id"`
	Versions []Version      `json:"versions"`
	Aliases  map[string]int `json:"aliases"`
}

var aliasRe = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// Publish validates draft against the tenant's catalog and appends it as
// the next version. It does not move any alias: going live is SetAlias.
func (h *History) Publish(draft []byte, cat *Catalog, by string, now time.Time) (Version, error) {
	f, err := Parse(draft)
	if err != nil {
		return Version{}, err
	}
	if f.ID != h.FlowID {
		return Version{}, fmt.Errorf("%w: %q, not %q", ErrWrongFlow, f.ID, h.FlowID)
	}
	if _, err := Compile(f, cat); err != nil {
		return Version{}, err
	}
	doc, err := json.Marshal(f)
	if err != nil {
		return Version{}, err
	}
	if n := len(h.Versions); n > 0 && bytes.Equal(h.Versions[n-1].Doc, doc) {
		return Version{}, fmt.Errorf("%w (version %d)", ErrNoChanges, h.Versions[n-1].Number)
	}
	v := Version{Number: len(h.Versions) + 1, Doc: doc, PublishedAt: now.UTC(), PublishedBy: by}
	h.Versions = append(h.Versions, v)
	return v, nil
}

// SetAlias points alias at a published version (publishing live, or rolling
// back by pointing it at an earlier one).
func (h *History) SetAlias(alias string, number int) error {
	if !aliasRe.MatchString(alias) {
		return fmt.Errorf("%w: %q (lower-case letters, digits, - and _)", ErrBadAlias, alias)
	}
	if _, err := h.Version(number); err != nil {
		return err
	}
	if h.Aliases == nil {
		h.Aliases = map[string]int{}
	}
	h.Aliases[alias] = number
	return nil
}

// Version returns a published version by number.
func (h *History) Version(number int) (Version, error) {
	if number < 1 || number > len(h.Versions) {
		return Version{}, fmt.Errorf("%w: %d", ErrNoSuchVersion, number)
	}
	v := h.Versions[number-1]
	v.Doc = bytes.Clone(v.Doc) // callers cannot reach the stored bytes
	return v, nil
}

// Resolve returns the version an alias points at.
func (h *History) Resolve(alias string) (Version, error) {
	n, ok := h.Aliases[alias]
	if !ok {
		return Version{}, fmt.Errorf("%w: alias %q is not set", ErrNoSuchVersion, alias)
	}
	return h.Version(n)
}
