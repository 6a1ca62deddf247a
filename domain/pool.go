package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Key identifies a pool entry and the sales order it becomes: (channel, trade ID).
type Key struct {
	Channel string
	TradeID string
}

func (k Key) String() string { return k.Channel + ":" + k.TradeID }

// ParseKey reads CHANNEL:TRADE_ID as given on the command line.
func ParseKey(s string) (Key, error) {
	ch, id, ok := strings.Cut(s, ":")
	if !ok || ch == "" || id == "" {
		return Key{}, fmt.Errorf("%q is not a key: want CHANNEL:TRADE_ID, e.g. tb-main:T1001", s)
	}
	if err := validIdent("channel", ch); err != nil {
		return Key{}, err
	}
	if err := validIdent("trade ID", id); err != nil {
		return Key{}, err
	}
	return Key{Channel: ch, TradeID: id}, nil
}

// validIdent keeps identifiers printable and free of the separators storage relies on.
func validIdent(what, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if len(s) > 64 {
		return fmt.Errorf("%s %q is longer than 64 bytes", what, s[:64])
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s %q is not valid UTF-8", what, s)
	}
	for _, r := range s {
		if r == ' ' || r == ':' || !unicode.IsPrint(r) {
			return fmt.Errorf("%s %q may not contain spaces, colons, control or invisible characters", what, s)
		}
	}
	return nil
}

// TradeStatus is the platform's own status of the trade.
type TradeStatus uint8

const (
	TradeUnpaid TradeStatus = iota + 1
	TradePaid
	TradeCancelled
	TradeClosed
)

var tradeStatusNames = map[TradeStatus]string{
	TradeUnpaid: "unpaid", TradePaid: "paid", TradeCancelled: "cancelled", TradeClosed: "closed",
}

func (s TradeStatus) String() string { return tradeStatusNames[s] }

// ParseTradeStatus reads one of unpaid, paid, cancelled, closed.
func ParseTradeStatus(s string) (TradeStatus, error) {
	for k, v := range tradeStatusNames {
		if v == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("trade_status %q is not one of unpaid, paid, cancelled, closed", s)
}

// PoolState is where an entry stands in the pending pool (seed 002).
type PoolState uint8

const (
	PoolAwaitingDetail PoolState = iota + 1 // header only, line items not yet downloaded
	PoolReady                               // complete, may be converted
	PoolConverted                           // became a sales order; later imports skip it
	PoolRemoved                             // dropped; the next import brings it back
	PoolProcessed                           // closed by hand; later imports are suppressed
)

// PoolStates lists every state in display order.
var PoolStates = []PoolState{PoolAwaitingDetail, PoolReady, PoolConverted, PoolRemoved, PoolProcessed}

var poolStateNames = map[PoolState]string{
	PoolAwaitingDetail: "awaiting_detail", PoolReady: "ready", PoolConverted: "converted",
	PoolRemoved: "removed", PoolProcessed: "processed",
}

func (s PoolState) String() string { return poolStateNames[s] }

// ParsePoolState reads a state name; a unique prefix ("await", "conv") is enough.
func ParsePoolState(s string) (PoolState, error) {
	return parseName(s, PoolStates)
}

// parseName finds the value named s, or the one value whose name s is a prefix of.
func parseName[T fmt.Stringer](s string, values []T) (T, error) {
	var zero, found T
	n := 0
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = v.String()
		if names[i] == s {
			return v, nil
		}
		if s != "" && strings.HasPrefix(names[i], s) {
			found = v
			n++
		}
	}
	switch n {
	case 1:
		return found, nil
	case 0:
		return zero, fmt.Errorf("state %q is not one of %s", s, strings.Join(names, ", "))
	}
	return zero, fmt.Errorf("state %q is ambiguous", s)
}

// Open reports whether the entry still waits for an operator.
func (s PoolState) Open() bool { return s == PoolAwaitingDetail || s == PoolReady }

// Consignee is who receives the parcel.
type Consignee struct {
	Name    string
	Phone   string
	Address string
	Country string
}

// Item is one line of an order.
type Item struct {
	SKU   string
	Title string
	Qty   int
	Price Money // unit price
	// Voucher is the product's e-voucher terms; zero for goods (rules 23–27).
	Voucher VoucherTerms
}

// Trade is an order as a channel reports it: the content of one import record.
type Trade struct {
	Key
	Platform    string
	Buyer       string
	Consignee   Consignee
	TradeStatus TradeStatus
	PaymentRef  string
	PaidAt      time.Time // zero when unpaid
	Total       Money
	Items       []Item
}

// Equal reports whether two trades carry the same content.
func (t Trade) Equal(o Trade) bool {
	if t.Key != o.Key || t.Platform != o.Platform || t.Buyer != o.Buyer || t.Consignee != o.Consignee ||
		t.TradeStatus != o.TradeStatus || t.PaymentRef != o.PaymentRef || !t.PaidAt.Equal(o.PaidAt) ||
		t.Total != o.Total || len(t.Items) != len(o.Items) {
		return false
	}
	for i := range t.Items {
		if t.Items[i] != o.Items[i] {
			return false
		}
	}
	return true
}

// ItemCount is the number of units over all lines.
func (t Trade) ItemCount() int {
	n := 0
	for _, it := range t.Items {
		n += it.Qty
	}
	return n
}

// PoolEntry is a trade held in the pending pool together with its pool state.
type PoolEntry struct {
	Trade
	State      PoolState
	Changed    bool   // updated by an import since the operator last saw it
	Reason     string // why it was marked processed
	OrderNo    uint64 // the sales order it became, once converted
	ImportedAt time.Time
	UpdatedAt  time.Time
	// StateBy and StateAt say who last moved the entry to its state and when, so that a
	// second operator acting on it learns who was first.
	StateBy string
	StateAt time.Time
}

// HeaderOnly reports whether the line items have not arrived yet.
func (e PoolEntry) HeaderOnly() bool { return len(e.Items) == 0 }

// ImportOutcome says what one imported record did to the pool (SPEC §3 rules 1–4).
type ImportOutcome uint8

const (
	ImportNew        ImportOutcome = iota + 1 // key seen for the first time
	ImportUpdated                             // key in the pool, content changed: marked changed
	ImportUnchanged                           // key in the pool, same content: nothing to do
	ImportReadded                             // key had been removed: back in the pool
	ImportSuppressed                          // key was marked processed: skipped
	ImportSkipped                             // key already converted: skipped
)

// stateFor is awaiting detail until the line items arrive.
func stateFor(t Trade) PoolState {
	if len(t.Items) == 0 {
		return PoolAwaitingDetail
	}
	return PoolReady
}

// ApplyImport decides what an imported trade does to the existing entry (nil if the key
// is new). It returns the entry to store and the outcome; for ImportUnchanged,
// ImportSuppressed and ImportSkipped the returned entry equals the existing one.
// attention is true when a converted trade is now reported cancelled or closed, so its
// sales order must be flagged (rule 4).
func ApplyImport(existing *PoolEntry, t Trade, now time.Time) (next PoolEntry, outcome ImportOutcome, attention bool) {
	if existing == nil {
		return PoolEntry{Trade: t, State: stateFor(t), ImportedAt: now, UpdatedAt: now}, ImportNew, false
	}
	e := *existing
	switch e.State {
	case PoolProcessed:
		return e, ImportSuppressed, false
	case PoolConverted:
		cancelled := t.TradeStatus == TradeCancelled || t.TradeStatus == TradeClosed
		return e, ImportSkipped, cancelled && e.TradeStatus != t.TradeStatus
	case PoolRemoved:
		e.Trade, e.State, e.Changed, e.Reason = t, stateFor(t), false, ""
		e.ImportedAt, e.UpdatedAt = now, now
		return e, ImportReadded, false
	}
	if e.Trade.Equal(t) {
		return e, ImportUnchanged, false
	}
	e.Trade, e.State, e.Changed, e.UpdatedAt = t, stateFor(t), true, now
	return e, ImportUpdated, false
}

// CheckConvertible says why an entry may not be converted, or nil (rule 4).
func CheckConvertible(e PoolEntry) error {
	switch e.State {
	case PoolAwaitingDetail:
		return fmt.Errorf("%s is not ready: no line items yet — wait for the detail import", e.Key)
	case PoolConverted:
		return fmt.Errorf("%s is already converted to sales order %s", e.Key, OrderNumber(e.OrderNo))
	case PoolRemoved:
		return fmt.Errorf("%s was removed — it returns with the next import", e.Key)
	case PoolProcessed:
		return fmt.Errorf("%s was marked processed (%s)", e.Key, e.Reason)
	}
	if e.TradeStatus != TradePaid {
		return fmt.Errorf("%s is not paid (trade status %s)", e.Key, e.TradeStatus)
	}
	return nil
}

// CheckRemovable says why an entry may not be removed, or nil (rule 2).
func CheckRemovable(e PoolEntry) error {
	if !e.State.Open() {
		return fmt.Errorf("%s cannot be removed: it is %s", e.Key, e.State)
	}
	return nil
}

// CheckProcessable says why an entry may not be marked processed, or nil (rule 3).
func CheckProcessable(e PoolEntry, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return fmt.Errorf("marking %s processed needs a reason", e.Key)
	}
	if e.State == PoolConverted || e.State == PoolProcessed {
		return fmt.Errorf("%s cannot be marked processed: it is %s", e.Key, e.State)
	}
	return nil
}

// Remove drops an open entry; the next import brings it back (rule 2).
func Remove(e PoolEntry, now time.Time) (PoolEntry, error) {
	if err := CheckRemovable(e); err != nil {
		return e, err
	}
	e.State, e.Changed, e.UpdatedAt = PoolRemoved, false, now
	return e, nil
}

// Process closes an entry with a reason; later imports are suppressed (rule 3).
func Process(e PoolEntry, reason string, now time.Time) (PoolEntry, error) {
	if err := CheckProcessable(e, reason); err != nil {
		return e, err
	}
	e.State, e.Changed, e.Reason, e.UpdatedAt = PoolProcessed, false, strings.TrimSpace(reason), now
	return e, nil
}
