package cli

import (
	"strconv"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// exportParcel is one parcel as `export parcels` writes it.
type exportParcel struct {
	OrderNo        string `json:"order_no"`
	Carrier        string `json:"carrier"`
	Tracking       string `json:"tracking"`
	Delivery       string `json:"delivery"`
	DaysAtPickup   int    `json:"days_at_pickup"`
	LastEventAt    string `json:"last_event_at"`
	LastStatus     string `json:"last_event_status"`
	LastLocation   string `json:"last_event_location"`
	StopReason     string `json:"stop_reason,omitempty"`
	OrderStatus    string `json:"order_status"`
	ShippedAt      string `json:"shipped_at"`
	DaysInDelivery int    `json:"days_in_status"`
}

var exportParcelColumns = []string{"order_no", "carrier", "tracking", "delivery", "days_at_pickup", "last_event_at",
	"last_event_status", "last_event_location", "stop_reason", "order_status", "shipped_at", "days_in_status"}

func wireParcel(r storage.ParcelRow, now time.Time) exportParcel {
	x := exportParcel{OrderNo: domain.OrderNumber(r.Order.No), Carrier: r.Order.Shipment.Carrier, Tracking: r.Order.Shipment.Number,
		Delivery: r.Status.String(), DaysAtPickup: r.DaysAtPickup(now), StopReason: r.Parcel.StopReason,
		OrderStatus: r.Order.Status.String(), ShippedAt: domain.ISOTime(r.Order.Shipment.ShippedAt), DaysInDelivery: domain.DaysSince(r.Since, now)}
	if l := r.Parcel.Latest; l.Status != 0 {
		x.LastEventAt, x.LastStatus, x.LastLocation = domain.ISOTime(l.At), l.Status.String(), l.Location
	}
	return x
}

func (x exportParcel) row() []string {
	return []string{x.OrderNo, x.Carrier, x.Tracking, x.Delivery, strconv.Itoa(x.DaysAtPickup), x.LastEventAt, x.LastStatus,
		x.LastLocation, x.StopReason, x.OrderStatus, x.ShippedAt, strconv.Itoa(x.DaysInDelivery)}
}

// exportEvent is one stored carrier event.
type exportEvent struct {
	OrderNo  string `json:"order_no"`
	Tracking string `json:"tracking"`
	At       string `json:"at"`
	Status   string `json:"status"`
	Location string `json:"location"`
	Text     string `json:"text"`
	Received string `json:"received_at"`
}

// exportParcels: shipdesk export parcels|events [--since T] [--format jsonl|csv]
func exportParcels(e *env, what, format string, since time.Time) error {
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	header := exportParcelColumns
	if what == "events" {
		header = []string{"order_no", "tracking", "at", "status", "location", "text", "received_at"}
	}
	write, done, err := rowWriter(e.stdout, format, header, e.onScreen)
	if err != nil {
		return err
	}
	now := e.now()
	if what == "events" {
		return done(s.EachEvent(since, func(se storage.StoredEvent) error {
			x := exportEvent{OrderNo: domain.OrderNumber(se.OrderNo), Tracking: se.Event.Tracking, At: domain.ISOTime(se.Event.At),
				Status: se.Event.Status.String(), Location: se.Event.Location, Text: se.Event.Text, Received: domain.ISOTime(se.Received)}
			return write([]string{x.OrderNo, x.Tracking, x.At, x.Status, x.Location, x.Text, x.Received}, x)
		}))
	}
	return done(s.EachParcel(now, func(r storage.ParcelRow) error {
		x := wireParcel(r, now)
		return write(x.row(), x)
	}))
}
