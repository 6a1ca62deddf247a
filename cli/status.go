package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// statusJSON is the contract of `status --json`.
type statusJSON struct {
	Pool struct {
		AwaitingDetail int `json:"awaiting_detail"`
		Ready          int `json:"ready"`
		Changed        int `json:"changed"`
		Processed      int `json:"processed"`
		Converted      int `json:"converted"`
		Removed        int `json:"removed"`
	} `json:"pool"`
	Orders struct {
		AwaitingShipment int `json:"awaiting_shipment"`
		DueToday         int `json:"due_today"`
		Overdue          int `json:"overdue"`
		Attention        int `json:"attention"`
		Shipped          int `json:"shipped"`
		Delivered        int `json:"delivered"`
		Returned         int `json:"returned"`
		Cancelled        int `json:"cancelled"`
		Completed        int `json:"completed"`
		NoTracking       int `json:"shipped_no_tracking"`
	} `json:"orders"`
	Tracking struct {
		Replaced int `json:"replaced"`
	} `json:"tracking"`
	Refunds  refundsStatus         `json:"refunds"`
	Outbox   storage.OutboxCounts  `json:"outbox"`
	Delivery deliveryStatus        `json:"delivery"`
	Vouchers storage.VoucherCounts `json:"vouchers"`
	Index    struct {
		Staged int `json:"staged"`
	} `json:"index"`
	Channels struct {
		Expiring int `json:"expiring"`
		Expired  int `json:"expired"`
		NotSetUp int `json:"not_set_up"`
	} `json:"channels"`
	Rebates struct {
		Unconfirmed int `json:"unconfirmed"`
		Claimable   int `json:"claimable"`
	} `json:"rebates"`
	Settlement struct {
		NextCutOff      string `json:"next_cut_off"`
		MissingTracking int    `json:"missing_tracking"`
		NotUploaded     int    `json:"not_uploaded"`
	} `json:"settlement"`
	// Backup is the server's last scheduled backup (over SSH to a server that takes them).
	Backup *backupStatusJSON `json:"backup,omitempty"`
}

type backupStatusJSON struct {
	At    time.Time `json:"at"`
	Path  string    `json:"path,omitempty"`
	Size  int64     `json:"size,omitempty"`
	OK    bool      `json:"ok"`
	Error string    `json:"error,omitempty"`
}

// cmdStatus: shipdesk status [--json]
func cmdStatus(e *env, args []string) error {
	fs := newFlagSet("status")
	e.flags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("status takes no arguments")
	}
	loc, err := e.location()
	if err != nil {
		return err
	}
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	c, err := s.Counts(e.now(), loc)
	if err != nil {
		return err
	}
	var j statusJSON
	j.Pool.AwaitingDetail, j.Pool.Ready, j.Pool.Changed = c.Pool[domain.PoolAwaitingDetail], c.Pool[domain.PoolReady], c.Changed
	j.Pool.Processed, j.Pool.Converted, j.Pool.Removed = c.Pool[domain.PoolProcessed], c.Pool[domain.PoolConverted], c.Pool[domain.PoolRemoved]
	j.Orders.AwaitingShipment, j.Orders.DueToday, j.Orders.Overdue = c.Orders[domain.OrderAwaitingShipment], c.DueToday, c.Overdue
	j.Orders.Attention, j.Orders.Shipped, j.Orders.Delivered = c.Attention, c.Orders[domain.OrderShipped], c.Orders[domain.OrderDelivered]
	j.Orders.Returned, j.Orders.Cancelled, j.Orders.Completed = c.Orders[domain.OrderReturned], c.Orders[domain.OrderCancelled], c.Orders[domain.OrderCompleted]
	j.Orders.NoTracking, j.Tracking.Replaced = c.NoTracking, c.Replaced
	j.Refunds = refundStatus(c.Refunds)
	j.Vouchers = c.Vouchers
	j.Index.Staged = c.Staged
	j.Outbox = c.Outbox
	j.Delivery = deliveryStatusOf(c.Delivery)
	if b := c.Backup; b != nil {
		j.Backup = &backupStatusJSON{At: b.At, Path: b.Path, Size: b.Size, OK: !b.Failed(), Error: b.Err}
	}
	sum, err := s.ChannelSummary(e.now(), e.authWarning(), loc)
	if err != nil {
		return err
	}
	j.Channels.Expiring, j.Channels.Expired, j.Channels.NotSetUp = len(sum.Expiring), len(sum.Expired), len(sum.NotSetUp)
	j.Rebates.Unconfirmed, j.Rebates.Claimable = sum.Unconfirmed, sum.Claimable
	j.Settlement.NextCutOff = domain.ISOTime(sum.NextCutOff)
	j.Settlement.MissingTracking, j.Settlement.NotUploaded = sum.MissingTracking, sum.NotUploaded
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		return enc.Encode(j)
	}
	fmt.Fprintf(e.stdout, "database  %s\n", s.Path())
	fmt.Fprintf(e.stdout, "pool      %d awaiting detail, %d ready (%d changed), %d processed, %d converted, %d removed\n",
		j.Pool.AwaitingDetail, j.Pool.Ready, j.Pool.Changed, j.Pool.Processed, j.Pool.Converted, j.Pool.Removed)
	fmt.Fprintf(e.stdout, "orders    %d awaiting shipment: %d due today, %d overdue; %d need attention\n",
		j.Orders.AwaitingShipment, j.Orders.DueToday, j.Orders.Overdue, j.Orders.Attention)
	fmt.Fprintf(e.stdout, "          %d shipped, %d delivered, %d completed, %d returned, %d cancelled\n",
		j.Orders.Shipped, j.Orders.Delivered, j.Orders.Completed, j.Orders.Returned, j.Orders.Cancelled)
	fmt.Fprintf(e.stdout, "tracking  %d shipped without a tracking number; %d numbers replaced\n", j.Orders.NoTracking, j.Tracking.Replaced)
	printRefundStatus(e.stdout, c.Refunds)
	fmt.Fprintf(e.stdout, "outbox    %d queued, %d failed, %d dead; %d sent in 24 h\n", j.Outbox.Queued, j.Outbox.Failed, j.Outbox.Dead, j.Outbox.Sent24h)
	d := j.Delivery
	fmt.Fprintf(e.stdout, "parcels   %d registered, %d in transit, %d stuck; at pickup %d (1–5 d), %d (5–15 d), %d (15–30 d), %d (over 30 d)\n",
		d.Registered, d.InTransit, d.Stuck, d.Pickup1to5, d.Pickup5to15, d.Pickup15to30, d.PickupOver30)
	fmt.Fprintf(e.stdout, "          %d delivered, %d returned, %d error, %d no info, %d stopped\n", d.Delivered, d.Returned, d.Error, d.NoInfo, d.Stopped)
	if b := c.Backup; b != nil && b.Failed() {
		fmt.Fprintf(e.stdout, "backup    FAILED at %s: %s\n", b.At.In(loc).Format("2006-01-02 15:04"), textsafe.Safe(b.Err))
	} else if b != nil {
		fmt.Fprintf(e.stdout, "backup    last at %s: %s\n", b.At.In(loc).Format("2006-01-02 15:04"), textsafe.Safe(b.Path))
	}
	fmt.Fprintf(e.stdout, "vouchers  %d live codes (%d units unredeemed), %d expiring within 7 days; %d units redeemed today\n",
		c.Vouchers.Live, c.Vouchers.UnitsUnredeemed, c.Vouchers.Expiring7d, c.Vouchers.RedeemedToday)
	printChannelStatus(e.stdout, sum, e.now(), loc)
	if c.Staged > 0 {
		fmt.Fprintf(e.stdout, "index     %d rows staged, folded in when the console or server is quiet or by `shipdesk fold`\n", c.Staged)
	}
	return nil
}

// refundsStatus is the refund queue's part of `status --json`.
type refundsStatus struct {
	Pending       int               `json:"pending"`
	DueWithin24h  int               `json:"due_within_24h"`
	Overdue       int               `json:"overdue"`
	RefundedTotal map[string]string `json:"refunded_total"`
}

func refundStatus(c storage.RefundCounts) refundsStatus {
	st := refundsStatus{Pending: c.Pending, DueWithin24h: c.DueSoon, Overdue: c.Overdue, RefundedTotal: map[string]string{}}
	for _, m := range c.Refunded {
		st.RefundedTotal[m.Currency] = m.Decimal()
	}
	return st
}

// printRefundStatus is the refund line of plain `status`.
func printRefundStatus(w io.Writer, c storage.RefundCounts) {
	total := "nothing refunded yet"
	if len(c.Refunded) > 0 {
		parts := make([]string, len(c.Refunded))
		for i, m := range c.Refunded {
			parts[i] = m.String()
		}
		total = "refunded " + strings.Join(parts, ", ")
	}
	fmt.Fprintf(w, "refunds   %d pending: %d due within 24 h, %d overdue; %s\n", c.Pending, c.DueSoon, c.Overdue, total)
}

// deliveryStatus is the "delivery" block of `status --json`: shipments by delivery status
// at the time of asking (rule 14).
type deliveryStatus struct {
	Registered   int `json:"registered"`
	InTransit    int `json:"in_transit"`
	Stuck        int `json:"stuck"`
	Pickup1to5   int `json:"pickup_1_5"`
	Pickup5to15  int `json:"pickup_5_15"`
	Pickup15to30 int `json:"pickup_15_30"`
	PickupOver30 int `json:"pickup_over_30"`
	Delivered    int `json:"delivered"`
	Returned     int `json:"returned"`
	Error        int `json:"error"`
	NoInfo       int `json:"no_info"`
	Stopped      int `json:"stopped"`
}

func deliveryStatusOf(m map[domain.DeliveryStatus]int) deliveryStatus {
	return deliveryStatus{
		Registered: m[domain.DeliveryRegistered], InTransit: m[domain.DeliveryInTransit], Stuck: m[domain.DeliveryStuck],
		Pickup1to5: m[domain.DeliveryPickup1to5], Pickup5to15: m[domain.DeliveryPickup5to15], Pickup15to30: m[domain.DeliveryPickup15to30],
		PickupOver30: m[domain.DeliveryPickupOver30], Delivered: m[domain.DeliveryDelivered], Returned: m[domain.DeliveryReturned],
		Error: m[domain.DeliveryError], NoInfo: m[domain.DeliveryNoInfo], Stopped: m[domain.DeliveryStopped],
	}
}

// printChannelStatus is the channel, rebate and settlement lines of plain `status`.
func printChannelStatus(w io.Writer, sum storage.ChannelSummary, now time.Time, loc *time.Location) {
	var parts []string
	name := func(names []string) string { return textsafe.Safe(strings.Join(names, ", ")) }
	if len(sum.Expired) > 0 {
		parts = append(parts, fmt.Sprintf("%d EXPIRED (%s)", len(sum.Expired), name(sum.Expired)))
	}
	if len(sum.Expiring) > 0 {
		parts = append(parts, fmt.Sprintf("%d expiring (%s)", len(sum.Expiring), name(sum.Expiring)))
	}
	if len(sum.NotSetUp) > 0 {
		parts = append(parts, fmt.Sprintf("%d not set up (%s)", len(sum.NotSetUp), name(sum.NotSetUp)))
	}
	if len(parts) == 0 {
		parts = append(parts, "every authorization ok")
	}
	fmt.Fprintf(w, "channels  %s\n", strings.Join(parts, "; "))
	fmt.Fprintf(w, "rebates   %d unconfirmed (never claimable until confirmed), %d claimable\n", sum.Unconfirmed, sum.Claimable)
	if sum.NextCutOff.IsZero() {
		fmt.Fprintln(w, "settle    no channel has a settlement schedule")
		return
	}
	loud := ""
	if sum.NextCutOff.Sub(now) <= 24*time.Hour {
		loud = "WITHIN 24 H: "
	}
	fmt.Fprintf(w, "settle    %snext cut-off %s (%s): %d shipped without tracking, %d not uploaded\n", loud,
		sum.NextCutOff.In(loc).Format("Mon 2006-01-02 15:04"), name(sum.CutOffChannels), sum.MissingTracking, sum.NotUploaded)
}
