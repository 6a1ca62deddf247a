package domain

import "strings"

// isoCountries is every ISO 3166-1 alpha-2 country code. UPU S10 numbers end in one of
// them (the issuing postal operator's country), and transit times are keyed by them.
const isoCountries = "" +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL " +
	"BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV " +
	"CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD " +
	"GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM " +
	"IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK " +
	"LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW " +
	"MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR " +
	"PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS " +
	"ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY " +
	"UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW "

// countrySet holds isoCountries as a table indexed by the two letters.
var countrySet = func() (set [26 * 26]bool) {
	for _, c := range strings.Fields(isoCountries) {
		set[int(c[0]-'A')*26+int(c[1]-'A')] = true
	}
	return set
}()

// KnownCountry reports whether code is an ISO 3166-1 alpha-2 country code (upper case).
func KnownCountry(code string) bool {
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return false
	}
	return countrySet[int(code[0]-'A')*26+int(code[1]-'A')]
}

// normCountry upper-cases and trims a country code as operators type it.
func normCountry(c string) string { return strings.ToUpper(strings.TrimSpace(c)) }
