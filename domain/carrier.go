package domain

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"regexp/syntax"
	"strings"
	"time"
	"unicode"
)

// Carrier is a parcel carrier the console knows: how its tracking numbers look, where
// a parcel is followed on the web, and how long a parcel typically takes (SPEC §3 rules
// 8–10). Carriers come from the registry (Carriers, CarrierByCode); treat them as values.
type Carrier struct {
	Code string // lower case, stable, stored with shipments: "ems", "sf", "ups"
	Name string // for operators: "SF Express"
	// URLTemplate is the tracking page; {number} stands for the number. Empty for a carrier
	// with no public page per number (and for "other", whose URL is given by hand).
	URLTemplate string
	// TransitDays is the typical days from shipping to delivery within one country;
	// IntlTransitDays across a border when the destination has no figure of its own
	// (0: the carrier gives no default abroad, e.g. domestic-only carriers).
	TransitDays     int
	IntlTransitDays int

	formats   []Format
	hint      string         // what its numbers look like, for the refusal message
	aliases   []string       // other names operators and files use for it
	hosts     []string       // web hosts whose URLs name it
	kuaidi100 string         // its company code on the kuaidi100 tracking site
	transitTo map[string]int // destination country → typical days abroad
}

// Format is one shape of tracking number a carrier issues, with its check-digit rule.
type Format struct {
	ID      string // stable: "s10", "ups", "fedex_12" (the public test data's id where it has one)
	Name    string // "UPS 1Z"
	Shape   string // for operators: "1Z, 15 letters or digits, a check digit (18 characters)"
	Example string // a number this format accepts
	// CheckDigit names the check-digit rule in messages ("S10", "UPS", "Luhn"); empty where
	// the carrier publishes no check digit and only the shape is checked.
	CheckDigit string

	patterns       []formatPattern
	minLen, maxLen int
	prefix         string                    // prepended to the serial for the check unless already there
	digit          func(serial string) byte  // the check character the serial should carry
	rule           func(p numberParts) error // further rules on the parts (S10 country, …)
}

// formatPattern is one anchored alternative of a format, with its named submatches.
type formatPattern struct {
	re                              *regexp.Regexp
	serial, check, service, country int
}

// numberParts are the pieces of a number that matched a format.
type numberParts struct{ serial, check, service, country string }

// maxTrackingLen bounds any tracking number; the longest known format has 34 characters.
const maxTrackingLen = 64

// How far a number got through a format's tests; the furthest failure explains a refusal best.
const (
	numShapeFails = iota
	numRuleFails
	numDigitFails
	numAccepted
)

// NormalizeTracking is the form numbers are compared and stored in: white space, dashes
// and zero-width characters removed, full-width letters and digits (as typed with a
// Chinese input method) made ASCII, letters upper case.
func NormalizeTracking(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), r == '-', r >= 0x2010 && r <= 0x2015, r == 0x2212, r == 0xFF0D,
			r == 0x200B, r == 0x200C, r == 0x200D, r == 0x2060, r == 0xFEFF:
			continue
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			r -= 0xFEE0
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Validate checks a number against the carrier's formats and returns it normalised. The
// error says why it is refused ("S10 check digit should be 7, got 2"); the normalised
// number comes back with it, for an operator who overrides the refusal with a reason.
// "other" takes any printable number.
func (c Carrier) Validate(number string) (string, error) {
	n := NormalizeTracking(number)
	if n == "" {
		return "", errors.New("tracking number is empty")
	}
	if len(n) > maxTrackingLen {
		return n, fmt.Errorf("tracking number is %d characters long; no carrier's is longer than %d", len(n), maxTrackingLen)
	}
	for _, r := range n {
		if !unicode.IsPrint(r) {
			return n, errors.New("tracking number contains a control character")
		}
	}
	if len(c.formats) == 0 {
		return n, nil
	}
	best, bestErr := numShapeFails, error(nil)
	for i := range c.formats {
		st, err := c.formats[i].judge(n)
		if st == numAccepted {
			return n, nil
		}
		if st > best {
			best, bestErr = st, err
		}
	}
	if bestErr != nil {
		return n, bestErr
	}
	return n, fmt.Errorf("%s is not a %s number: %s", quoteNumber(n), c.Name, c.hint)
}

// Formats are the number formats the carrier issues (none for "other").
func (c Carrier) Formats() []Format { return append([]Format(nil), c.formats...) }

// Checked reports whether the carrier's numbers are checked at all ("other"'s are not).
func (c Carrier) Checked() bool { return len(c.formats) > 0 }

// URL is the tracking page of a number, or "" when the carrier has no page per number
// (then the URL is given by hand, as for "other").
func (c Carrier) URL(number string) string {
	if c.URLTemplate == "" {
		return ""
	}
	return strings.ReplaceAll(c.URLTemplate, "{number}", url.QueryEscape(NormalizeTracking(number)))
}

// Transit is the typical time a parcel takes from country from to country to (ISO codes,
// such as the warehouse's and the consignee's). ok is false when the carrier has no
// figure for the route: an international route of a domestic-only carrier, say.
func (c Carrier) Transit(from, to string) (time.Duration, bool) {
	from, to = normCountry(from), normCountry(to)
	days := c.IntlTransitDays
	if from == to {
		days = c.TransitDays
	} else if d, ok := c.transitTo[to]; ok {
		days = d
	}
	if days <= 0 {
		return 0, false
	}
	return time.Duration(days) * 24 * time.Hour, true
}

// ExpectedArrival is shippedAt plus the typical transit time of the route; ok is false
// when the carrier has no figure for it and the operator must give the date.
func (c Carrier) ExpectedArrival(shippedAt time.Time, from, to string) (time.Time, bool) {
	d, ok := c.Transit(from, to)
	if !ok {
		return time.Time{}, false
	}
	return shippedAt.Add(d), true
}

// Validate checks a number against this one format and returns it normalised.
func (f Format) Validate(number string) (string, error) {
	n := NormalizeTracking(number)
	st, err := f.judge(n)
	switch {
	case st == numAccepted:
		return n, nil
	case err != nil:
		return n, err
	default:
		return n, fmt.Errorf("%s is not a %s number: %s", quoteNumber(n), f.Name, f.Shape)
	}
}

// judge tells how far a normalised number gets through the format's tests.
func (f *Format) judge(n string) (int, error) {
	if len(n) < f.minLen || len(n) > f.maxLen {
		return numShapeFails, nil
	}
	p, ok := f.match(n)
	if !ok {
		return numShapeFails, nil
	}
	if f.rule != nil {
		if err := f.rule(p); err != nil {
			return numRuleFails, err
		}
	}
	if f.digit != nil {
		serial := p.serial
		if f.prefix != "" && !strings.HasPrefix(serial, f.prefix) {
			serial = f.prefix + serial
		}
		if want := f.digit(serial); len(p.check) != 1 || p.check[0] != want {
			return numDigitFails, fmt.Errorf("%s check digit should be %c, got %s", f.CheckDigit, want, p.check)
		}
	}
	return numAccepted, nil
}

func (f *Format) match(n string) (numberParts, bool) {
	for _, pt := range f.patterns {
		loc := pt.re.FindStringSubmatchIndex(n)
		if loc == nil {
			continue
		}
		group := func(i int) string {
			if i < 0 || loc[2*i] < 0 {
				return ""
			}
			return n[loc[2*i]:loc[2*i+1]]
		}
		return numberParts{serial: group(pt.serial), check: group(pt.check), service: group(pt.service), country: group(pt.country)}, true
	}
	return numberParts{}, false
}

// quoteNumber quotes a number for a message, cut short if it is long.
func quoteNumber(n string) string {
	if r := []rune(n); len(r) > 40 {
		n = string(r[:40]) + "…"
	}
	return fmt.Sprintf("%q", n)
}

// Carriers is the registry in display order, "other" last.
func Carriers() []Carrier { return append([]Carrier(nil), carrierRegistry...) }

// CarrierByCode finds a carrier by its code or a common alias ("shunfeng" is sf),
// ignoring case, spaces, dashes and underscores.
func CarrierByCode(code string) (Carrier, bool) {
	i, ok := byAlias[aliasKey(code)]
	if !ok {
		return Carrier{}, false
	}
	return carrierRegistry[i], true
}

// CarrierCodes lists the codes in display order, for messages and pickers.
func CarrierCodes() []string {
	codes := make([]string, len(carrierRegistry))
	for i, c := range carrierRegistry {
		codes[i] = c.Code
	}
	return codes
}

// MatchCarriers lists, in display order, the carriers one of whose formats accepts the
// number check digit and all: the suggestions of a carrier picker.
func MatchCarriers(number string) []Carrier {
	n := NormalizeTracking(number)
	var out []Carrier
	for _, c := range carrierRegistry {
		if c.accepts(n) {
			out = append(out, c)
		}
	}
	return out
}

// DetectCarrier is the first carrier in display order that accepts the number. The
// registry lists the narrower formats first (China EMS before China Post before any
// postal operator), so the first match is the likeliest.
func DetectCarrier(number string) (Carrier, bool) {
	n := NormalizeTracking(number)
	for _, c := range carrierRegistry {
		if c.accepts(n) {
			return c, true
		}
	}
	return Carrier{}, false
}

func (c *Carrier) accepts(n string) bool {
	for i := range c.formats {
		if st, _ := c.formats[i].judge(n); st == numAccepted {
			return true
		}
	}
	return false
}

// CarrierFromURL names the carrier whose web site a tracking URL points to, such as
// http://www.ems.com.cn/english-main.jsp (ems). A kuaidi100 link names it in its com parameter.
func CarrierFromURL(u string) (Carrier, bool) {
	s := strings.TrimSpace(u)
	if s == "" {
		return Carrier{}, false
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	pu, err := url.Parse(s)
	if err != nil {
		return Carrier{}, false
	}
	host := strings.TrimSuffix(strings.ToLower(pu.Hostname()), ".")
	if host == "kuaidi100.com" || strings.HasSuffix(host, ".kuaidi100.com") {
		i, ok := byKuaidi100[strings.ToLower(pu.Query().Get("com"))]
		if !ok {
			return Carrier{}, false
		}
		return carrierRegistry[i], true
	}
	for h := host; h != ""; {
		if i, ok := byHost[h]; ok {
			return carrierRegistry[i], true
		}
		_, rest, found := strings.Cut(h, ".")
		if !found {
			break
		}
		h = rest
	}
	return Carrier{}, false
}

// The registry's lookup tables, built once from registry.
var byAlias, byHost, byKuaidi100 = func() (alias, host, k100 map[string]int) {
	alias, host, k100 = map[string]int{}, map[string]int{}, map[string]int{}
	for i, c := range carrierRegistry {
		for _, a := range append([]string{c.Code}, c.aliases...) {
			if _, dup := alias[aliasKey(a)]; dup {
				panic("carrier alias used twice: " + a)
			}
			alias[aliasKey(a)] = i
		}
		for _, h := range c.hosts {
			host[h] = i
		}
		if c.kuaidi100 != "" {
			k100[c.kuaidi100] = i
		}
	}
	return alias, host, k100
}()

func aliasKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_', '\t':
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// newFormat compiles a format's patterns, each a regular expression over the normalised
// number with the named groups serial and check (and, for S10, service and country).
func newFormat(f Format, exprs ...string) Format {
	f.minLen, f.maxLen = maxTrackingLen+1, 0
	for _, e := range exprs {
		re := regexp.MustCompile(`^(?:` + e + `)$`)
		f.patterns = append(f.patterns, formatPattern{re: re,
			serial: re.SubexpIndex("serial"), check: re.SubexpIndex("check"),
			service: re.SubexpIndex("service"), country: re.SubexpIndex("country")})
		tree, err := syntax.Parse(e, syntax.Perl)
		if err != nil {
			panic(err)
		}
		lo, hi := lenRange(tree)
		f.minLen, f.maxLen = min(f.minLen, lo), max(f.maxLen, hi)
	}
	if f.digit != nil && f.CheckDigit == "" {
		panic("format " + f.ID + " checks a digit without naming the rule")
	}
	return f
}

// lenRange is the shortest and longest byte length a pattern matches (patterns here are
// ASCII), so numbers of another length skip the regular expression.
func lenRange(re *syntax.Regexp) (lo, hi int) {
	const unbounded = maxTrackingLen + 1
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune), len(re.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1, 1
	case syntax.OpCapture:
		return lenRange(re.Sub[0])
	case syntax.OpConcat:
		for _, s := range re.Sub {
			l, h := lenRange(s)
			lo, hi = lo+l, min(hi+h, unbounded)
		}
		return lo, hi
	case syntax.OpAlternate:
		lo = unbounded
		for _, s := range re.Sub {
			l, h := lenRange(s)
			lo, hi = min(lo, l), max(hi, h)
		}
		return lo, hi
	case syntax.OpQuest:
		_, h := lenRange(re.Sub[0])
		return 0, h
	case syntax.OpStar:
		return 0, unbounded
	case syntax.OpPlus:
		l, _ := lenRange(re.Sub[0])
		return l, unbounded
	case syntax.OpRepeat:
		l, h := lenRange(re.Sub[0])
		if re.Max < 0 {
			return l * re.Min, unbounded
		}
		return l * re.Min, min(h*re.Max, unbounded)
	default: // anchors, word boundaries, empty match
		return 0, 0
	}
}
