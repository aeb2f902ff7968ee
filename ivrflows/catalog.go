package ivrflows

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Catalog is what a tenant has that flows may reference: prompts, queues,
// other flows, data sources, HTTP endpoints, mailboxes, lists, calendars and
// languages. Validation checks every reference against it, so a flow that
// names a queue the tenant does not have is rejected before it is published.
// The store builds it; tests write it as JSON.
type Catalog struct {
	Tenant          string `json:"tenant,omitempty"`
	DefaultLanguage string `json:"default_language,omitempty"`
	// Languages maps a language code (e.g. "en", "cmn", "yue") to its TTS voice.
	Languages map[string]Language `json:"languages,omitempty"`
	// Prompts maps a prompt name to its files by language.
	Prompts     map[string]map[string]string `json:"prompts,omitempty"`
	Queues      []string                     `json:"queues,omitempty"`
	Flows       []string                     `json:"flows,omitempty"`
	Mailboxes   []string                     `json:"mailboxes,omitempty"`
	Lists       []string                     `json:"lists,omitempty"`
	DataSources map[string]DataSource        `json:"datasources,omitempty"`
	Endpoints   map[string]Endpoint          `json:"endpoints,omitempty"`
	Calendars   map[string]*Calendar         `json:"calendars,omitempty"`

	// LoadLocation resolves calendar time zones. Nil resolves only "UTC" and
	// fixed offsets like "+08:00"; the application passes time.LoadLocation
	// (which reads files, so the core never calls it itself).
	LoadLocation func(name string) (*time.Location, error) `json:"-"`
}

// Language is a language the tenant's flows can speak.
type Language struct {
	Voice string `json:"voice"` // TTS voice, e.g. "cmn-latn-pinyin", "yue", "en"
}

// DataSource is a database the tenant configured for SQL nodes.
type DataSource struct {
	// Writable allows statements other than SELECT/WITH on it.
	Writable bool `json:"writable,omitempty"`
}

// Endpoint is an HTTP service of the tenant. Flows name it and give a path,
// so they can only reach what the tenant's admin configured.
type Endpoint struct {
	BaseURL string            `json:"base_url"`
	Headers map[string]string `json:"headers,omitempty"`
}

func (c *Catalog) hasQueue(name string) bool   { return slices.Contains(c.Queues, name) }
func (c *Catalog) hasFlow(name string) bool    { return slices.Contains(c.Flows, name) }
func (c *Catalog) hasMailbox(name string) bool { return slices.Contains(c.Mailboxes, name) }
func (c *Catalog) hasList(name string) bool    { return slices.Contains(c.Lists, name) }

func (c *Catalog) hasLanguage(lang string) bool {
	_, ok := c.Languages[lang]
	return ok
}

// voice is the TTS voice of a language, or the language code itself.
func (c *Catalog) voice(lang string) string {
	if l, ok := c.Languages[lang]; ok && l.Voice != "" {
		return l.Voice
	}
	return lang
}

// ParseCatalog decodes a catalog written as JSON (tests, `switchboard flows
// validate`); unknown fields are rejected.
func ParseCatalog(data []byte) (*Catalog, error) {
	var c Catalog
	if err := DecodeStrict(data, &c); err != nil {
		return nil, fmt.Errorf("catalog: %v", err)
	}
	return &c, nil
}

// choices lists what the tenant has, for an error about a name it does not
// have: the business user sees the right spelling at once.
func choices(names []string) string {
	switch {
	case len(names) == 0:
		return " (it has none)"
	case len(names) > 10:
		return " (it has " + strings.Join(names[:10], ", ") + ", ...)"
	}
	return " (it has " + strings.Join(names, ", ") + ")"
}
