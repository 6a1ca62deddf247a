package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AfterShip's tracking webhook (event tracking_update): the parts shipdesk reads.
type afterShipHook struct {
	Event   string `json:"event"`
	EventID string `json:"event_id"`
	Msg     struct {
		ID             string `json:"id"`
		TrackingNumber string `json:"tracking_number"`
		Slug           string `json:"slug"`
		Tag            string `json:"tag"`
		ReturnToSender bool   `json:"return_to_sender"`
		Checkpoints    []struct {
			CheckpointTime string `json:"checkpoint_time"`
			Tag            string `json:"tag"`
			Message        string `json:"message"`
			Location       string `json:"location"`
			City           string `json:"city"`
			CountryName    string `json:"country_name"`
		} `json:"checkpoints"`
	} `json:"msg"`
	TS int64 `json:"ts"`
}

// AfterShipUpdate is one tracking_update webhook as shipdesk applies it.
type AfterShipUpdate struct {
	EventID  string // the webhook's event id, applied once ("" when it gives none)
	Tracking string
	Events   []TrackingEvent
}

// afterShipTag maps AfterShip's delivery tags onto event statuses. Pending (no
// information from the carrier yet) and Expired (no update for a long time) carry no
// scan: the parcel stays registered, and the clock makes it no_info.
func afterShipTag(tag string, returning bool) (EventStatus, bool) {
	var st EventStatus
	switch tag {
	case "InfoReceived":
		st = EventInfoReceived
	case "InTransit":
		st = EventInTransit
	case "OutForDelivery":
		st = EventOutForDelivery
	case "AttemptFail":
		st = EventFailedAttempt
	case "Delivered":
		st = EventDelivered
	case "AvailableForPickup":
		st = EventAtPickup
	case "Exception":
		st = EventException
	default: // Pending, Expired, and tags AfterShip may add
		return 0, false
	}
	if returning {
		switch st {
		case EventDelivered:
			return EventReturned, true
		case EventException, EventInfoReceived:
		default:
			return EventReturning, true
		}
	}
	return st, true
}

// ParseAfterShip reads a tracking_update webhook: each checkpoint becomes an event, and a
// return to sender turns the parcel's moves into returning (and its delivery into
// returned).
func ParseAfterShip(body []byte) (AfterShipUpdate, error) {
	var h afterShipHook
	var u AfterShipUpdate
	if err := json.Unmarshal(body, &h); err != nil {
		return u, fmt.Errorf("not an AfterShip webhook: %s", jsonReason(err))
	}
	if h.Event != "tracking_update" {
		return u, fmt.Errorf("event %q is not tracking_update", h.Event)
	}
	if len(h.EventID) > maxEventID {
		return u, errors.New("event_id is too long")
	}
	u.EventID = h.EventID
	n := NormalizeTracking(h.Msg.TrackingNumber)
	if n == "" || len(n) > 40 {
		return u, errors.New("msg.tracking_number is empty or too long")
	}
	u.Tracking = n
	for i, cp := range h.Msg.Checkpoints {
		st, ok := afterShipTag(cp.Tag, h.Msg.ReturnToSender)
		if !ok {
			continue
		}
		at, err := time.Parse(time.RFC3339, strings.TrimSpace(cp.CheckpointTime))
		if err != nil {
			// AfterShip sends a checkpoint's local time without a zone at times.
			if at, err = time.Parse("2006-01-02T15:04:05", strings.TrimSpace(cp.CheckpointTime)); err != nil {
				return u, fmt.Errorf("checkpoint %d: time %q is not RFC 3339", i+1, cp.CheckpointTime)
			}
		}
		loc := cp.Location
		if loc == "" {
			loc = strings.TrimSpace(strings.Join([]string{cp.City, cp.CountryName}, " "))
		}
		raw := RawEvent{Tracking: n, At: at.Format(time.RFC3339), Status: st.String(), Location: clip(loc), Text: clip(cp.Message)}
		ev, err := raw.Validate()
		if err != nil {
			return u, fmt.Errorf("checkpoint %d: %v", i+1, err)
		}
		u.Events = append(u.Events, ev)
	}
	// A tag with no checkpoint behind it (a first webhook says Delivered with the scan
	// only in the tag) is the parcel's status as of the webhook.
	if st, ok := afterShipTag(h.Msg.Tag, h.Msg.ReturnToSender); ok && h.TS > 0 {
		found := false
		for _, ev := range u.Events {
			found = found || ev.Status == st
		}
		if !found {
			u.Events = append(u.Events, TrackingEvent{Tracking: n, At: time.Unix(h.TS, 0).UTC(), Status: st})
		}
	}
	return u, nil
}

// clip cuts outside text to the event limit on a rune boundary.
func clip(s string) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD")
	if len(s) <= maxEventText {
		return s
	}
	cut := maxEventText
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut]
}
