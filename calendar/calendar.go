// Package calendar is mainland China's working-day calendar for the channel rules (rule
// 29): weekends and public holidays off, the make-up working weekends (调休) on. It reads
// the State Council's published days from a maintained library (lunar-go's HolidayUtil)
// and lets a calendar file add or override days and declare years the library does not
// cover yet. A date in a year neither covers is refused, never guessed.
//
// The calendar file, one entry a line (blank lines and text after # ignored):
//
//	year 2028                  the file covers 2028: its days not listed follow the weekdays
//	2028-01-01 off 元旦         a day off (a name after the word is optional)
//	2028-02-05 work 春节调休    a make-up working day
//
// A day listed in a year neither the library nor a "year" line covers is an error in
// the file, so a half-written year is never taken for a whole one.
package calendar

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"

	"shipdesk/domain"
)

// China is the calendar: the library's days, then the file's over them.
type China struct {
	days     map[string]bool // YYYY-MM-DD → working day, from the file
	years    map[int]bool    // years the file declares
	min, max int             // the years known at all
}

var (
	libOnce         sync.Once
	libMin, libMax  int
	libYearsCovered map[int]bool
)

// libraryYears finds the years the library publishes days for.
func libraryYears() (int, int, map[int]bool) {
	libOnce.Do(func() {
		libYearsCovered = map[int]bool{}
		for y := 2000; y <= 2200; y++ {
			if HolidayUtil.GetHolidaysByYear(y).Len() > 0 {
				libYearsCovered[y] = true
				if libMin == 0 {
					libMin = y
				}
				libMax = y
			}
		}
	})
	return libMin, libMax, libYearsCovered
}

// New is the library's calendar alone.
func New() *China {
	lo, hi, _ := libraryYears()
	return &China{days: map[string]bool{}, years: map[int]bool{}, min: lo, max: hi}
}

// Load is the library's calendar with the file at path over it; a missing file is no
// error.
func Load(path string) (*China, error) {
	c := New()
	if path == "" {
		return c, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := c.Read(f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Read adds the entries of a calendar file.
func (c *China) Read(r io.Reader) error {
	sc := bufio.NewScanner(io.LimitReader(r, 1<<20))
	type day struct {
		line int
		date time.Time
	}
	var listed []day
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if fields[0] == "year" {
			y, err := strconv.Atoi(strings.Join(fields[1:], ""))
			if len(fields) != 2 || err != nil || y < 1900 || y > 2200 {
				return fmt.Errorf("line %d: want \"year YYYY\"", n)
			}
			c.years[y] = true
			continue
		}
		d, err := time.Parse(time.DateOnly, fields[0])
		if err != nil || len(fields) < 2 || (fields[1] != "off" && fields[1] != "work") {
			return fmt.Errorf("line %d: want \"YYYY-MM-DD off|work [name]\" or \"year YYYY\"", n)
		}
		c.days[fields[0]] = fields[1] == "work"
		listed = append(listed, day{n, d})
	}
	if err := sc.Err(); err != nil {
		return err
	}
	_, _, lib := libraryYears()
	for _, d := range listed {
		if y := d.date.Year(); !lib[y] && !c.years[y] {
			return fmt.Errorf("line %d: %d is not covered by the published calendar; add \"year %d\" once every holiday of it is listed", d.line, y, y)
		}
	}
	for y := range c.years {
		c.min, c.max = min(c.min, y), max(c.max, y)
	}
	return nil
}

// WorkDay reports whether day's civil date is a working day.
func (c *China) WorkDay(day time.Time) (bool, error) {
	y, m, d := day.Date()
	key := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	if w, ok := c.days[key]; ok {
		return w, nil
	}
	_, _, lib := libraryYears()
	switch {
	case lib[y]:
		if h := HolidayUtil.GetHolidayByYmd(y, int(m), d); h != nil {
			return h.IsWork(), nil
		}
	case c.years[y]:
	default:
		return false, &domain.UnknownYearError{Year: y, Known: c.Known(), CanBeAdded: true}
	}
	wd := day.Weekday()
	return wd != time.Saturday && wd != time.Sunday, nil
}

// Known names the years covered, e.g. "2002–2027".
func (c *China) Known() string {
	return fmt.Sprintf("%d–%d", c.min, c.max)
}

var _ domain.WorkCalendar = (*China)(nil)
