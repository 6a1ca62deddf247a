package domain

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The public tracking-number test data (18 carriers' formats, each with published valid
// and invalid numbers) sits beside the repository, not in it. SHIPDESK_TRACKING_DATA
// points elsewhere.
func trackingDataDir() string {
	if d := os.Getenv("SHIPDESK_TRACKING_DATA"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "shared", "testdata", "tracking_number_data")
}

// dataFormats maps each format of the test data (courier code / format id, or its name
// where it has no id) to the shipdesk carrier and format that must agree with it.
var dataFormats = map[string][2]string{
	"s10/s10":                                       {"post", "s10"},
	"ups/ups":                                       {"ups", "ups"},
	"ups/UPS Waybill":                               {"ups", "ups_waybill"},
	"fedex/fedex_12":                                {"fedex", "fedex_12"},
	"fedex/fedex_34":                                {"fedex", "fedex_34"},
	"fedex/fedex_astra_32":                          {"fedex", "fedex_astra_32"},
	"fedex/fedex_ground":                            {"fedex", "fedex_ground"},
	"fedex/fedex_ground_sscc_18":                    {"fedex", "fedex_ground_sscc_18"},
	"fedex/fedex_ground_96":                         {"fedex", "fedex_ground_96"},
	"fedex/fedex_ground_gsn":                        {"fedex", "fedex_ground_gsn"},
	"usps/usps_20":                                  {"usps", "usps_20"},
	"usps/usps_impb_n":                              {"usps", "usps_impb_n"},
	"usps/usps_legacy":                              {"usps", "usps_legacy"},
	"usps/usps_impb_c":                              {"usps", "usps_impb_c"},
	"dhl/dhl_express":                               {"dhl", "dhl_express"},
	"dhl/dhl_express_piece_id":                      {"dhl", "dhl_express_piece_id"},
	"dhl/dhl_ecommerce":                             {"dhl", "dhl_ecommerce"},
	"dhl/dhl_ecommerce_14":                          {"dhl", "dhl_ecommerce_14"},
	"amazon/amazon_logistics":                       {"amazon", "amazon_logistics"},
	"amazon/amazon_international":                   {"amazon", "amazon_international"},
	"canada_post/canada_post":                       {"canadapost", "canada_post"},
	"canpar/canpar_22":                              {"canpar", "canpar_22"},
	"dpd/dpd":                                       {"dpd", "dpd"},
	"dpd/dpd_14":                                    {"dpd", "dpd_14"},
	"gofo/gofo_us":                                  {"gofo", "gofo_us"},
	"landmark/landmark_global":                      {"landmark", "landmark_global"},
	"lasership/lasership_lx":                        {"lasership", "lasership_lx"},
	"lasership/lasership_1ls7":                      {"lasership", "lasership_1ls7"},
	"lasership/LaserShip 1LS7 (18)":                 {"lasership", "lasership_1ls7_18"},
	"lasership/lasership_1lscx":                     {"lasership", "lasership_1lscx"},
	"old_dominion/Old Dominion":                     {"odfl", "old_dominion"},
	"old_dominion/Old Dominion Guaranteed Shipment": {"odfl", "old_dominion_guaranteed"},
	"ontrac/ontrac_c":                               {"ontrac", "ontrac_c"},
	"ontrac/ontrac_d":                               {"ontrac", "ontrac_d"},
	"purolator/purolator_numeric":                   {"purolator", "purolator_numeric"},
	"purolator/purolator_alpha":                     {"purolator", "purolator_alpha"},
	"speedee/speedee":                               {"speedee", "speedee"},
	"yodel/yodel":                                   {"yodel", "yodel"},
	"yunexpress/yunexpress":                         {"yunexpress", "yunexpress"},
}

type dataCourier struct {
	Name            string `json:"name"`
	CourierCode     string `json:"courier_code"`
	TrackingNumbers []struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		TestNumbers struct {
			Valid   []string `json:"valid"`
			Invalid []string `json:"invalid"`
		} `json:"test_numbers"`
	} `json:"tracking_numbers"`
}

func formatByID(t *testing.T, code, id string) (Carrier, Format) {
	t.Helper()
	c := mustCarrier(t, code)
	for _, f := range c.Formats() {
		if f.ID == id {
			return c, f
		}
	}
	t.Fatalf("carrier %s has no format %s", code, id)
	return c, Format{}
}

// Per format of the public data: every valid number passes the matching shipdesk format
// (and its carrier), every invalid number fails that format.
func TestTrackingNumberData(t *testing.T) {
	dir := trackingDataDir()
	files, err := filepath.Glob(filepath.Join(dir, "couriers", "*.json"))
	if err != nil || len(files) == 0 {
		t.Skipf("tracking number test data not found in %s (set SHIPDESK_TRACKING_DATA to its folder)", dir)
	}
	seen := map[string]bool{}
	formats, valid, invalid := 0, 0, 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var dc dataCourier
		if err := json.Unmarshal(raw, &dc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, tn := range dc.TrackingNumbers {
			key := dc.CourierCode + "/" + tn.ID
			if tn.ID == "" {
				key = dc.CourierCode + "/" + tn.Name
			}
			m, ok := dataFormats[key]
			if !ok {
				t.Errorf("%s: format %q has no shipdesk format", filepath.Base(file), key)
				continue
			}
			seen[key] = true
			formats++
			c, f := formatByID(t, m[0], m[1])
			for _, n := range tn.TestNumbers.Valid {
				valid++
				if _, err := f.Validate(n); err != nil {
					t.Errorf("%s: valid %q refused by %s: %v", key, n, f.ID, err)
				}
				if _, err := c.Validate(n); err != nil {
					t.Errorf("%s: valid %q refused by carrier %s: %v", key, n, c.Code, err)
				}
			}
			for _, n := range tn.TestNumbers.Invalid {
				invalid++
				if _, err := f.Validate(n); err == nil {
					t.Errorf("%s: invalid %q accepted by %s", key, n, f.ID)
				}
			}
		}
	}
	for key := range dataFormats {
		if !seen[key] {
			t.Errorf("format %s is mapped but not in the data", key)
		}
	}
	if len(files) < 18 {
		t.Errorf("found %d courier files, want the 18 of the data set", len(files))
	}
	t.Logf("%d couriers, %d formats, %d valid and %d invalid numbers", len(files), formats, valid, invalid)
}
