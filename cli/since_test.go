package cli

import (
	"strings"
	"testing"
	"time"
)

func TestParseSince(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no time zone database")
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"24h", now.Add(-24 * time.Hour)},
		{" 90m ", now.Add(-90 * time.Minute)},
		{"7d", now.AddDate(0, 0, -7)},
		{"2026-11-20", time.Date(2026, 11, 19, 16, 0, 0, 0, time.UTC)}, // midnight in Shanghai
		{"2026-11-20 08:00", time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)},
		{"2026-11-20T08:00", time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)},
		{"2026-11-20T08:00:00Z", time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)},
		{"2026-11-20T08:00:00+03:00", time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC)},
	} {
		got, err := parseSince(c.in, now, shanghai)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"soon", "-24h", "0d", "-3d", "24x", "2026-13-01", "yesterday"} {
		if got, err := parseSince(bad, now, shanghai); err == nil {
			t.Errorf("parseSince(%q) = %v, want an error", bad, got)
		} else if !strings.Contains(err.Error(), "24h or 7d") {
			t.Errorf("parseSince(%q): %v does not say what it takes", bad, err)
		}
	}
}

// Every export that takes --since reads it the same way.
func TestCLIExportSince(t *testing.T) {
	db := shippingDB(t)
	want(t, shipdesk(t, db, "ship", "T1001", "--carrier", "ems", "--tracking", "EE040293660CN"), 0, "shipped with ems")
	for _, since := range []string{"24h", "7d", "90m", time.Now().UTC().Add(-time.Hour).Format(time.RFC3339), "2000-01-01", "2000-01-01 08:00"} {
		want(t, shipdesk(t, db, "export", "tracking", "--since", since), 0, "Tracking ID=EE040293660CN")
		want(t, shipdesk(t, db, "export", "tracking", "--format", "jsonl", "--since", since), 0, `"tracking":"EE040293660CN"`)
		r := shipdesk(t, db, "export", "audit", "--since", since)
		want(t, r, 0, `"action":"order.ship"`, `"action":"pool.convert"`)
	}
	for _, since := range []string{"2999-01-01", "2999-01-01T00:00:00Z"} {
		for _, what := range []string{"tracking", "audit"} {
			r := shipdesk(t, db, "export", what, "--since", since)
			want(t, r, 0)
			if strings.TrimSpace(r.stdout) != "" {
				t.Fatalf("export %s --since %s exported %q", what, since, r.stdout)
			}
		}
	}
	// Every event of this database is minutes old: the last 24 hours are all of them.
	all := shipdesk(t, db, "export", "audit", "--format", "csv")
	if day := shipdesk(t, db, "export", "audit", "--format", "csv", "--since", "24h"); day.stdout != all.stdout {
		t.Fatalf("export audit --since 24h differs from all of today's events:\n%s\nvs\n%s", day.stdout, all.stdout)
	}
	for _, what := range []string{"tracking", "audit"} {
		want(t, shipdesk(t, db, "export", what, "--since", "soon"), 2, "--since", `"soon" is not a time`)
		want(t, shipdesk(t, db, "export", what, "--since", "-24h"), 2, "--since")
	}
	for _, what := range []string{"pool", "orders", "refunds", "outbox", "vouchers"} {
		want(t, shipdesk(t, db, "export", what, "--since", "24h"), 2, "--since goes with export audit, export redemptions or export tracking")
	}
}
