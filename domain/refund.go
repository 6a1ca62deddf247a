package domain

import (
	"fmt"
	"strings"
	"time"
)

// RefundKey identifies a refund request: (channel, refund ID).
type RefundKey struct {
	Channel  string
	RefundID string
}

func (k RefundKey) String() string { return k.Channel + ":" + k.RefundID }

// ParseRefundKey reads CHANNEL:REFUND_ID as given on the command line.
func ParseRefundKey(s string) (RefundKey, error) {
	ch, id, ok := strings.Cut(s, ":")
	if !ok || ch == "" || id == "" {
		return RefundKey{}, fmt.Errorf("%q is not a refund key: want CHANNEL:REFUND_ID, e.g. tb-main:R9001", s)
	}
	if err := validIdent("channel", ch); err != nil {
		return RefundKey{}, err
	}
	if err := validIdent("refund ID", id); err != nil {
		return RefundKey{}, err
	}
	return RefundKey{Channel: ch, RefundID: id}, nil
}

// RefundKind is what the buyer asks for (seed 003: 未收到货退款, 已收到货退款 without
// return, 退货退款, 售后退款).
type RefundKind uint8

const (
	RefundNotReceived      RefundKind = iota + 1 // parcel never arrived: the whole paid amount
	RefundReceivedNoReturn                       // keeps the goods: the negotiated amount
	RefundReturnGoods                            // sends the goods back: the requested amount
	RefundAfterSale                              // after the trade completed: the requested amount
	// RefundVoucherUnexpired asks back the unredeemed units of an e-voucher order: the
	// formula's amount (rule 26), decided at import when the product refunds automatically.
	RefundVoucherUnexpired
	// RefundVoucherExpired is no request kind: it marks the refund recorded when a
	// voucher's units expired on a product that refunds them.
	RefundVoucherExpired
)

// RefundKinds lists every kind a refund request may have, in display order.
var RefundKinds = []RefundKind{RefundNotReceived, RefundReceivedNoReturn, RefundReturnGoods, RefundAfterSale, RefundVoucherUnexpired}

var refundKindNames = map[RefundKind]string{
	RefundNotReceived: "not_received", RefundReceivedNoReturn: "received_no_return",
	RefundReturnGoods: "return_goods", RefundAfterSale: "after_sale",
	RefundVoucherUnexpired: "voucher_unexpired", RefundVoucherExpired: "voucher_expired",
}

func (k RefundKind) String() string { return refundKindNames[k] }

// ParseRefundKind reads a kind name; a unique prefix ("not", "after") is enough.
func ParseRefundKind(s string) (RefundKind, error) {
	k, err := parseName(s, RefundKinds)
	if err != nil {
		return 0, fmt.Errorf("kind %q is not one of %s (or a unique prefix of one)", s, joinNames(RefundKinds))
	}
	return k, nil
}

// RefundState is where a request stands in the refund queue (SPEC §3 rules 17–19).
type RefundState uint8

const (
	RefundPending   RefundState = iota + 1 // waits for an operator's answer
	RefundConverted                        // answered with a refund on the original order
	RefundRejected                         // refused; the rejection is written back to the channel
	RefundProcessed                        // closed by hand, e.g. the buyer withdrew it
)

// RefundStates lists every state in display order.
var RefundStates = []RefundState{RefundPending, RefundConverted, RefundRejected, RefundProcessed}

var refundStateNames = map[RefundState]string{
	RefundPending: "pending", RefundConverted: "converted", RefundRejected: "rejected", RefundProcessed: "processed",
}

func (s RefundState) String() string { return refundStateNames[s] }

// ParseRefundState reads a state name; a unique prefix ("pend", "rej") is enough.
func ParseRefundState(s string) (RefundState, error) {
	st, err := parseName(s, RefundStates)
	if err != nil {
		return 0, fmt.Errorf("refund state %q is not one of %s (or a unique prefix of one)", s, joinNames(RefundStates))
	}
	return st, nil
}

func joinNames[T fmt.Stringer](values []T) string {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = v.String()
	}
	return strings.Join(names, ", ")
}

// DefaultRespondWithin is how long a seller has to answer a request before the platform
// approves it on its own (rule 21, seed 003: 卖家有5天的时间).
const DefaultRespondWithin = 5 * 24 * time.Hour

// RefundClaim is a refund request as the channel reports it: the content of one import
// record.
type RefundClaim struct {
	RefundKey
	TradeID string // the original trade, on the same channel
	Kind    RefundKind
	// Amount is what the buyer asks for. An empty Currency means the file gave none: the
	// amount is then in the original order's currency, with two decimal places until it
	// is resolved against the order (see ResolveAmount).
	Amount      Money
	Reason      string // the buyer's words, kept as sent; sanitised where drawn
	RequestedAt time.Time
}

// OrderKey is the key of the original sales order.
func (c RefundClaim) OrderKey() Key { return Key{Channel: c.Channel, TradeID: c.TradeID} }

// Equal reports whether two claims carry the same content.
func (c RefundClaim) Equal(o RefundClaim) bool {
	return c.RefundKey == o.RefundKey && c.TradeID == o.TradeID && c.Kind == o.Kind && c.Amount == o.Amount &&
		c.Reason == o.Reason && c.RequestedAt.Equal(o.RequestedAt)
}

// AmountText prints the requested amount, with its currency when the file gave one.
func (c RefundClaim) AmountText() string {
	if c.Amount.Currency == "" {
		return c.Amount.Decimal()
	}
	return c.Amount.String()
}

// ResolveAmount gives the requested amount in the currency of the original order:
// unchanged when the request names that currency, rescaled when it named none, refused
// when it names another one.
func (c RefundClaim) ResolveAmount(currency string) (Money, error) {
	m := c.Amount
	if m.Currency == currency {
		return m, nil
	}
	if m.Currency != "" {
		return Money{}, fmt.Errorf("refund %s asks for %s but the original order %s was paid in %s", c.RefundKey, m, c.OrderKey(), currency)
	}
	from, to := Exponent(""), Exponent(currency)
	v := m.Minor
	for ; to > from; to-- {
		v *= 10
	}
	for ; from > to; from-- {
		if v%10 != 0 {
			return Money{}, fmt.Errorf("refund %s asks for %s, which has more decimal places than %s allows", c.RefundKey, m.Decimal(), currency)
		}
		v /= 10
	}
	return Money{Minor: v, Currency: currency}, nil
}

// RefundRequest is a claim held in the refund queue together with its queue state and
// the operator's decision.
type RefundRequest struct {
	RefundClaim
	State      RefundState
	RespondBy  time.Time // RequestedAt + DefaultRespondWithin; the queue is ordered by it
	Changed    bool      // updated by an import since the operator last saw it
	ImportedAt time.Time
	UpdatedAt  time.Time
	Decision   string // why it was rejected or processed
	Operator   string // who decided
	OrderNo    uint64 // converted: the sales order refunded
	Refunded   Money  // converted: what was refunded (zero when nothing was left)
	// GoodsBack is when the goods of a converted return_goods refund came back (the
	// parcel reached returned, rule 15); zero while they are awaited.
	GoodsBack time.Time
}

// Open reports whether the request still waits for an answer.
func (s RefundState) Open() bool { return s == RefundPending }

// ApplyRefundImport decides what an imported claim does to the existing request (nil if
// the key is new), as ApplyImport does for the pool (rule 19): a new key enters the
// queue pending; a pending request is updated in place and marked changed when its
// content differs (ImportUpdated) or left alone (ImportUnchanged); a processed request is
// suppressed (ImportSuppressed); a converted or rejected one has been answered and is
// skipped (ImportSkipped). For the last three the returned request equals the existing
// one.
func ApplyRefundImport(existing *RefundRequest, c RefundClaim, now time.Time) (RefundRequest, ImportOutcome) {
	if existing == nil {
		return RefundRequest{RefundClaim: c, State: RefundPending, RespondBy: c.RequestedAt.Add(DefaultRespondWithin),
			ImportedAt: now, UpdatedAt: now}, ImportNew
	}
	r := *existing
	switch r.State {
	case RefundProcessed:
		return r, ImportSuppressed
	case RefundConverted, RefundRejected:
		return r, ImportSkipped
	}
	if r.RefundClaim.Equal(c) {
		return r, ImportUnchanged
	}
	r.RefundClaim, r.RespondBy, r.Changed, r.UpdatedAt = c, c.RequestedAt.Add(DefaultRespondWithin), true, now
	return r, ImportUpdated
}

// RefundUrgency classifies a pending request by the time left to answer it (rule 21).
type RefundUrgency uint8

const (
	RefundNotDue  RefundUrgency = iota // answered, or more than RefundDueSoon left
	RefundDueSoon                      // to be answered within RefundDueSoonWithin
	RefundOverdue                      // respond-by has passed: the platform may approve it any moment
)

// RefundDueSoonWithin is how close respond-by must be for a request to count as due soon.
const RefundDueSoonWithin = 24 * time.Hour

var refundUrgencyNames = map[RefundUrgency]string{
	RefundNotDue: "", RefundDueSoon: "due_within_24h", RefundOverdue: "overdue",
}

func (u RefundUrgency) String() string { return refundUrgencyNames[u] }

// TimeLeft is how long remains until respond-by at now; negative once it has passed.
func (r RefundRequest) TimeLeft(now time.Time) time.Duration { return r.RespondBy.Sub(now) }

// RefundUrgencyOf says whether a request is overdue or due within 24 hours at now. Only a
// pending request can be either.
func RefundUrgencyOf(r RefundRequest, now time.Time) RefundUrgency {
	if !r.State.Open() {
		return RefundNotDue
	}
	switch left := r.TimeLeft(now); {
	case left <= 0:
		return RefundOverdue
	case left <= RefundDueSoonWithin:
		return RefundDueSoon
	}
	return RefundNotDue
}

// RefundSearchText is what filter words are matched against in the refund queue: channel,
// refund ID, trade ID, kind and reason, lower-cased and joined with a separator no word
// can contain (see TextMatches).
func RefundSearchText(r *RefundRequest) string {
	return strings.ToLower(strings.Join([]string{r.Channel, r.RefundID, r.TradeID, r.Kind.String(), r.Reason}, "\x00"))
}

// OutboxRefundReject is the outbox kind of a refund rejection written back to a channel.
const OutboxRefundReject = "refund.reject"

// OutboxMessage is something owed to the outside world, queued in the same transaction
// as the change that owes it and sent later.
type OutboxMessage struct {
	Channel   string
	Kind      string // what is owed, e.g. OutboxRefundReject
	Key       string // the object on the channel: for a rejection, the refund ID
	Body      string // what to tell the channel: for a rejection, the reason
	CreatedAt time.Time

	// The delivery (outbox.go): the order it is about (0 for none), the stage that makes
	// it one of a kind for that order (a tracking number, a refund ID, "5d"), how and to
	// whom it goes, and how its sending went. ID is its number in the outbox.
	ID          uint64
	Order       uint64
	Stage       string
	Note        string // a fact for the text, e.g. the number a correction replaced
	Transport   string
	To          string
	State       OutboxState
	Attempts    int
	NextAttempt time.Time
	LastError   string
	SentAt      time.Time
	Tries       []OutboxTry
	// Lines are a tracking.upload's numbers (outbox_upload.go); Order, Stage and Note are
	// then those of its first line.
	Lines []UploadLine

	// EventAt is when the fact the message tells happened (a delivery message: its
	// event's time, the at_pickup arrival for at_pickup and pickup_reminder); zero for none.
	EventAt time.Time
}

// IdempotencyKey is the message's key, the same at every attempt: the receiver drops
// repeats by it (webhook header Idempotency-Key, e-mail Message-ID).
func (m OutboxMessage) IdempotencyKey() string {
	return fmt.Sprintf("shipdesk-%d-%s", m.ID, m.Kind)
}
