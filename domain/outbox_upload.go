package domain

import (
	"strconv"
	"strings"
)

// A channel's tracking write-back (tracking.upload) goes in chunks: the numbers entered or
// corrected in one write transaction (a bulk upload, a console selection, one ship) are
// queued per channel as messages of at most UploadChunkLines lines, in the order they were
// entered, each line in the channel's own format. A chunk is closed when its transaction
// commits: a later transaction starts new chunks, never adds to one a sender may hold.

// UploadChunkLines is the most lines one tracking.upload message carries: what GSPAY takes
// in one upload (SPEC §3 rule 12), and the same for every channel.
const UploadChunkLines = GSPAYChunkLines

// UploadLine is one number of a tracking.upload message.
type UploadLine struct {
	Order  uint64 // the sales order
	Trade  string // its number on the channel
	Number string // the tracking number uploaded
	Old    string // the number it corrects; "" for a new one
	Change int    // the shipment's corrections when it was queued (Shipment.Replaced)
	Text   string // the line in the channel's format (UploadLineText)
}

// Stage is the line's place in its order's write-backs, the stage of its dedup row: the
// number for the first one, the number and the correction's count after, so every change
// of number is written back once, a number corrected back to one the channel had too.
func (l UploadLine) Stage() string {
	if l.Change == 0 {
		return l.Number
	}
	return l.Number + "#" + strconv.Itoa(l.Change)
}

// GSPAYPlatform says whether an order's platform is GSPAY, whose write-back is its own
// line format.
func GSPAYPlatform(platform string) bool { return strings.EqualFold(platform, "gspay") }

// UploadLineText is the line that tells o's channel that o ships with number: for a
// GSPAY order the GSPAY line REF:: URL:: Tracking ID=NUMBER (REF its payment reference, or
// its trade ID without one; URL the shipment's, or its carrier's page for the number), for
// every other channel TRADE,CARRIER,NUMBER with the carrier's name.
func UploadLineText(o *SalesOrder, number string) string {
	sh := o.Shipment
	if GSPAYPlatform(o.Platform) {
		ref := o.PaymentRef
		if ref == "" {
			ref = o.TradeID
		}
		url := sh.URL
		if url == "" || sh.Number != number {
			if c, ok := CarrierByCode(sh.Carrier); ok {
				url = c.URL(number)
			}
		}
		return ref + ":: " + url + ":: Tracking ID=" + number
	}
	carrier := sh.Carrier
	if c, ok := CarrierByCode(carrier); ok {
		carrier = c.Name
	}
	return o.TradeID + "," + carrier + "," + number
}

// UploadLineOf is the line of o's current number, correcting old ("" for none).
func UploadLineOf(o *SalesOrder, old string) UploadLine {
	n := o.Shipment.Number
	return UploadLine{Order: o.No, Trade: o.TradeID, Number: n, Old: old, Change: o.Shipment.Replaced, Text: UploadLineText(o, n)}
}

// UploadText is the lines' text, one a line, as the channel receives it.
func UploadText(lines []UploadLine) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return b.String()
}
