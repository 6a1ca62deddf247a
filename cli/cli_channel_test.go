package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Channels and rebates on the built binary: the commands as the issue lists them, their
// JSON arrays, the status blocks, the import warning and the cut-off's upload mark.
func TestChannelsRebatesAndTheCutOff(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	want(t, shipdesk(t, db, "import", "orders", "testdata/orders.jsonl"), 0, "note: channel tb-main is not set up")
	day := func(d time.Duration) string { return time.Now().UTC().Add(d).Format("2006-01-02 15:04") }
	want(t, shipdesk(t, db, "channel", "set", "tb-main", "--platform", "taobao", "--shop", "Main", "--language", "zh",
		"--auth-expires", day(3*24*time.Hour), "--settlement", "weekly:fri", "--cut-off", "18:00"), 0, "authorization expiring in")
	want(t, shipdesk(t, db, "channel", "set", "shopify-us", "--platform", "shopify", "--auth-expires", "2026-01-01"), 0, "authorization EXPIRED")
	want(t, shipdesk(t, db, "channel", "set", "pp", "--platform", "paipai", "--settlement", "monthly:1"), 0, "no authorization expiry")
	want(t, shipdesk(t, db, "channel", "set", "bad", "--platform", "ebay"), 1, `platform "ebay" is not one of`)
	want(t, shipdesk(t, db, "channel", "set", "pp", "--settlement", "daily"), 2, "--settlement")
	want(t, shipdesk(t, db, "channel", "reauth", "nowhere", "--until", "2030-01-01"), 1, "set it up first")

	// Every import for a lapsing channel says so.
	r := shipdesk(t, db, "import", "orders", "testdata/orders.jsonl")
	want(t, r, 0, "warning: channel tb-main: authorization expiring in", "warning: channel shopify-us: authorization EXPIRED", "note: channel insales-ru is not set up")

	var list []map[string]any
	r = shipdesk(t, db, "channel", "list", "--json")
	want(t, r, 0)
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 4 {
		t.Fatalf("channel list --json: %v\n%s", err, r.stdout)
	}
	states := map[string]string{}
	for _, c := range list {
		states[c["name"].(string)] = c["state"].(string)
	}
	if states["tb-main"] != "expiring" || states["shopify-us"] != "expired" || states["insales-ru"] != "not_set_up" || states["pp"] != "ok" {
		t.Errorf("states: %v", states)
	}
	if list[3]["name"] != "tb-main" || list[3]["days_left"].(float64) != 3 || !strings.HasSuffix(list[3]["next_cut_off"].(string), "T18:00:00Z") {
		t.Errorf("tb-main: %v", list[3])
	}
	want(t, shipdesk(t, db, "channel", "list"), 0, "EXPIRED", "not set up", "expiring")
	want(t, shipdesk(t, db, "channel", "list", "--shop", "x"), 2, "--shop does not go with channel list")
	want(t, shipdesk(t, db, "--tz", "UTC", "channel", "list"), 0, "EXPIRED") // a common flag is not the action's to refuse
	want(t, shipdesk(t, db, "voucher", "resend", "SO00000001", "--units", "3"), 2, "--units does not go with voucher resend")

	want(t, shipdesk(t, db, "channel", "reauth", "tb-main", "--until", "2030-12-31"), 0, "re-authorized tb-main until 2030-12-31")
	r = shipdesk(t, db, "channel", "list", "--json")
	if !strings.Contains(r.stdout, `"operator":"cli-test"`) || !strings.Contains(r.stdout, `"new":"2030-12-31T00:00:00Z"`) {
		t.Errorf("reauth history: %s", r.stdout)
	}

	// Rebates: the taobao example, the unconfirmed rule, the calendar's limit.
	want(t, shipdesk(t, db, "rebate", "add", "--channel", "tb-main", "--order", "SUB-1", "--ordered", "2026-09-18", "--amount", "300.00"), 0,
		"rebate 1 (tb-main SUB-1, 300.00 CNY): ordered, not confirmed")
	want(t, shipdesk(t, db, "rebate", "add", "--channel", "pp", "--order", "PP-1", "--ordered", "2026-01-31", "--amount", "50", "--confirmed", "2026-02-01"), 0,
		"claimable since 2026-03-31")
	want(t, shipdesk(t, db, "rebate", "add", "--channel", "tb-main", "--order", "SUB-2", "--ordered", "2099-03-02", "--amount", "1.00"), 1,
		"does not cover 2099")
	cal := filepath.Join(t.TempDir(), "calendar.txt")
	os.WriteFile(cal, []byte("year 2099\n2099-03-03 off\n"), 0o600)
	want(t, shipdesk(t, db, "rebate", "add", "--calendar", cal, "--channel", "tb-main", "--order", "SUB-2", "--ordered", "2099-03-02", "--amount", "1.00", "--confirmed", "2099-03-02"), 0,
		"claimable on 2099-03-10")
	want(t, shipdesk(t, db, "rebate", "add", "--channel", "insales-ru", "--order", "X", "--ordered", "2026-01-01", "--amount", "1"), 1, "set it up first")
	want(t, shipdesk(t, db, "rebate", "claim", "1"), 1, "not confirmed yet")
	want(t, shipdesk(t, db, "rebate", "paid", "1"), 1, "not claimed yet")

	var rebates []map[string]any
	r = shipdesk(t, db, "rebate", "list", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &rebates); err != nil || len(rebates) != 3 {
		t.Fatalf("rebate list --json: %v\n%s", err, r.stdout)
	}
	if rebates[0]["state"] != "ordered" || rebates[0]["claimable_on"] != "" || rebates[1]["state"] != "claimable" || rebates[2]["state"] != "confirmed" {
		t.Errorf("rebates: %v", rebates)
	}
	var st struct {
		Channels   map[string]int `json:"channels"`
		Rebates    map[string]int `json:"rebates"`
		Settlement struct {
			NextCutOff      string `json:"next_cut_off"`
			MissingTracking int    `json:"missing_tracking"`
			NotUploaded     int    `json:"not_uploaded"`
		} `json:"settlement"`
	}
	statusJSON := func() {
		t.Helper()
		r := shipdesk(t, db, "status", "--json")
		want(t, r, 0)
		if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
			t.Fatal(err)
		}
	}
	statusJSON()
	if st.Channels["expired"] != 1 || st.Channels["expiring"] != 0 || st.Channels["not_set_up"] != 1 || st.Rebates["unconfirmed"] != 1 || st.Rebates["claimable"] != 1 {
		t.Errorf("status: %+v", st)
	}
	want(t, shipdesk(t, db, "rebate", "confirm", "1", "--at", "2026-09-19"), 0, "claimable since 2026-09-24")
	want(t, shipdesk(t, db, "rebate", "claim", "1"), 0, "claimed")
	want(t, shipdesk(t, db, "rebate", "paid", "1"), 0, "paid")
	want(t, shipdesk(t, db, "rebate", "confirm", "x"), 2, "not a number")

	// The cut-off: shipped orders without tracking and numbers not uploaded, until
	// export tracking --mark-uploaded records the upload.
	want(t, shipdesk(t, db, "channel", "set", "pp", "--settlement", "none"), 0)
	want(t, shipdesk(t, db, "pool", "convert", "--all-ready"), 0)
	want(t, shipdesk(t, db, "ship", "T1001", "--no-tracking", "label printer down"), 0)
	statusJSON()
	if st.Settlement.MissingTracking != 1 || st.Settlement.NotUploaded != 0 || !strings.HasSuffix(st.Settlement.NextCutOff, "T18:00:00Z") {
		t.Errorf("shipped without tracking: %+v", st.Settlement)
	}
	want(t, shipdesk(t, db, "ship", "T1001", "--carrier", "ems", "--tracking", "EE040293660CN"), 0)
	statusJSON()
	if st.Settlement.MissingTracking != 0 || st.Settlement.NotUploaded != 1 {
		t.Errorf("before the upload: %+v", st.Settlement)
	}
	r = shipdesk(t, db, "export", "tracking", "--channel", "tb-main", "--mark-uploaded")
	want(t, r, 0, "EE040293660CN", "marked 1 shipments uploaded")
	want(t, shipdesk(t, db, "status"), 0, "0 not uploaded")
	r = shipdesk(t, db, "channel", "list", "--json")
	if !strings.Contains(r.stdout, `"name":"tb-main"`) || !strings.Contains(r.stdout, `"missing_tracking":0,"not_uploaded":0`) {
		t.Errorf("after the upload: %s", r.stdout)
	}
	want(t, shipdesk(t, db, "export", "orders", "--mark-uploaded"), 2, "go with export tracking")

	// A tracking import naming an order of a lapsed channel says so too, even when the
	// line is refused (S-5 is unpaid, so not a sales order).
	tracking := filepath.Join(t.TempDir(), "tracking.csv")
	if err := os.WriteFile(tracking, []byte("order,carrier,tracking\nshopify-us:S-5,ems,EA123456785CN\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = shipdesk(t, db, "import", "tracking", tracking)
	want(t, r, 1, "warning: channel shopify-us: authorization EXPIRED")
	if strings.Contains(r.stdout, "tb-main") {
		t.Errorf("a tracking import warned of a channel it did not touch:\n%s", r.stdout)
	}
	want(t, shipdesk(t, db, "doctor"), 0)
}

// Over SSH channel and rebate changes and the upload mark need a supervisor; anyone
// may list.
func TestServeChannelChangesNeedASupervisor(t *testing.T) {
	s := startServer(t)
	want(t, s.ssh("bob", "", "channel", "set", "tb-main", "--platform", "taobao"), 1, "changing a channel needs the supervisor role; bob is an operator")
	want(t, s.ssh("ana", "", "channel", "set", "tb-main", "--platform", "taobao", "--auth-expires", "2026-01-01"), 0, "EXPIRED")
	want(t, s.ssh("bob", "", "channel", "reauth", "tb-main", "--until", "2030-01-01"), 1, "needs the supervisor role")
	want(t, s.ssh("bob", "", "rebate", "add", "--channel", "tb-main", "--order", "S", "--ordered", "2026-09-18", "--amount", "1"), 1, "needs the supervisor role")
	want(t, s.ssh("bob", "", "export", "tracking", "--mark-uploaded"), 1, "needs the supervisor role")
	want(t, s.ssh("bob", "", "channel", "set", "tb-main", "--calendar", "x"), 2, "--calendar is not accepted over SSH")
	want(t, s.ssh("vic", "", "channel", "list"), 0, "tb-main", "EXPIRED")
	want(t, s.ssh("ana", "", "rebate", "add", "--channel", "tb-main", "--order", "S", "--ordered", "2026-09-18", "--amount", "1"), 0, "rebate 1")
	want(t, s.ssh("vic", "", "rebate", "list", "--json"), 0, `"order":"S"`)
}
