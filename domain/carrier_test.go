package domain

import (
	"strings"
	"testing"
	"time"
)

func mustCarrier(t testing.TB, code string) Carrier {
	t.Helper()
	c, ok := CarrierByCode(code)
	if !ok {
		t.Fatalf("no carrier %q", code)
	}
	return c
}

// Every carrier's rule with numbers it must take and numbers it must refuse, and the
// reason given. want "" means accepted; otherwise the error must contain want.
func TestCarrierValidate(t *testing.T) {
	tests := []struct {
		carrier, number, want string
	}{
		// UPU S10 (SPEC §3 rule 8). EE040293660CN is the spec's example; EB084456702CN is the
		// seed's GSPAY line, whose check digit is wrong.
		{"post", "EE040293660CN", ""},
		{"post", "RB123456785GB", ""},
		{"post", "RR000000005CN", ""}, // Σ = 0 → 11 → 5
		{"post", "EE040293660CN", ""}, // Σ = 166 ≡ 1 → 10 → 0
		{"post", "ee 040 293 660 cn", ""},
		{"post", "EB084456702CN", "S10 check digit should be 7, got 2"},
		{"post", "RR000000000CN", "S10 check digit should be 5, got 0"},
		{"post", "EE040293665CN", "S10 check digit should be 0, got 5"},
		{"post", "RB123456785XX", "XX is not a country"},
		{"post", "RB12345678GB", `"RB12345678GB" is not a International post (UPU S10) number`},
		{"ems", "EE040293660CN", ""},
		{"ems", "EB084456702CN", "S10 check digit should be 7, got 2"},
		{"ems", "RR000000005CN", "China EMS numbers start with E, got RR"},
		{"ems", "EE040293660US", "China EMS S10 numbers end in CN, got US"}, // the check digit doesn't cover the country
		{"chinapost", "RR000000005CN", ""},
		{"chinapost", "RB123456785GB", "China Post S10 numbers end in CN, got GB"},
		{"russianpost", "RA123456785RU", ""},
		{"russianpost", "RA123456785CN", "Russian Post S10 numbers end in RU, got CN"},
		{"russianpost", "RA123456784RU", "S10 check digit should be 5, got 4"},

		// Russian Post domestic: 14 digits, odd positions ×3. Published numbers.
		{"russianpost", "14102059104821", ""},
		{"russianpost", "80102367216110", ""},
		{"russianpost", "1410 2059 1048 21", ""},
		{"russianpost", "14102059104820", "Russian Post check digit should be 1, got 0"},
		{"russianpost", "80102367216111", "Russian Post check digit should be 0, got 1"},
		{"russianpost", "1410205910482", "is not a Russian Post number: Russian Post numbers are 14 digits"},

		// UPS 1Z and waybills (mod 10, odd positions ×2, letters as (code − 3) mod 10).
		{"ups", "1Z5R89390357567127", ""},
		{"ups", "1z 879e 9303 4683 4440", ""},
		{"ups", "1ZXX3150YW44070023", ""},
		{"ups", "1Z5R89390357567128", "UPS check digit should be 7, got 8"},
		{"ups", "1Z1111111111111111", "UPS check digit should be 8, got 1"},
		{"ups", "2Z5R89390357567127", "UPS numbers start with 1Z and have 18 characters"},
		{"ups", "1Z5R8939035756712", "UPS numbers start with 1Z and have 18 characters"},
		{"ups", "K1506235620", ""},
		{"ups", "K1506235622", "UPS waybill check digit should be 0, got 2"},

		// FedEx.
		{"fedex", "986578788855", ""},
		{"fedex", "996578788855", "FedEx Express check digit"},
		{"fedex", "1001901781990001000300617767839437", ""},
		{"fedex", "1001901781990001000300617767839438", "FedEx Express check digit should be 7, got 8"},
		{"fedex", "5682 8361 0012 734", ""},
		{"fedex", "5682 8361 0012 732", "FedEx Ground check digit should be 4, got 2"},
		{"fedex", "00 0123 4500 0000 0027", ""},
		{"fedex", "000123450000000028", "SSCC check digit should be 7, got 8"},
		{"fedex", "9611020987654312345672", ""},
		{"fedex", "9611020987654312345673", "FedEx Ground check digit should be 2, got 3"},
		{"fedex", "12345", "FedEx numbers are 12 digits"},

		// USPS.
		{"usps", "9400 1112 0108 0805 4830 16", ""},
		{"usps", "420787459400111206206406260787", ""},
		{"usps", "9434611206206407667131", "USPS check digit"},
		{"usps", "0307 1790 0005 2348 3741", ""},
		{"usps", "0307 1790 0005 2348 3742", "USPS check digit should be 1, got 2"},
		{"usps", "7196 9010 7560 0307 7385", ""},

		// DHL Express: mod 7.
		{"dhl", "3318810025", ""},
		{"dhl", "73891051146", ""},
		{"dhl", "3318810010", "DHL check digit should be 4, got 0"},
		{"dhl", "JJD0099999999", ""},
		{"dhl", "GMABCDEFGHIJKL", "DHL eCommerce numbers have digits after the prefix"},

		// DPD: ISO 7064 MOD 37,36, the check may be a letter.
		{"dpd", "0081 827 0998 0000 0200 45 327 276 N", ""},
		{"dpd", "008182709980000020033350276A", "DPD check digit should be C, got A"},
		{"dpd", "0998 0000 0200 34D", ""},

		// Luhn (Old Dominion, Purolator).
		{"odfl", "07209562763", ""},
		{"odfl", "07209562773", "Luhn check digit should be 1, got 3"},
		{"odfl", "79927398713", "Old Dominion PRO numbers are 11 digits"},
		{"purolator", "320595463938", ""},
		{"purolator", "320595463939", "Luhn check digit should be 8, got 9"},

		// Canada Post and OnTrac (mod 10 variants).
		{"canadapost", "0073938000549297", ""},
		{"canadapost", "0073938000549292", "Canada Post check digit should be 7, got 2"},
		{"ontrac", "C11031500001879", ""},
		{"ontrac", "C11031500001889", "OnTrac check digit should be 7, got 9"},
		{"ontrac", "D10011354453707", ""},

		// Chinese domestic carriers publish no check digit: the shape is checked. The
		// examples are numbers printed in public sources (JD, Yunda, STO, YTO, China Post)
		// or the carriers' documented shapes (SF, ZTO).
		{"sf", "SF1234567890123", ""},
		{"sf", "sf 1234 5678 9012 3", ""},
		{"sf", "123456789012", ""},
		{"sf", "SF123456789012", "SF numbers are SF and 13 digits"},
		{"sf", "SX1234567890123", "is not a SF Express number"},
		{"yto", "YT1234567890123", ""},
		{"yto", "882456690862029473", ""},
		{"yto", "YT123456789012", "YTO numbers are YT and 13 digits"},
		{"zto", "75123456789012", ""},
		{"zto", "78912345678901", ""},
		{"zto", "71123456789012", "ZTO numbers are 14 digits starting 73–78"},
		{"sto", "77316523125896", ""},
		{"sto", "773415850905356", ""},
		{"sto", "66316523125896", "STO numbers are 13 to 15 digits starting 77"},
		{"yunda", "462598779470531", ""},
		{"yunda", "4304678557725", ""},
		{"yunda", "562598779470531", "Yunda numbers are 15 digits starting 3 or 4"},
		{"jd", "JDVA11408814483", ""},
		{"jd", "JDX000123456789", ""},
		{"jd", "JD11408814483", "JD numbers are JD"},
		{"chinapost", "1240921381750", ""},
		{"chinapost", "9790123456789", ""},
		{"chinapost", "5240921381750", "domestic parcels are 13 digits starting 1 or 9"},
		{"ems", "1151234567890", ""},
		{"ems", "2151234567890", "domestic ones are 13 digits"},

		// Test-data carriers without check digits.
		{"amazon", "TBA502887274000", ""},
		{"amazon", "TBB000000000000", "Amazon numbers are TBA"},
		{"yunexpress", "YT2229521272164446", ""},
		{"yunexpress", "YT222952127216444", "YunExpress numbers are YT and 16 digits"},
		{"yodel", "JD0002242617644732", ""},
		{"landmark", "LTN74207623N1", ""},
		{"lasership", "1LS7119013618127-1", ""},
		{"lasership", "1LS7119013618127-2", "LaserShip numbers"},
		{"gofo", "GFUS01011884214464", ""},
		{"canpar", "D576002440000001718010", ""},
		{"speedee", "SP029692510000920746", ""},

		// other: no format, but still a number.
		{"other", "ANYTHING-123/45", ""},
		{"other", "", "tracking number is empty"},
		{"other", "AB\x01CD", "control character"},
		{"ups", "   ", "tracking number is empty"},
		{"ups", strings.Repeat("1", 70), "70 characters long"},
	}
	for _, tt := range tests {
		_, err := mustCarrier(t, tt.carrier).Validate(tt.number)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s %q: refused: %v", tt.carrier, tt.number, err)
		case tt.want != "" && err == nil:
			t.Errorf("%s %q: accepted, want refusal %q", tt.carrier, tt.number, tt.want)
		case tt.want != "" && !strings.Contains(err.Error(), tt.want):
			t.Errorf("%s %q: %v, want it to say %q", tt.carrier, tt.number, err, tt.want)
		}
	}
}

func TestValidateReturnsNormalised(t *testing.T) {
	n, err := mustCarrier(t, "ems").Validate(" eb 084-456-702 cn\t")
	if n != "EB084456702CN" || err == nil {
		t.Fatalf("Validate = %q, %v; want the normalised number and the check-digit refusal", n, err)
	}
	n, err = mustCarrier(t, "other").Validate("ab-12 c")
	if n != "AB12C" || err != nil {
		t.Fatalf("other: %q, %v", n, err)
	}
}

// Each check-digit rule on its own, against values worked by hand or published.
func TestCheckDigitRules(t *testing.T) {
	tests := []struct {
		name   string
		rule   func(string) byte
		serial string
		want   byte
	}{
		{"s10 worked example", s10Check, "41034224", '9'},
		{"s10 remainder 0 → 5", s10Check, "00000000", '5'},
		{"s10 remainder 1 → 0", s10Check, "04029366", '0'},
		{"s10 seed line", s10Check, "08445670", '7'},
		{"russian post", ruPostCheck, "1410205910482", '1'},
		{"russian post", ruPostCheck, "8010236721611", '0'},
		{"luhn classic", luhnCheck, "7992739871", '3'},
		{"luhn", luhnCheck, "0720956276", '3'},
		{"mod7", mod7Check, "331881002", '5'},
		{"mod7", mod7Check, "7389105114", '6'},
		{"ups", mod10(1, 2, false), "5R8939035756712", '7'},
		{"ups letters", mod10(1, 2, false), "XX3150YW4407002", '3'},
		{"usps reversed", mod10(3, 1, true), "940011120620640626078", '7'},
		{"sscc gs1", mod10(3, 1, true), "00012345000000002", '7'},
		{"fedex express", weightedMod(fedexExpressWeights, 11, 10), "98657878885", '5'},
		{"dpd letter", mod3736Check, "008182709980000020033350276", 'C'},
		{"dpd letter", mod3736Check, "09980000020033", 'F'},
		{"dpd letter", mod3736Check, "09980000020034", 'D'},
	}
	for _, tt := range tests {
		if got := tt.rule(tt.serial); got != tt.want {
			t.Errorf("%s(%s) = %c, want %c", tt.name, tt.serial, got, tt.want)
		}
	}
}

// Changing any one digit of a number with a check digit must be caught (single-digit
// errors are what these rules exist for), for every checked format's example.
func TestCheckDigitCatchesSingleDigitErrors(t *testing.T) {
	for _, c := range Carriers() {
		for _, f := range c.Formats() {
			if f.CheckDigit == "" {
				continue
			}
			p, ok := f.match(f.Example)
			if !ok {
				t.Fatalf("%s: example %s does not match", f.ID, f.Example)
			}
			want := f.digit(f.prefix + strings.TrimPrefix(p.serial, f.prefix))
			for d := byte('0'); d <= '9'; d++ {
				if d == want {
					continue
				}
				bad := strings.Replace(f.Example, p.serial+p.check, p.serial+string(d), 1)
				if bad == f.Example {
					t.Fatalf("%s: cannot place the check digit of %s", f.ID, f.Example)
				}
				if _, err := f.Validate(bad); err == nil {
					t.Errorf("%s: %s with check digit %c accepted", f.ID, bad, d)
				}
			}
		}
	}
}

func TestRegistry(t *testing.T) {
	cs := Carriers()
	if cs[len(cs)-1].Code != "other" {
		t.Fatalf("last carrier is %s, want other", cs[len(cs)-1].Code)
	}
	required := []string{"post", "ems", "chinapost", "russianpost", "sf", "yto", "zto", "sto", "yunda", "jd",
		"ups", "fedex", "usps", "dhl", "amazon", "canadapost", "canpar", "dpd", "gofo", "landmark", "lasership",
		"odfl", "ontrac", "purolator", "speedee", "yodel", "yunexpress", "other"}
	for _, code := range required {
		mustCarrier(t, code)
	}
	codes, ids := map[string]bool{}, map[string]bool{}
	for _, c := range cs {
		if c.Code != strings.ToLower(c.Code) || c.Code == "" || codes[c.Code] {
			t.Errorf("code %q: empty, not lower case or repeated", c.Code)
		}
		codes[c.Code] = true
		if c.Code == "other" {
			if c.Checked() || c.URL("X1") != "" {
				t.Errorf("other must check nothing and derive no URL")
			}
			continue
		}
		if c.Name == "" || c.hint == "" || c.URLTemplate == "" || len(c.formats) == 0 {
			t.Errorf("%s: name, hint, URL template and formats are all needed", c.Code)
		}
		for _, f := range c.Formats() {
			if ids[f.ID] {
				t.Errorf("format id %s repeated", f.ID)
			}
			ids[f.ID] = true
			if f.Name == "" || f.Shape == "" {
				t.Errorf("%s: format without name or shape", f.ID)
			}
			if n, err := f.Validate(f.Example); err != nil || n != f.Example {
				t.Errorf("%s: example %s: %q, %v", f.ID, f.Example, n, err)
			}
			if _, err := c.Validate(f.Example); err != nil {
				t.Errorf("%s: carrier refuses its own example %s: %v", c.Code, f.Example, err)
			}
			if len(f.Example) < f.minLen || len(f.Example) > f.maxLen {
				t.Errorf("%s: example length %d outside [%d,%d]", f.ID, len(f.Example), f.minLen, f.maxLen)
			}
		}
	}
}

func TestCarrierByCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ems", "ems"}, {" EMS ", "ems"}, {"Shunfeng", "sf"}, {"canada_post", "canadapost"},
		{"Old-Dominion", "odfl"}, {"UPU", "post"}, {"jingdong", "jd"}, {"Russian Post", "russianpost"},
		{"pochta", "russianpost"}, {"nope", ""}, {"", ""},
	}
	for _, tt := range tests {
		c, ok := CarrierByCode(tt.in)
		if got := map[bool]string{true: c.Code, false: ""}[ok]; got != tt.want {
			t.Errorf("CarrierByCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeTracking(t *testing.T) {
	tests := []struct{ in, want string }{
		{"EE040293660CN", "EE040293660CN"},
		{" ee 040-293\t660 cn\r\n", "EE040293660CN"},
		{"ＥＥ０４０２９３６６０ＣＮ", "EE040293660CN"}, // full width, as a Chinese input method types it
		{"\ufeff1Z\u200b5R8939\u00a00357567127", "1Z5R89390357567127"},
		{"1Z–5R89—3903", "1Z5R893903"},
		{"", ""},
		{"абв", "абв"}, // not ours to translate; validation refuses it
	}
	for _, tt := range tests {
		if got := NormalizeTracking(tt.in); got != tt.want {
			t.Errorf("NormalizeTracking(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCarrierURL(t *testing.T) {
	if got := mustCarrier(t, "ups").URL("1z5r 8939 0357 5671 27"); got != "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z5R89390357567127" {
		t.Errorf("ups URL = %s", got)
	}
	if got := mustCarrier(t, "russianpost").URL("14102059104821"); got != "https://www.pochta.ru/tracking?barcode=14102059104821" {
		t.Errorf("russianpost URL = %s", got)
	}
	if got := mustCarrier(t, "ems").URL("EE040293660CN"); got != "http://www.ems.com.cn/english-main.jsp" {
		t.Errorf("ems URL = %s (the page GSPAY links to)", got)
	}
	if got := mustCarrier(t, "other").URL("X"); got != "" {
		t.Errorf("other URL = %q", got)
	}
	// Every derived URL names its carrier again, but for the site that tracks any post.
	for _, c := range Carriers() {
		if c.URLTemplate == "" {
			continue
		}
		if c.Code == "post" {
			if back, ok := CarrierFromURL(c.URL("RB123456785GB")); ok {
				t.Errorf("a 17track URL names %s; it tracks every carrier", back.Code)
			}
			continue
		}
		u := c.URL(c.formats[0].Example)
		if back, ok := CarrierFromURL(u); !ok || back.Code != c.Code {
			t.Errorf("%s: CarrierFromURL(%s) = %s, %v", c.Code, u, back.Code, ok)
		}
	}
}

func TestCarrierFromURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://www.ems.com.cn/english-main.jsp", "ems"},
		{"  HTTP://WWW.EMS.COM.CN/english-main.jsp ", "ems"},
		{"www.fedex.com/fedextrack/?trknbr=1", "fedex"},
		{"https://wwwapps.ups.com/WebTracking/track?trackNums=1Z", "ups"},
		{"https://www.kuaidi100.com/chaxun?com=yuantong&nu=YT1", "yto"},
		{"https://www.kuaidi100.com/chaxun?com=nobody&nu=1", ""},
		{"https://www.pochta.ru/tracking#14102059104821", "russianpost"},
		{"https://www.ems.com.cn.example.org/", ""},
		{"https://notups.com/", ""},
		{"https://example.com/?u=ups.com", ""},
		{"", ""},
		{"::::", ""},
	}
	for _, tt := range tests {
		c, ok := CarrierFromURL(tt.in)
		if got := map[bool]string{true: c.Code, false: ""}[ok]; got != tt.want {
			t.Errorf("CarrierFromURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMatchCarriers(t *testing.T) {
	codes := func(cs []Carrier) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.Code)
		}
		return strings.Join(s, ",")
	}
	tests := []struct{ number, want string }{
		{"EE040293660CN", "ems,chinapost,post"},
		{"RA123456785RU", "russianpost,post"},
		{"RB123456785GB", "post"},
		{"1Z5R89390357567127", "ups"},
		{"EB084456702CN", ""},
		{"14102059104821", "russianpost,dhl"}, // DHL eCommerce 14 has no check digit
		{"JDVA11408814483", "jd"},
		{"SF1234567890123", "sf"},
		{"hello", ""},
	}
	for _, tt := range tests {
		if got := codes(MatchCarriers(tt.number)); got != tt.want {
			t.Errorf("MatchCarriers(%s) = %s, want %s", tt.number, got, tt.want)
		}
		c, ok := DetectCarrier(tt.number)
		first, _, _ := strings.Cut(tt.want, ",")
		if got := map[bool]string{true: c.Code, false: ""}[ok]; got != first {
			t.Errorf("DetectCarrier(%s) = %s, want %s", tt.number, got, first)
		}
	}
}

func TestTransit(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		carrier, from, to string
		want              time.Duration
		ok                bool
	}{
		{"ems", "CN", "CN", 3 * day, true},
		{"ems", "cn", "ru", 14 * day, true}, // per-destination figure
		{"ems", "CN", "FR", 10 * day, true}, // the international default
		{"yto", "CN", "CN", 3 * day, true},
		{"yto", "CN", "US", 0, false}, // domestic only: no default abroad
		{"yunexpress", "CN", "US", 10 * day, true},
		{"yunexpress", "CN", "CN", 0, false},
		{"russianpost", "RU", "RU", 7 * day, true},
		{"russianpost", "RU", "BY", 10 * day, true},
		{"other", "CN", "CN", 0, false},
	}
	for _, tt := range tests {
		got, ok := mustCarrier(t, tt.carrier).Transit(tt.from, tt.to)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s.Transit(%s, %s) = %v, %v; want %v, %v", tt.carrier, tt.from, tt.to, got, ok, tt.want, tt.ok)
		}
	}
	shipped := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	if eta, ok := mustCarrier(t, "ems").ExpectedArrival(shipped, "CN", "RU"); !ok || !eta.Equal(shipped.Add(14*day)) {
		t.Errorf("ExpectedArrival = %v, %v", eta, ok)
	}
	if _, ok := mustCarrier(t, "zto").ExpectedArrival(shipped, "CN", "RU"); ok {
		t.Errorf("zto abroad has no expected arrival")
	}
}

func TestKnownCountry(t *testing.T) {
	for _, c := range []string{"CN", "RU", "US", "GB", "HK", "ZW", "AD"} {
		if !KnownCountry(c) {
			t.Errorf("%s should be a country", c)
		}
	}
	for _, c := range []string{"XX", "UK", "cn", "C", "CNN", "", "Z1"} {
		if KnownCountry(c) {
			t.Errorf("%s should not be a country", c)
		}
	}
}

func BenchmarkCarrierValidate(b *testing.B) {
	ems := mustCarrier(b, "ems")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ems.Validate("EE040293660CN"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatchCarriers(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		MatchCarriers("1Z5R89390357567127")
	}
}
