package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"

	"shipdesk/domain"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWorkDaysFromTheLibrary(t *testing.T) {
	c := New()
	for d, want := range map[string]bool{
		"2026-09-18": true,  // Friday
		"2026-09-19": false, // Saturday
		"2026-09-20": true,  // Sunday, make-up working day for National Day
		"2026-10-01": false, // National Day, Thursday
		"2026-10-07": false,
		"2026-10-08": true,
		"2026-10-10": true, // Saturday, make-up
		"2026-12-02": true,
	} {
		got, err := c.WorkDay(day(d))
		if err != nil || got != want {
			t.Errorf("WorkDay(%s) = %v, %v; want %v", d, got, err, want)
		}
	}
}

// The example: a taobao subscription ordered on Friday 2026-09-18 is claimable
// on 2026-09-24, Sunday 09-20 being a make-up working day.
func TestTaobaoAcrossAMakeUpWeekend(t *testing.T) {
	got, err := domain.AddWorkingDays(New(), day("2026-09-18"), 5)
	if err != nil || !got.Equal(day("2026-09-24")) {
		t.Fatalf("5 working days after 2026-09-18 = %v, %v; want 2026-09-24", got, err)
	}
}

// Across Mid-Autumn and Golden Week: ordered 2026-09-24 (Thursday); 09-25 is Mid-Autumn.
// Working days after: 09-28, 29, 30, then 10-08, 09 (Fri), 10 (Sat, make-up), 12–16,
// 19–23, 26–29: the 20th is 10-29.
func TestJDAcrossGoldenWeek(t *testing.T) {
	c := New()
	got, err := domain.AddWorkingDays(c, day("2026-09-24"), 5)
	if err != nil || !got.Equal(day("2026-10-09")) {
		t.Errorf("5 working days after 2026-09-24 = %v, %v; want 2026-10-09", got, err)
	}
	got, err = domain.AddWorkingDays(c, day("2026-09-24"), 20)
	if err != nil || !got.Equal(day("2026-10-29")) {
		t.Errorf("20 working days after 2026-09-24 = %v, %v; want 2026-10-29", got, err)
	}
}

func TestAFileAddsAYearAndOverridesDays(t *testing.T) {
	c := New()
	if _, err := c.WorkDay(day("2031-03-03")); !errors.As(err, new(*domain.UnknownYearError)) {
		t.Fatalf("2031 without a file: %v, want an unknown year", err)
	}
	file := `# our calendar
year 2031
2031-01-01 off 元旦
2031-01-04 work    # a Saturday made a working day
2026-12-02 off company day
`
	if err := c.Read(strings.NewReader(file)); err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]bool{"2031-01-01": false, "2031-01-02": true, "2031-01-04": true, "2031-01-05": false, "2026-12-02": false} {
		got, err := c.WorkDay(day(d))
		if err != nil || got != want {
			t.Errorf("WorkDay(%s) = %v, %v; want %v", d, got, err, want)
		}
	}
	if _, err := domain.AddWorkingDays(c, day("2031-12-30"), 5); !errors.As(err, new(*domain.UnknownYearError)) {
		t.Errorf("counting into 2032: %v, want it refused", err)
	}
}

func TestAFileRefusesHalfAYear(t *testing.T) {
	for _, file := range []string{"2033-01-01 off\n", "year two\n", "2031-02-30 off\n", "2031-01-01 maybe\n"} {
		if err := New().Read(strings.NewReader(file)); err == nil {
			t.Errorf("%q was accepted", file)
		}
	}
}
