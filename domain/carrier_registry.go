package domain

import "fmt"

// The number formats. Patterns apply to the normalised number (NormalizeTracking), so
// they carry none of the white space the published patterns allow between characters,
// and they are anchored at both ends. Where a published pattern used look-ahead (which
// Go's regular expressions lack), its alternatives are spelled out instead.
//
// Where a carrier publishes a check digit it is checked. The Chinese domestic carriers
// (SF, YTO, ZTO, STO, Yunda, JD, China Post and EMS domestic numbers) publish none, so
// their formats check the shape only.

// s10Format is the UPU S10 identifier: 2 letters (service), 8 digits, a check digit, and the
// issuing country's ISO code. service and country narrow it to one operator ("" = any).
func s10Format(id, name, who, service, country string) Format {
	example := "RB123456785GB"
	switch {
	case country == "CN" && service == "E":
		example = "EE040293660CN"
	case country == "CN":
		example = "RR123456785CN"
	case country == "RU":
		example = "RA123456785RU"
	}
	shape := "2 letters, 8 digits, a check digit and the 2-letter country (" + example + ")"
	return newFormat(Format{ID: id, Name: name, Shape: shape, Example: example, CheckDigit: "S10", digit: s10Check,
		rule: func(p numberParts) error {
			if !KnownCountry(p.country) {
				return fmt.Errorf("S10 numbers end in the issuing country's code; %s is not a country", p.country)
			}
			if service != "" && p.service[:1] != service {
				return fmt.Errorf("%s numbers start with %s, got %s", who, service, p.service)
			}
			if country != "" && p.country != country {
				return fmt.Errorf("%s S10 numbers end in %s, got %s", who, country, p.country)
			}
			return nil
		}},
		`(?P<service>[A-Z]{2})(?P<serial>[0-9]{8})(?P<check>[0-9])(?P<country>[A-Z]{2})`)
}

var (
	fedexExpressWeights = []int{3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1}
	fedexLongWeights    = []int{1, 7, 3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1}
)

// USPS Intelligent Mail package barcodes: the application identifier and service type,
// then a 9-digit mailer ID starting with 9 or a 6-digit one starting 0–8, the package
// number, and the check digit; optionally preceded by 420 and a 5- or 9-digit ZIP code.
// The published pattern fixes the lengths with look-ahead; here they are listed.
const (
	// 94: 22, 26 or 30 digits.
	impbN22 = `94[0-9]{3}(?:9[0-9]{8}[0-9]{7}|[0-8][0-9]{5}[0-9]{10})`
	impbN26 = `94[0-9]{3}(?:9[0-9]{8}[0-9]{11}|[0-8][0-9]{5}[0-9]{14})`
	impbN30 = `94[0-9]{3}9[0-9]{8}[0-9]{15}`
	// 92 (9-digit mailer), 93 (6-digit mailer) or 95 (either): 22 or 26 digits.
	impbC22 = `(?:92[0-9]{3}9[0-9]{8}[0-9]{7}|93[0-9]{3}[0-8][0-9]{5}[0-9]{10}|95[0-9]{3}(?:9[0-9]{8}[0-9]{7}|[0-8][0-9]{5}[0-9]{10}))`
	impbC26 = `(?:92[0-9]{3}9[0-9]{8}[0-9]{11}|93[0-9]{3}[0-8][0-9]{5}[0-9]{14}|95[0-9]{3}(?:9[0-9]{8}[0-9]{11}|[0-8][0-9]{5}[0-9]{14}))`
)

// carrierRegistry is every carrier in display order: Chinese and Russian carriers first (the
// warehouses this console serves), then international and North American ones, "other" last.
var carrierRegistry = []Carrier{
	{
		Code: "ems", Name: "China EMS",
		// The page GSPAY itself links to (seed 000): it takes the number in a form.
		URLTemplate: "http://www.ems.com.cn/english-main.jsp",
		TransitDays: 3, IntlTransitDays: 10,
		transitTo: map[string]int{"RU": 14, "US": 8, "GB": 8, "JP": 4, "KR": 4, "AU": 8},
		hint:      "international EMS numbers are E, a letter, 8 digits, a check digit and CN (EE040293660CN); domestic ones are 13 digits",
		aliases:   []string{"chinaems", "emscn"}, hosts: []string{"ems.com.cn", "11183.com.cn"}, kuaidi100: "ems",
		formats: []Format{
			s10Format("ems_s10", "EMS (S10)", "China EMS", "E", "CN"),
			newFormat(Format{ID: "ems_domestic", Name: "EMS domestic", Example: "1151234567890",
				Shape: "13 digits starting 10–19, 50, 51 or 95–99"},
				`(?:1[0-9]|5[01]|9[5-9])[0-9]{11}`),
		},
	},
	{
		Code: "chinapost", Name: "China Post",
		URLTemplate: "https://www.kuaidi100.com/chaxun?com=youzhengguonei&nu={number}",
		TransitDays: 5, IntlTransitDays: 20,
		transitTo: map[string]int{"RU": 25, "US": 15, "JP": 10, "KR": 10},
		hint:      "international numbers are 2 letters, 8 digits, a check digit and CN (RR123456785CN); domestic parcels are 13 digits starting 1 or 9",
		aliases:   []string{"cnpost", "youzheng", "youzhengguonei", "chinapostparcel"},
		hosts:     []string{"chinapost.com.cn", "11185.cn"}, kuaidi100: "youzhengguonei",
		formats: []Format{
			s10Format("chinapost_s10", "China Post (S10)", "China Post", "", "CN"),
			newFormat(Format{ID: "chinapost_domestic", Name: "China Post parcel", Example: "1240921381750",
				Shape: "13 digits starting 1 or 9"},
				`[19][0-9]{12}`),
		},
	},
	{
		Code: "sf", Name: "SF Express",
		URLTemplate: "https://www.sf-express.com/we/ow/chn/sc/waybill/waybill-detail/{number}",
		TransitDays: 2, IntlTransitDays: 6,
		hint:    "SF numbers are SF and 13 digits (SF1234567890123), or 12 digits on older waybills",
		aliases: []string{"shunfeng", "sfexpress"}, hosts: []string{"sf-express.com", "sf-international.com"}, kuaidi100: "shunfeng",
		formats: []Format{
			newFormat(Format{ID: "sf", Name: "SF Express", Example: "SF1234567890123", Shape: "SF and 13 digits"},
				`SF[0-9]{13}`),
			newFormat(Format{ID: "sf_12", Name: "SF Express (12 digits)", Example: "123456789012", Shape: "12 digits"},
				`[0-9]{12}`),
		},
	},
	{
		Code: "yto", Name: "YTO Express",
		URLTemplate: "https://www.kuaidi100.com/chaxun?com=yuantong&nu={number}",
		TransitDays: 3,
		hint:        "YTO numbers are YT and 13 digits (YT1234567890123), or 18 digits starting 88",
		aliases:     []string{"yuantong", "ytoexpress"}, hosts: []string{"yto.net.cn"}, kuaidi100: "yuantong",
		formats: []Format{
			newFormat(Format{ID: "yto", Name: "YTO Express", Example: "YT1234567890123", Shape: "YT and 13 digits"},
				`YT[0-9]{13}`),
			newFormat(Format{ID: "yto_18", Name: "YTO Express (18 digits)", Example: "882456690862029473", Shape: "18 digits starting 88"},
				`88[0-9]{16}`),
		},
	},
	{
		Code: "zto", Name: "ZTO Express",
		URLTemplate: "https://www.kuaidi100.com/chaxun?com=zhongtong&nu={number}",
		TransitDays: 3,
		hint:        "ZTO numbers are 14 digits starting 73–78 (75123456789012), or 12 digits on older waybills",
		aliases:     []string{"zhongtong", "ztoexpress"}, hosts: []string{"zto.com"}, kuaidi100: "zhongtong",
		formats: []Format{
			newFormat(Format{ID: "zto", Name: "ZTO Express", Example: "75123456789012", Shape: "14 digits starting 73–78"},
				`7[3-8][0-9]{12}`),
			newFormat(Format{ID: "zto_12", Name: "ZTO Express (12 digits)", Example: "123456789012", Shape: "12 digits"},
				`[0-9]{12}`),
		},
	},
	{
		Code: "sto", Name: "STO Express",
		URLTemplate: "https://www.kuaidi100.com/chaxun?com=shentong&nu={number}",
		TransitDays: 3,
		hint:        "STO numbers are 13 to 15 digits starting 77 (773123456789012), or 12 digits starting 268, 368 … 968",
		aliases:     []string{"shentong", "stoexpress"}, hosts: []string{"sto.cn"}, kuaidi100: "shentong",
		formats: []Format{
			newFormat(Format{ID: "sto", Name: "STO Express", Example: "773123456789012", Shape: "13 to 15 digits starting 77"},
				`77[0-9]{11,13}`),
			newFormat(Format{ID: "sto_12", Name: "STO Express (12 digits)", Example: "268123456789", Shape: "12 digits starting 268, 368 … 968"},
				`[2-9]68[0-9]{9}`),
		},
	},
	{
		Code: "yunda", Name: "Yunda Express",
		URLTemplate: "https://www.kuaidi100.com/chaxun?com=yunda&nu={number}",
		TransitDays: 3,
		hint:        "Yunda numbers are 15 digits starting 3 or 4 (432123456789012), or 13 digits starting 1–5",
		aliases:     []string{"yundaex", "yundaexpress"}, hosts: []string{"yundaex.com"}, kuaidi100: "yunda",
		formats: []Format{
			newFormat(Format{ID: "yunda", Name: "Yunda Express", Example: "462598779470531", Shape: "15 digits starting 3 or 4"},
				`[34][0-9]{14}`),
			newFormat(Format{ID: "yunda_13", Name: "Yunda Express (13 digits)", Example: "4304678557725", Shape: "13 digits starting 1–5"},
				`[1-5][0-9]{12}`),
		},
	},
	{
		Code: "jd", Name: "JD Logistics",
		URLTemplate: "https://www.kuaidi100.com/chaxun?com=jd&nu={number}",
		TransitDays: 2,
		hint:        "JD numbers are JD, 2 letters or digits and 11 digits (JDVA11408814483)",
		aliases:     []string{"jdl", "jingdong", "jdlogistics", "jdexpress"}, hosts: []string{"jdl.com", "jdl.cn"}, kuaidi100: "jd",
		formats: []Format{
			newFormat(Format{ID: "jd", Name: "JD Logistics", Example: "JDVA11408814483", Shape: "JD, 2 letters or digits, 11 digits"},
				`JD[0-9A-Z]{2}[0-9]{11}`),
		},
	},
	{
		Code: "russianpost", Name: "Russian Post",
		URLTemplate: "https://www.pochta.ru/tracking?barcode={number}",
		TransitDays: 7, IntlTransitDays: 20,
		transitTo: map[string]int{"BY": 10, "KZ": 12, "CN": 25},
		hint:      "Russian Post numbers are 14 digits (domestic) or 2 letters, 8 digits, a check digit and RU (RA123456785RU)",
		aliases:   []string{"pochta", "pochtarossii", "rupost"}, hosts: []string{"pochta.ru", "russianpost.ru"},
		formats: []Format{
			newFormat(Format{ID: "russianpost_domestic", Name: "Russian Post domestic", Example: "14102059104821",
				Shape: "14 digits: post office index, month, item number, check digit", CheckDigit: "Russian Post", digit: ruPostCheck},
				`(?P<serial>[0-9]{13})(?P<check>[0-9])`),
			s10Format("russianpost_s10", "Russian Post (S10)", "Russian Post", "", "RU"),
		},
	},
	{
		Code: "post", Name: "International post (UPU S10)",
		// A tracking site for every postal operator: its URLs name no carrier.
		URLTemplate: "https://t.17track.net/en#nums={number}",
		TransitDays: 7, IntlTransitDays: 20,
		hint:    "postal numbers are 2 letters, 8 digits, a check digit and the 2-letter country (RB123456785GB)",
		aliases: []string{"upu", "s10", "intlpost", "postal"},
		formats: []Format{s10Format("s10", "S10", "UPU S10", "", "")},
	},
	{
		Code: "ups", Name: "UPS",
		URLTemplate: "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums={number}",
		TransitDays: 3, IntlTransitDays: 5,
		hint:    "UPS numbers start with 1Z and have 18 characters; waybills are A, H, J, K, T or V and 10 digits",
		aliases: []string{"unitedparcelservice"}, hosts: []string{"ups.com"}, kuaidi100: "ups",
		formats: []Format{
			newFormat(Format{ID: "ups", Name: "UPS 1Z", Example: "1Z5R89390357567127",
				Shape: "1Z, 15 letters or digits, a check digit (18 characters)", CheckDigit: "UPS", digit: mod10(1, 2, false)},
				`1Z(?P<serial>[0-9A-Z]{15})(?P<check>[0-9])`),
			newFormat(Format{ID: "ups_waybill", Name: "UPS waybill", Example: "K1506235620",
				Shape: "A, H, J, K, T or V, 9 digits, a check digit", CheckDigit: "UPS waybill", digit: mod10(1, 2, false)},
				`[AHJKTV](?P<serial>[0-9]{9})(?P<check>[0-9])`),
		},
	},
	{
		Code: "fedex", Name: "FedEx",
		URLTemplate: "https://www.fedex.com/apps/fedextrack/?tracknumbers={number}",
		TransitDays: 3, IntlTransitDays: 5,
		hint:    "FedEx numbers are 12 digits (Express), 15, 20, 22 or 34 digits (Ground) or 32 digits (ASTRA)",
		aliases: []string{"federalexpress"}, hosts: []string{"fedex.com"}, kuaidi100: "fedex",
		formats: []Format{
			newFormat(Format{ID: "fedex_12", Name: "FedEx Express (12)", Example: "986578788855",
				Shape: "12 digits", CheckDigit: "FedEx Express", digit: weightedMod(fedexExpressWeights, 11, 10)},
				`(?P<serial>[0-9]{11})(?P<check>[0-9])`),
			newFormat(Format{ID: "fedex_34", Name: "FedEx Express (34)", Example: "1001921334250001000300779017972697",
				Shape: "34 digits, the first 0–8", CheckDigit: "FedEx Express", digit: weightedMod(fedexLongWeights, 11, 10)},
				`[0-8][0-9]{14}[0-9]{5}(?P<serial>[0-9]{13})(?P<check>[0-9])`),
			newFormat(Format{ID: "fedex_astra_32", Name: "FedEx ASTRA (32)", Example: "32971514560102447849175802862014",
				Shape: "32 digits starting 3", CheckDigit: "FedEx ASTRA", digit: weightedMod(fedexExpressWeights, 11, 10)},
				`3[0-9]{15}(?P<serial>[0-9]{11})(?P<check>[0-9])[0-9]{4}`),
			newFormat(Format{ID: "fedex_ground", Name: "FedEx Ground (15)", Example: "041441760228964",
				Shape: "15 digits", CheckDigit: "FedEx Ground", digit: mod10(1, 3, false)},
				`(?P<serial>[0-9]{14})(?P<check>[0-9])`),
			// SSCC-18: GS1's modulus 10 over all 17 data digits, as the GS1 standard defines it.
			newFormat(Format{ID: "fedex_ground_sscc_18", Name: "FedEx Ground (SSCC-18)", Example: "000123450000000027",
				Shape: "18 digits (SSCC)", CheckDigit: "SSCC", digit: mod10(3, 1, true)},
				`(?P<serial>[0-9]{17})(?P<check>[0-9])`),
			newFormat(Format{ID: "fedex_ground_96", Name: "FedEx Ground 96 (22)", Example: "9611020987654312345672",
				Shape: "22 digits starting 96", CheckDigit: "FedEx Ground", digit: mod10(1, 3, false)},
				`96[0-9]{2}[0-9]{3}(?P<serial>[0-9]{14})(?P<check>[0-9])`),
			newFormat(Format{ID: "fedex_ground_gsn", Name: "FedEx Ground GSN (34)", Example: "9622001900000000000000776632517510",
				Shape: "34 digits starting 96", CheckDigit: "FedEx Ground", digit: weightedMod(fedexLongWeights, 11, 10)},
				`96[0-9]{2}[0-9]{5}[0-9]{10}[0-9](?P<serial>[0-9]{13})(?P<check>[0-9])`),
		},
	},
	{
		Code: "usps", Name: "USPS",
		URLTemplate: "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
		TransitDays: 4, IntlTransitDays: 12,
		hint:    "USPS numbers are 20 digits, or 22, 26 or 30 digits starting 92–95, optionally after 420 and a ZIP code",
		aliases: []string{"unitedstatespostalservice"}, hosts: []string{"usps.com"}, kuaidi100: "usps",
		formats: []Format{
			newFormat(Format{ID: "usps_20", Name: "USPS 20", Example: "03071790000523483741",
				Shape: "20 digits", CheckDigit: "USPS", digit: mod10(3, 1, false)},
				`(?P<serial>[0-9]{2}[0-9]{9}[0-9]{8})(?P<check>[0-9])`),
			// After 420 and a 5-digit ZIP, 22 or 26 digits follow; after a 9-digit ZIP, 22.
			newFormat(Format{ID: "usps_impb_n", Name: "USPS IMpb (94)", Example: "9400111206206406260787",
				Shape: "22, 26 or 30 digits starting 94", CheckDigit: "USPS", digit: mod10(3, 1, true)},
				`420[0-9]{9}(?P<serial>`+impbN22+`)(?P<check>[0-9])`,
				`420[0-9]{5}(?P<serial>`+impbN22+`|`+impbN26+`)(?P<check>[0-9])`,
				`(?P<serial>`+impbN22+`|`+impbN26+`|`+impbN30+`)(?P<check>[0-9])`),
			// The serial includes the 91 identifier; where a number omits it, the check counts it anyway.
			newFormat(Format{ID: "usps_legacy", Name: "USPS legacy (91)", Example: "9101123456789000000013",
				Shape: "20 or 22 digits (91…), optionally after 420 and a ZIP code", CheckDigit: "USPS", digit: mod10(3, 1, false), prefix: "91"},
				`(?:420[0-9]{5}(?:[0-9]{4})?)?(?P<serial>(?:91)?[0-9]{2}[0-9]{9}[0-9]{8})(?P<check>[0-9])`),
			newFormat(Format{ID: "usps_impb_c", Name: "USPS IMpb (92, 93, 95)", Example: "92748931507708513018050063",
				Shape: "22 or 26 digits starting 92, 93 or 95", CheckDigit: "USPS", digit: mod10(3, 1, false)},
				`420[0-9]{9}(?P<serial>`+impbC22+`)(?P<check>[0-9])`,
				`420[0-9]{5}(?P<serial>`+impbC22+`|`+impbC26+`)(?P<check>[0-9])`,
				`(?P<serial>`+impbC22+`|`+impbC26+`)(?P<check>[0-9])`),
		},
	},
	{
		Code: "dhl", Name: "DHL Express",
		URLTemplate: "http://www.dhl.com/en/express/tracking.html?brand=DHL&AWB={number}",
		TransitDays: 2, IntlTransitDays: 4,
		hint:    "DHL Express numbers are 10 or 11 digits; piece IDs are J, 2–3 letters and 9–10 digits; eCommerce numbers are GM, LX, RX, UV, CN, SG, TH, IN, HK or MY and 10–39 letters or digits, or 14 digits",
		aliases: []string{"dhlexpress"}, hosts: []string{"dhl.com", "dhl.de"}, kuaidi100: "dhl",
		formats: []Format{
			newFormat(Format{ID: "dhl_express", Name: "DHL Express", Example: "3318810025",
				Shape: "10 or 11 digits", CheckDigit: "DHL", digit: mod7Check},
				`(?P<serial>[0-9]{9,10})(?P<check>[0-9])`),
			newFormat(Format{ID: "dhl_express_piece_id", Name: "DHL Express piece ID", Example: "JJD0099999999",
				Shape: "J, 2 or 3 letters, 9 or 10 digits"},
				`J[A-Z]{2,3}[0-9]{9,10}`),
			newFormat(Format{ID: "dhl_ecommerce", Name: "DHL eCommerce", Example: "GM2951173225174494",
				Shape: "GM, LX, RX, UV, CN, SG, TH, IN, HK or MY and 10–39 letters or digits",
				rule: func(p numberParts) error {
					for i := 0; i < len(p.serial); i++ {
						if p.serial[i] >= '0' && p.serial[i] <= '9' {
							return nil
						}
					}
					return fmt.Errorf("DHL eCommerce numbers have digits after the prefix, got %s", p.serial)
				}},
				`(?:GM|LX|RX|UV|CN|SG|TH|IN|HK|MY)(?P<serial>[0-9A-Z]{10,39})`),
			newFormat(Format{ID: "dhl_ecommerce_14", Name: "DHL eCommerce (14)", Example: "60120172242323", Shape: "14 digits"},
				`[0-9]{14}`),
		},
	},
	{
		Code: "dpd", Name: "DPD",
		URLTemplate: "https://www.dpdgroup.com/nl/mydpd/my-parcels/track?lang=en&parcelNumber={number}",
		TransitDays: 2, IntlTransitDays: 4,
		hint:    "DPD numbers are 14 or 27 digits and a check character (digit or letter)",
		aliases: []string{"dpdgroup"}, hosts: []string{"dpd.com", "dpdgroup.com", "dpd.co.uk", "dpd.de"},
		formats: []Format{
			newFormat(Format{ID: "dpd", Name: "DPD (28)", Example: "008182709980000020033350276C",
				Shape: "27 digits and a check character", CheckDigit: "DPD", digit: mod3736Check},
				`(?P<serial>[0-9]{27})(?P<check>[0-9A-Z])`),
			newFormat(Format{ID: "dpd_14", Name: "DPD (14)", Example: "09980000020033F",
				Shape: "14 digits and a check character", CheckDigit: "DPD", digit: mod3736Check},
				`(?P<serial>[0-9]{14})(?P<check>[0-9A-Z])`),
		},
	},
	{
		Code: "amazon", Name: "Amazon Logistics",
		URLTemplate: "https://track.amazon.com/tracking/{number}",
		TransitDays: 3, IntlTransitDays: 10,
		hint:    "Amazon numbers are TBA, TBC or TBM and 12 digits, or A, C or F and 10 digits",
		aliases: []string{"amazonlogistics", "amzl"}, hosts: []string{"track.amazon.com"},
		formats: []Format{
			newFormat(Format{ID: "amazon_logistics", Name: "Amazon Logistics", Example: "TBA000000000000", Shape: "TBA, TBC or TBM and 12 digits"},
				`TB[ACM][0-9]{12}`),
			newFormat(Format{ID: "amazon_international", Name: "Amazon International", Example: "C1004444443", Shape: "A, C or F and 10 digits"},
				`[AFC][0-9]{10}`),
		},
	},
	{
		Code: "canadapost", Name: "Canada Post",
		URLTemplate: "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}",
		TransitDays: 5, IntlTransitDays: 12,
		hint:    "Canada Post numbers are 16 digits",
		aliases: []string{"postescanada"}, hosts: []string{"canadapost-postescanada.ca", "canadapost.ca"},
		formats: []Format{
			newFormat(Format{ID: "canada_post", Name: "Canada Post (16)", Example: "0073938000549297",
				Shape: "16 digits", CheckDigit: "Canada Post", digit: mod10(3, 1, false)},
				`(?P<serial>[0-9]{15})(?P<check>[0-9])`),
		},
	},
	{
		Code: "canpar", Name: "Canpar",
		URLTemplate: "https://www.canpar.com/en/track/tracking.jsp?reference={number}&locale=en",
		TransitDays: 3,
		hint:        "Canpar numbers are C, D, K, L, S, U, X or Z and 21 digits",
		hosts:       []string{"canpar.com", "canpar.ca"},
		formats: []Format{
			newFormat(Format{ID: "canpar_22", Name: "Canpar (22)", Example: "D576002440000001718010", Shape: "C, D, K, L, S, U, X or Z and 21 digits"},
				`[CDKLSUXZ][0-9]{21}`),
		},
	},
	{
		Code: "gofo", Name: "GOFO Express",
		URLTemplate: "https://www.gofoexpress.com/tracking.html?searchID={number}",
		TransitDays: 4,
		hint:        "GOFO numbers are GFUS and 14 digits",
		aliases:     []string{"gofoexpress"}, hosts: []string{"gofoexpress.com"},
		formats: []Format{
			newFormat(Format{ID: "gofo_us", Name: "GOFO Express (US)", Example: "GFUS01011884214464", Shape: "GFUS and 14 digits"},
				`GFUS[0-9]{14}`),
		},
	},
	{
		Code: "landmark", Name: "Landmark Global",
		URLTemplate: "https://track.landmarkglobal.com/?search={number}",
		TransitDays: 5, IntlTransitDays: 10,
		hint:    "Landmark numbers are LTN, 8 digits and N1",
		aliases: []string{"landmarkglobal"}, hosts: []string{"landmarkglobal.com"},
		formats: []Format{
			newFormat(Format{ID: "landmark_global", Name: "Landmark Global LTN", Example: "LTN74207623N1", Shape: "LTN, 8 digits, N1"},
				`LTN[0-9]{8}N1`),
		},
	},
	{
		Code: "lasership", Name: "LaserShip",
		URLTemplate: "https://www.lasership.com/track/{number}",
		TransitDays: 2,
		hint:        "LaserShip numbers are L, a letter, 1–3 and 7 digits, or start with 1LS7 or 1LSCX",
		hosts:       []string{"lasership.com"},
		formats: []Format{
			newFormat(Format{ID: "lasership_lx", Name: "LaserShip LX", Example: "LX17635036", Shape: "L, A/I/E/H/N/X, 1–3, 7 digits"},
				`L[AIEHNX][1-3][0-9]{7}`),
			newFormat(Format{ID: "lasership_1ls7", Name: "LaserShip 1LS7 (15)", Example: "1LS717793482164", Shape: "1LS7, 1 or 2, 10 digits"},
				`1LS7[12][0-9]{10}`),
			// Printed 1LS7…-1; the dash goes with normalising.
			newFormat(Format{ID: "lasership_1ls7_18", Name: "LaserShip 1LS7 (18)", Example: "1LS71190136181271", Shape: "1LS7, 1 or 2, 2 digits, 01, 1–4, 6 digits, -1"},
				`1LS7[12][0-9]{2}01[1-4][0-9]{6}1`),
			newFormat(Format{ID: "lasership_1lscx", Name: "LaserShip 1LSCX (15)", Example: "1LSCXVE005BUEFX", Shape: "1LSCX and 10 letters or digits"},
				`1LSCX[0-9A-Z]{10}`),
		},
	},
	{
		Code: "odfl", Name: "Old Dominion Freight Line",
		URLTemplate: "https://www.odfl.com/us/en/tools/trace-track-ltl-freight/trace.html?proNumbers={number}",
		TransitDays: 4,
		hint:        "Old Dominion PRO numbers are 11 digits starting 072, 777, 778, 780 or 80",
		aliases:     []string{"olddominion"}, hosts: []string{"odfl.com"},
		formats: []Format{
			newFormat(Format{ID: "old_dominion", Name: "Old Dominion", Example: "07209562763",
				Shape: "11 digits starting 072, 777, 778 or 780", CheckDigit: "Luhn", digit: luhnCheck},
				`(?P<serial>(?:77[78]|072|780)[0-9]{7})(?P<check>[0-9])`),
			newFormat(Format{ID: "old_dominion_guaranteed", Name: "Old Dominion Guaranteed", Example: "80003280379",
				Shape: "11 digits starting 80", CheckDigit: "Luhn", digit: luhnCheck},
				`(?P<serial>80[0-9]{8})(?P<check>[0-9])`),
		},
	},
	{
		Code: "ontrac", Name: "OnTrac",
		URLTemplate: "http://www.ontrac.com/tracking/?number={number}",
		TransitDays: 2,
		hint:        "OnTrac numbers are C or D and 14 digits",
		hosts:       []string{"ontrac.com"},
		formats: []Format{
			// The letter counts in the check as OnTrac defines it: C as 4, D as 5.
			newFormat(Format{ID: "ontrac_c", Name: "OnTrac C", Example: "C11031500001879",
				Shape: "C and 14 digits", CheckDigit: "OnTrac", digit: mod10(1, 2, false), prefix: "4"},
				`C(?P<serial>[0-9]{13})(?P<check>[0-9])`),
			newFormat(Format{ID: "ontrac_d", Name: "OnTrac D", Example: "D10011354453707",
				Shape: "D and 14 digits", CheckDigit: "OnTrac", digit: mod10(1, 2, false), prefix: "5"},
				`D(?P<serial>[0-9]{13})(?P<check>[0-9])`),
		},
	},
	{
		Code: "purolator", Name: "Purolator",
		URLTemplate: "https://www.purolator.com/en/shipping/tracker?searchValue={number}",
		TransitDays: 3, IntlTransitDays: 6,
		hint:  "Purolator numbers are 12 digits starting 0–5, or 3 letters and 9 digits",
		hosts: []string{"purolator.com"},
		formats: []Format{
			newFormat(Format{ID: "purolator_numeric", Name: "Purolator (12)", Example: "320595463938",
				Shape: "12 digits starting 0–5", CheckDigit: "Luhn", digit: luhnCheck},
				`(?P<serial>[0-5][0-9]{10})(?P<check>[0-9])`),
			newFormat(Format{ID: "purolator_alpha", Name: "Purolator (letters)", Example: "KYV009956937", Shape: "3 letters and 9 digits"},
				`[A-Z]{3}[0-9]{9}`),
		},
	},
	{
		Code: "speedee", Name: "Spee-Dee Delivery",
		URLTemplate: "https://www.speedeedelivery.com/track/?tracking={number}",
		TransitDays: 2,
		hint:        "Spee-Dee numbers are SP and 18 digits",
		aliases:     []string{"speedeedelivery"}, hosts: []string{"speedeedelivery.com"},
		formats: []Format{
			newFormat(Format{ID: "speedee", Name: "Spee-Dee (20)", Example: "SP029692510000920746", Shape: "SP and 18 digits"},
				`SP[0-9]{18}`),
		},
	},
	{
		Code: "yodel", Name: "Yodel",
		URLTemplate: "https://www.yodel.co.uk/tracking/{number}",
		TransitDays: 2,
		hint:        "Yodel numbers are JD or JJD and 16 digits",
		hosts:       []string{"yodel.co.uk"},
		formats: []Format{
			newFormat(Format{ID: "yodel", Name: "Yodel", Example: "JJD0002257639032011", Shape: "JD or JJD and 16 digits"},
				`JJ?D[0-9]{16}`),
		},
	},
	{
		Code: "yunexpress", Name: "YunExpress",
		URLTemplate:     "https://www.yuntrack.com/parcelTracking?id={number}",
		IntlTransitDays: 12,
		transitTo:       map[string]int{"US": 10, "GB": 9, "DE": 9, "RU": 18},
		hint:            "YunExpress numbers are YT and 16 digits",
		aliases:         []string{"yun"}, hosts: []string{"yuntrack.com", "yunexpress.com", "yunexpress.cn"},
		formats: []Format{
			newFormat(Format{ID: "yunexpress", Name: "YunExpress", Example: "YT2229521272164446", Shape: "YT and 16 digits"},
				`YT[0-9]{16}`),
		},
	},
	{
		Code: "other", Name: "Other carrier",
		aliases: []string{"others", "unknown"},
	},
}
