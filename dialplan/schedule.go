package dialplan

import (
	"fmt"
	"slices"
	"time"
)

// Clock is a time of day in minutes after local midnight, 0 to 1440.
type Clock int

// At returns the Clock for hour:minute.
func At(hour, minute int) Clock { return Clock(hour*60 + minute) }

// Window is a weekly opening window in the tenant's local time. A window whose
// To is not after From runs past midnight: {Fri, 22:00, 02:00} is open from
// Friday 22:00 to Saturday 02:00.
type Window struct {
	Days     []time.Weekday
	From, To Clock
}

// Date is a local calendar day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Schedule is a time condition: weekly windows minus closed days (holidays).
// It has no location: the tenant's time zone is applied by the Plan.
type Schedule struct {
	Weekly []Window
	Closed []Date
}

// Validate reports windows outside the day or without days.
func (s Schedule) Validate() error {
	for i, w := range s.Weekly {
		if w.From < 0 || w.From >= 1440 || w.To < 0 || w.To > 1440 {
			return fmt.Errorf("window %d: times must be within 00:00-24:00", i)
		}
		if w.From == w.To {
			return fmt.Errorf("window %d: empty (from equals to)", i)
		}
		if len(w.Days) == 0 {
			return fmt.Errorf("window %d: no days", i)
		}
		for _, d := range w.Days {
			if d < time.Sunday || d > time.Saturday {
				return fmt.Errorf("window %d: bad weekday %d", i, d)
			}
		}
	}
	return nil
}

// OpenAt reports whether the schedule is open at local, a time already in the
// tenant's location (wall clock, so DST changes need nothing special).
func (s Schedule) OpenAt(local time.Time) bool {
	day := Date{local.Year(), local.Month(), local.Day()}
	if slices.Contains(s.Closed, day) {
		return false
	}
	now := Clock(local.Hour()*60 + local.Minute())
	today, yesterday := local.Weekday(), (local.Weekday()+6)%7
	for _, w := range s.Weekly {
		if w.From < w.To {
			if slices.Contains(w.Days, today) && now >= w.From && now < w.To {
				return true
			}
			continue
		}
		// Past midnight: the evening part today, the morning part if the
		// window started yesterday.
		if slices.Contains(w.Days, today) && now >= w.From {
			return true
		}
		if slices.Contains(w.Days, yesterday) && now < w.To {
			return true
		}
	}
	return false
}
