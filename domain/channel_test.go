package domain

import (
	"errors"
	"testing"
	"time"
)

// weekCal is a calendar of plain weeks, with listed days overriding, covering 2026 only.
type weekCal map[string]bool

func (c weekCal) WorkDay(d time.Time) (bool, error) {
	if d.Year() != 2026 {
		return false, &UnknownYearError{Year: d.Year(), Known: "2026"}
	}
	if w, ok := c[d.Format(time.DateOnly)]; ok {
		return w, nil
	}
	return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday, nil
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

var shanghai = time.FixedZone("CST", 8*3600)

func TestWorkingDaysDoNotCountTheOrderingDay(t *testing.T) {
	cal := weekCal{"2026-09-20": true, "2026-09-25": false}
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-09-18", 5, "2026-09-24"}, // Sunday 09-20 a make-up working day
		{"2026-09-18", 1, "2026-09-20"},
		{"2026-09-24", 1, "2026-09-28"}, // Friday 09-25 off, then the weekend
		{"2026-09-19", 5, "2026-09-24"}, // ordered on a day off
	} {
		got, err := AddWorkingDays(cal, date(c.from), c.n)
		if err != nil || !got.Equal(date(c.want)) {
			t.Errorf("%d working days after %s = %v, %v; want %s", c.n, c.from, got, err, c.want)
		}
	}
	if _, err := AddWorkingDays(cal, date("2026-12-28"), 5); !errors.As(err, new(*UnknownYearError)) {
		t.Errorf("beyond the calendar: %v, want refused", err)
	}
	if _, err := AddWorkingDays(nil, date("2026-12-01"), 1); !errors.Is(err, ErrNoCalendar) {
		t.Errorf("without a calendar: %v", err)
	}
}

func TestCalendarMonthsClampToTheMonthsEnd(t *testing.T) {
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-01-31", 2, "2026-03-31"},
		{"2026-12-31", 2, "2027-02-28"},
		{"2028-02-29", 12, "2029-02-28"},
		{"2026-05-15", 2, "2026-07-15"},
	} {
		if got := AddMonths(date(c.from), c.n); !got.Equal(date(c.want)) {
			t.Errorf("%d months after %s = %s, want %s", c.n, c.from, got.Format(time.DateOnly), c.want)
		}
	}
}

func TestEachPlatformsWait(t *testing.T) {
	cal := weekCal{"2026-09-20": true}
	ordered := time.Date(2026, 1, 31, 10, 0, 0, 0, shanghai)
	amount := Money{Minor: 3000, Currency: "CNY"}
	for _, c := range []struct {
		platform string
		given    Wait
		at       time.Time
		want     string
	}{
		{"taobao", Wait{}, time.Date(2026, 9, 18, 23, 0, 0, 0, shanghai), "2026-09-24"},
		{"tmall", Wait{}, time.Date(2026, 9, 18, 9, 0, 0, 0, shanghai), "2026-09-24"},
		{"jd", Wait{}, time.Date(2026, 6, 1, 9, 0, 0, 0, shanghai), "2026-06-29"},
		{"paipai", Wait{}, ordered, "2026-03-31"},
		{"yihaodian", Wait{}, ordered, "2027-01-31"},
		{"pinduoduo", Wait{10, WaitDays}, ordered, "2026-02-10"},
		{"douyin", Wait{}, ordered, ""}, // claimed by hand
	} {
		r, err := NewRebate("ch", c.platform, "SUB-1", c.at, amount, c.given, cal, shanghai)
		if err != nil {
			t.Fatalf("%s: %v", c.platform, err)
		}
		got := ""
		if !r.ClaimableOn.IsZero() {
			got = r.ClaimableOn.Format(time.DateOnly)
		}
		if got != c.want {
			t.Errorf("%s ordered %s: claimable on %q, want %q", c.platform, c.at, got, c.want)
		}
	}
	// The ordering day is the warehouse's: 2026-09-18 23:30 in Shanghai is 15:30 UTC.
	r, _ := NewRebate("ch", "taobao", "S", time.Date(2026, 9, 18, 15, 30, 0, 0, time.UTC), amount, Wait{}, cal, shanghai)
	if !r.ClaimableOn.Equal(date("2026-09-24")) {
		t.Errorf("ordering day in the warehouse zone: %v", r.ClaimableOn)
	}
	if _, err := NewRebate("ch", "taobao", "S", time.Date(2026, 12, 30, 9, 0, 0, 0, shanghai), amount, Wait{}, cal, shanghai); !errors.As(err, new(*UnknownYearError)) {
		t.Errorf("a wait beyond the calendar: %v, want refused", err)
	}
	if _, err := NewRebate("ch", "taobao", "S", ordered, Money{Currency: "CNY"}, Wait{}, cal, shanghai); err == nil {
		t.Error("a zero amount was accepted")
	}
}

func TestUnconfirmedIsNeverClaimable(t *testing.T) {
	r, err := NewRebate("tb", "taobao", "SUB-9", time.Date(2026, 9, 18, 9, 0, 0, 0, shanghai), Money{Minor: 100, Currency: "CNY"}, Wait{}, weekCal{"2026-09-20": true}, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	r.ID = 9
	late := date("2026-12-31")
	if st := r.State(late); st != RebateOrdered {
		t.Fatalf("unconfirmed months later: %s", st)
	}
	if _, err := r.Claim(late, late); err == nil {
		t.Fatal("an unconfirmed rebate was claimed")
	}
	r, err = r.Confirm(time.Date(2026, 9, 19, 0, 0, 0, 0, shanghai))
	if err != nil {
		t.Fatal(err)
	}
	if st := r.State(date("2026-09-23")); st != RebateConfirmed {
		t.Errorf("the day before: %s", st)
	}
	if _, err := r.Claim(late, date("2026-09-23")); err == nil {
		t.Error("claimed before its date")
	}
	if st := r.State(date("2026-09-24")); st != RebateClaimable {
		t.Errorf("on its date: %s", st)
	}
	if _, err := r.Paid(late); err == nil {
		t.Error("paid before claimed")
	}
	r, err = r.Claim(late, date("2026-09-24"))
	if err != nil || r.State(late) != RebateClaimed {
		t.Fatalf("claim: %v %s", err, r.State(late))
	}
	r, err = r.Paid(late)
	if err != nil || r.State(late) != RebatePaid {
		t.Fatalf("paid: %v %s", err, r.State(late))
	}
	if _, err := r.Confirm(late); err == nil {
		t.Error("confirmed twice")
	}
}

func TestAuthorizationByTheClock(t *testing.T) {
	c := Channel{Name: "tb", Platform: "taobao", AuthExpires: time.Date(2026, 12, 10, 0, 0, 0, 0, shanghai)}
	for _, x := range []struct {
		now  time.Time
		want AuthState
		days int
	}{
		{time.Date(2026, 12, 1, 12, 0, 0, 0, shanghai), AuthOK, 9},
		{time.Date(2026, 12, 3, 0, 0, 0, 0, shanghai), AuthExpiring, 7},
		{time.Date(2026, 12, 9, 23, 59, 0, 0, shanghai), AuthExpiring, 1},
		{time.Date(2026, 12, 10, 0, 0, 0, 0, shanghai), AuthExpired, 0},
		{time.Date(2026, 12, 20, 0, 0, 0, 0, shanghai), AuthExpired, -10},
	} {
		if got := c.State(x.now, DefaultAuthWarning); got != x.want {
			t.Errorf("at %s: %s, want %s", x.now, got, x.want)
		}
		if d, ok := c.DaysLeft(x.now, shanghai); !ok || d != x.days {
			t.Errorf("at %s: %d days left, want %d", x.now, d, x.days)
		}
	}
	if got := c.State(time.Date(2026, 11, 28, 0, 0, 0, 0, shanghai), 14*24*time.Hour); got != AuthExpiring {
		t.Errorf("a 14-day warning: %s", got)
	}
	if got := (Channel{Name: "x"}).State(time.Now(), DefaultAuthWarning); got != AuthOK {
		t.Errorf("no expiry known: %s", got)
	}
	n, err := c.Reauthorize(time.Date(2027, 12, 10, 0, 0, 0, 0, shanghai), time.Date(2026, 12, 20, 0, 0, 0, 0, shanghai), "ana")
	if err != nil || len(n.Reauths) != 1 || !n.Reauths[0].Old.Equal(c.AuthExpires) || n.Reauths[0].Operator != "ana" {
		t.Fatalf("reauth: %v %+v", err, n.Reauths)
	}
	if n.State(time.Date(2026, 12, 20, 0, 0, 0, 0, shanghai), DefaultAuthWarning) != AuthOK {
		t.Error("still lapsed after re-authorization")
	}
	if err := (Channel{Name: "x", Platform: "ebay"}).Validate(); err == nil {
		t.Error("an unknown platform was accepted")
	}
	for _, p := range []string{"paipai", "yihaodian"} {
		if err := (Channel{Name: "x", Platform: p}).Validate(); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestNextCutOff(t *testing.T) {
	fri, err := ParseSettlement("weekly:fri")
	if err != nil {
		t.Fatal(err)
	}
	fri.At, _ = ParseCutOff("18:00")
	m31, _ := ParseSettlement("monthly:31")
	for _, c := range []struct {
		s    Settlement
		now  time.Time
		want time.Time
	}{
		{fri, time.Date(2026, 12, 2, 10, 0, 0, 0, shanghai), time.Date(2026, 12, 4, 18, 0, 0, 0, shanghai)},
		{fri, time.Date(2026, 12, 4, 17, 59, 0, 0, shanghai), time.Date(2026, 12, 4, 18, 0, 0, 0, shanghai)},
		{fri, time.Date(2026, 12, 4, 18, 0, 0, 0, shanghai), time.Date(2026, 12, 11, 18, 0, 0, 0, shanghai)},
		{m31, time.Date(2026, 2, 10, 0, 0, 0, 0, shanghai), time.Date(2026, 2, 28, 23, 59, 0, 0, shanghai)},
		{m31, time.Date(2026, 3, 31, 23, 59, 0, 0, shanghai), time.Date(2026, 4, 30, 23, 59, 0, 0, shanghai)},
	} {
		if got := c.s.NextCutOff(c.now, shanghai); !got.Equal(c.want) {
			t.Errorf("%s after %s: %s, want %s", c.s, c.now, got, c.want)
		}
	}
	if !(Settlement{}).NextCutOff(time.Now(), shanghai).IsZero() {
		t.Error("none has a cut-off")
	}
	for _, bad := range []string{"weekly:xyz", "monthly:0", "monthly:32", "daily"} {
		if _, err := ParseSettlement(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if s, _ := ParseSettlement("weekly:friday"); s.Spec() != "weekly:fri" {
		t.Errorf("weekly:friday reads as %s", s.Spec())
	}
}

func TestCutOffAlarm(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		cut     time.Time
		missing int
		want    bool
	}{
		{now.Add(24 * time.Hour), 1, true},
		{now.Add(24*time.Hour + time.Second), 1, false},
		{now.Add(time.Hour), 0, false},
		{time.Time{}, 3, false},
	} {
		if got := CutOffAlarm(c.cut, now, c.missing); got != c.want {
			t.Errorf("cut-off %v, %d missing: %v", c.cut, c.missing, got)
		}
	}
}
