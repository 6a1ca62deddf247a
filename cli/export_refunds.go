package cli

import (
	"strconv"

	"shipdesk/domain"
)

// exportRefund is one request as `export refunds` writes it.
type exportRefund struct {
	Key         string `json:"key"`
	State       string `json:"state"`
	Changed     bool   `json:"changed"`
	Channel     string `json:"channel"`
	RefundID    string `json:"refund_id"`
	TradeID     string `json:"trade_id"`
	Kind        string `json:"kind"`
	Amount      string `json:"amount"`
	Currency    string `json:"currency"`
	Reason      string `json:"reason"`
	RequestedAt string `json:"requested_at"`
	RespondBy   string `json:"respond_by"`
	Decision    string `json:"decision,omitempty"`
	Operator    string `json:"operator,omitempty"`
	OrderNo     string `json:"order_no,omitempty"`
	Refunded    string `json:"refunded,omitempty"`
	ImportedAt  string `json:"imported_at"`
	UpdatedAt   string `json:"updated_at"`
	GoodsBack   string `json:"goods_back,omitempty"` // a return_goods refund whose goods came back: when
}

var exportRefundColumns = []string{"key", "state", "changed", "channel", "refund_id", "trade_id", "kind", "amount", "currency",
	"reason", "requested_at", "respond_by", "decision", "operator", "order_no", "refunded", "imported_at", "updated_at", "goods_back"}

func wireRefund(r domain.RefundRequest) exportRefund {
	x := exportRefund{
		Key: r.RefundKey.String(), State: r.State.String(), Changed: r.Changed, Channel: r.Channel, RefundID: r.RefundID,
		TradeID: r.TradeID, Kind: r.Kind.String(), Amount: r.Amount.Decimal(), Currency: r.Amount.Currency, Reason: r.Reason,
		RequestedAt: domain.ISOTime(r.RequestedAt), RespondBy: domain.ISOTime(r.RespondBy), Decision: r.Decision, Operator: r.Operator,
		OrderNo: orderNo(r.OrderNo), ImportedAt: domain.ISOTime(r.ImportedAt), UpdatedAt: domain.ISOTime(r.UpdatedAt),
	}
	if !r.GoodsBack.IsZero() {
		x.GoodsBack = domain.ISOTime(r.GoodsBack)
	}
	if r.State == domain.RefundConverted {
		x.Refunded = r.Refunded.Decimal()
	}
	return x
}

func (x exportRefund) row() []string {
	return []string{x.Key, x.State, strconv.FormatBool(x.Changed), x.Channel, x.RefundID, x.TradeID, x.Kind, x.Amount, x.Currency,
		x.Reason, x.RequestedAt, x.RespondBy, x.Decision, x.Operator, x.OrderNo, x.Refunded, x.ImportedAt, x.UpdatedAt, x.GoodsBack}
}

// exportOutbox is one message owed to a buyer or a channel: the write-back's fields
// first (as before the outbox was delivered), then its delivery.
type exportOutbox struct {
	Seq         uint64 `json:"seq"`
	Channel     string `json:"channel"`
	Kind        string `json:"kind"`
	Key         string `json:"key"`
	Body        string `json:"body"`
	CreatedAt   string `json:"created_at"`
	Order       string `json:"order"`
	Stage       string `json:"stage"`
	Transport   string `json:"transport"`
	To          string `json:"to"`
	State       string `json:"state"`
	Attempts    int    `json:"attempts"`
	NextAttempt string `json:"next_attempt"`
	LastError   string `json:"last_error"`
	SentAt      string `json:"sent_at"`
	Idempotency string `json:"idempotency_key"`
}

var exportOutboxColumns = []string{"seq", "channel", "kind", "key", "body", "created_at", "order", "stage", "transport", "to",
	"state", "attempts", "next_attempt", "last_error", "sent_at", "idempotency_key"}

// exportRefunds: shipdesk export refunds|outbox [--format jsonl|csv]
func exportRefunds(e *env, what, format string) error {
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	header := exportRefundColumns
	if what == "outbox" {
		header = exportOutboxColumns
	}
	write, done, err := rowWriter(e.stdout, format, header, e.onScreen)
	if err != nil {
		return err
	}
	if what == "outbox" {
		return done(s.EachOutbox(func(seq uint64, m domain.OutboxMessage) error {
			x := exportOutbox{Seq: seq, Channel: m.Channel, Kind: m.Kind, Key: m.Key, Body: m.Body, CreatedAt: domain.ISOTime(m.CreatedAt),
				Order: orderNo(m.Order), Stage: m.Stage, Transport: m.Transport, To: m.To, State: m.State.String(), Attempts: m.Attempts,
				LastError: m.LastError, SentAt: domain.ISOTime(m.SentAt), Idempotency: m.IdempotencyKey()}
			if m.State.Pending() {
				x.NextAttempt = domain.ISOTime(m.NextAttempt)
			}
			if len(m.Lines) > 0 { // a tracking.upload chunk: its lines, as the channel gets them
				x.Body = domain.UploadText(m.Lines)
			}
			if m.Kind == domain.OutboxVoucherCode {
				x.Body = codeDigits.ReplaceAllStringFunc(x.Body, e.showCode) // the code in full to supervisors only
			}
			return write([]string{strconv.FormatUint(seq, 10), x.Channel, x.Kind, x.Key, x.Body, x.CreatedAt, x.Order, x.Stage,
				x.Transport, x.To, x.State, strconv.Itoa(x.Attempts), x.NextAttempt, x.LastError, x.SentAt, x.Idempotency}, x)
		}))
	}
	return done(s.EachRefund(func(r domain.RefundRequest) error {
		x := wireRefund(r)
		return write(x.row(), x)
	}))
}
