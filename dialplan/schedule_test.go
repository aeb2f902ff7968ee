package dialplan

import (
	"testing"
	"time"
)

func weekdays() []time.Weekday {
	return []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
}

func TestScheduleOpenAt(t *testing.T) {
	office := Schedule{
		Weekly: []Window{{Days: weekdays(), From: At(8, 30), To: At(18, 0)}},
		Closed: []Date{{2026, time.December, 25}},
	}
	night := Schedule{Weekly: []Window{{Days: []time.Weekday{time.Friday}, From: At(22, 0), To: At(2, 0)}}}
	allDay := Schedule{Weekly: []Window{{Days: []time.Weekday{time.Sunday}, From: 0, To: 1440}}}
	utc := time.UTC
	tests := []struct {
		name string
		s    Schedule
		at   time.Time
		want bool
	}{
		{"thursday morning open", office, time.Date(2026, 11, 26, 8, 30, 0, 0, utc), true},
		{"one minute before opening", office, time.Date(2026, 11, 26, 8, 29, 59, 0, utc), false},
		{"closing time is closed", office, time.Date(2026, 11, 26, 18, 0, 0, 0, utc), false},
		{"saturday closed", office, time.Date(2026, 11, 28, 10, 0, 0, 0, utc), false},
		{"christmas friday closed", office, time.Date(2026, 12, 25, 10, 0, 0, 0, utc), false},
		{"friday evening open", night, time.Date(2026, 11, 27, 23, 0, 0, 0, utc), true},
		{"saturday early open", night, time.Date(2026, 11, 28, 1, 59, 0, 0, utc), true},
		{"saturday 02:00 closed", night, time.Date(2026, 11, 28, 2, 0, 0, 0, utc), false},
		{"friday early not open", night, time.Date(2026, 11, 27, 1, 0, 0, 0, utc), false},
		{"sunday all day 23:59", allDay, time.Date(2026, 11, 29, 23, 59, 0, 0, utc), true},
		{"monday 00:00 not sunday", allDay, time.Date(2026, 11, 30, 0, 0, 0, 0, utc), false},
		{"empty schedule never open", Schedule{}, time.Date(2026, 11, 26, 12, 0, 0, 0, utc), false},
	}
	for _, tt := range tests {
		if got := tt.s.OpenAt(tt.at); got != tt.want {
			t.Errorf("%s: OpenAt(%v) = %v, want %v", tt.name, tt.at, got, tt.want)
		}
	}
}

func TestScheduleValidate(t *testing.T) {
	bad := []Schedule{
		{Weekly: []Window{{Days: weekdays(), From: At(9, 0), To: At(9, 0)}}},
		{Weekly: []Window{{Days: weekdays(), From: -1, To: At(9, 0)}}},
		{Weekly: []Window{{Days: weekdays(), From: 0, To: 1441}}},
		{Weekly: []Window{{Days: weekdays(), From: 1440, To: 10}}},
		{Weekly: []Window{{From: 0, To: 10}}},
		{Weekly: []Window{{Days: []time.Weekday{7}, From: 0, To: 10}}},
	}
	for i, s := range bad {
		if s.Validate() == nil {
			t.Errorf("case %d: want error for %+v", i, s)
		}
	}
	if err := (Schedule{Weekly: []Window{{Days: weekdays(), From: At(22, 0), To: At(6, 0)}}}).Validate(); err != nil {
		t.Errorf("overnight window: %v", err)
	}
}
