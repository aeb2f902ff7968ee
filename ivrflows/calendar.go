package ivrflows

import (
	"fmt"
	"strings"
	"time"
)

// Calendar is a tenant's business hours and holidays, in its time zone.
type Calendar struct {
	TimeZone string    `json:"time_zone"`
	Weekly   []Hours   `json:"weekly"`
	Holidays []Holiday `json:"holidays,omitempty"`

	loc *time.Location
}

// Hours are opening hours on some weekdays ("mon".."sun"), "HH:MM" local
// time. A Close before Open runs past midnight into the next day (a night
// shift "22:00"-"06:00" on "fri" covers Saturday until 06:00).
type Hours struct {
	Days  []string `json:"days"`
	Open  string   `json:"open"`
	Close string   `json:"close"`
}

// Holiday is a whole local day ("2006-01-02") the tenant is closed.
type Holiday struct {
	Date string `json:"date"`
	Name string `json:"name,omitempty"`
}

// Calendar states, the exits of an hours node.
const (
	CalOpen    = "open"
	CalClosed  = "closed"
	CalHoliday = "holiday"
)

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// prepare checks the calendar and resolves its time zone.
func (c *Calendar) prepare(load func(string) (*time.Location, error)) error {
	loc, err := resolveZone(c.TimeZone, load)
	if err != nil {
		return err
	}
	c.loc = loc
	for _, h := range c.Weekly {
		for _, d := range h.Days {
			if _, ok := weekdays[strings.ToLower(d)]; !ok {
				return fmt.Errorf("unknown weekday %q (use mon, tue, wed, thu, fri, sat, sun)", d)
			}
		}
		o, err1 := parseClock(h.Open)
		cl, err2 := parseClock(h.Close)
		if err1 != nil || err2 != nil || cl == o {
			return fmt.Errorf("opening hours %q-%q are not two different HH:MM times", h.Open, h.Close)
		}
	}
	for _, hd := range c.Holidays {
		if _, err := time.Parse(time.DateOnly, hd.Date); err != nil {
			return fmt.Errorf("holiday date %q is not YYYY-MM-DD", hd.Date)
		}
	}
	return nil
}

func resolveZone(name string, load func(string) (*time.Location, error)) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if t, err := time.Parse("-07:00", name); err == nil {
		_, off := t.Zone()
		return time.FixedZone(name, off), nil
	}
	if load == nil {
		return nil, fmt.Errorf("time zone %q cannot be resolved here (only UTC and offsets like +08:00)", name)
	}
	loc, err := load(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

// parseClock returns minutes after midnight for "HH:MM" (24:00 allowed).
func parseClock(s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("bad time %q", s)
	}
	if _, err := fmt.Sscanf(s, "%2d:%2d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m > 0) {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return h*60 + m, nil
}

// State says whether the tenant is open, closed or on holiday at now.
func (c *Calendar) State(now time.Time) string {
	loc := c.loc
	if loc == nil {
		loc = time.UTC
	}
	local := now.In(loc)
	day := local.Format(time.DateOnly)
	for _, hd := range c.Holidays {
		if hd.Date == day {
			return CalHoliday
		}
	}
	minute := local.Hour()*60 + local.Minute()
	for _, h := range c.Weekly {
		if h.covers(local.Weekday(), minute) {
			return CalOpen
		}
	}
	return CalClosed
}

// covers reports whether the hours include minute of day d.
func (h Hours) covers(d time.Weekday, minute int) bool {
	o, _ := parseClock(h.Open)
	cl, _ := parseClock(h.Close)
	if o < cl {
		return h.hasDay(d) && minute >= o && minute < cl
	}
	yesterday := (d + 6) % 7
	return h.hasDay(d) && minute >= o || h.hasDay(yesterday) && minute < cl
}

func (h Hours) hasDay(d time.Weekday) bool {
	for _, s := range h.Days {
		if weekdays[strings.ToLower(s)] == d {
			return true
		}
	}
	return false
}
