package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"shipdesk/textsafe"
	"strconv"
	"strings"

	"shipdesk/domain"
	"shipdesk/storage"
)

// importRefunds: shipdesk import refunds FILE... — every file is read and checked first;
// any bad line in any file imports nothing.
func importRefunds(e *env, files []string) error {
	if len(files) == 0 {
		return usagef("import refunds needs at least one FILE (.jsonl or .csv, - for standard input)")
	}
	for _, name := range files {
		if err := localFile(e, name); err != nil {
			return err
		}
	}
	if err := e.require(domain.ActionRefundImport); err != nil {
		return err
	}
	var claims []domain.RefundClaim
	var bad []string
	for _, name := range files {
		f, err := parseRefundFile(e, name)
		if err != nil {
			var ie domain.ImportErrors
			if !errors.As(err, &ie) && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, os.ErrPermission) && !strings.Contains(err.Error(), "unknown file type") {
				return err
			}
			bad = append(bad, err.Error())
			continue
		}
		claims = append(claims, f.Claims...)
	}
	if len(bad) > 0 {
		return inputError{fmt.Errorf("nothing imported:\n%s", strings.Join(bad, "\n"))}
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := s.ImportRefunds(claims, e.now(), e.actor())
	if err != nil {
		return err
	}
	n := res.New + res.Updated + res.Unchanged + res.Suppressed + res.Skipped
	fmt.Fprintf(e.stdout, "imported %d refund requests: %d new, %d updated, %d unchanged, %d suppressed (processed earlier), %d skipped (already converted or rejected)\n",
		n, res.New, res.Updated, res.Unchanged, res.Suppressed, res.Skipped)
	return nil
}

// parseRefundFile reads one refund file: JSON Lines or CSV by its name; standard input
// ("-") is JSON Lines when its first character is "{", else CSV.
func parseRefundFile(e *env, name string) (domain.RefundFile, error) {
	kind := "csv"
	if name != "-" {
		var err error
		if kind, err = importKind(name); err != nil {
			return domain.RefundFile{}, err
		}
	}
	data, err := readInput(e, name)
	if err != nil {
		return domain.RefundFile{}, err
	}
	if name == "-" {
		name = "stdin"
		if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n\ufeff"), []byte("{")) {
			kind = "jsonl"
		}
	}
	if kind == "jsonl" {
		return domain.ParseRefundJSONL(name, bytes.NewReader(data))
	}
	return domain.ParseRefundCSV(name, bytes.NewReader(data))
}

// cmdRefund: shipdesk refund convert|reject|process [--reason R] KEY... |
// refund partial ORDER_REF --amount A --reason R
func cmdRefund(e *env, args []string) error {
	fs := newFlagSet("refund")
	e.flags(fs)
	reason := fs.String("reason", "", "why: needed to reject, mark processed or refund partially")
	amount := fs.String("amount", "", "partial: the amount, in the order's currency")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("refund needs an action: convert, reject, process or partial")
	}
	action, rest := pos[0], pos[1:]
	switch action {
	case "partial":
		return refundPartial(e, rest, *amount, *reason)
	case "convert", "reject", "process":
	default:
		return usagef("unknown refund action %q: want convert, reject, process or partial", action)
	}
	if *amount != "" {
		return usagef("--amount is for refund partial")
	}
	if len(rest) == 0 {
		return usagef("refund %s needs at least one KEY (CHANNEL:REFUND_ID)", action)
	}
	if action != "convert" && strings.TrimSpace(*reason) == "" {
		return usagef("refund %s needs --reason, e.g. --reason \"photos show no damage\"", action)
	}
	var keys []domain.RefundKey
	for _, r := range rest {
		k, err := domain.ParseRefundKey(r)
		if err != nil {
			return inputError{err}
		}
		keys = append(keys, k)
	}
	if err := e.require(domain.ActionRefund); err != nil {
		return err
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	now := e.now()
	var res storage.RefundBatchResult
	switch action {
	case "convert":
		res, err = s.ConvertRefunds(keys, now, e.actor())
	case "reject":
		res, err = s.RejectRefunds(keys, *reason, now, e.actor())
	default:
		res, err = s.ProcessRefunds(keys, *reason, now, e.actor())
	}
	var unknown storage.ErrUnknownRefunds
	if errors.As(err, &unknown) {
		return inputError{fmt.Errorf("nothing changed: %v", unknown)}
	}
	if err != nil {
		return err
	}
	done := map[string]string{"convert": "converted", "reject": "rejected", "process": "processed"}[action]
	for _, r := range res.Rows {
		if r.Done {
			fmt.Fprintf(e.stdout, "%s %s: %s\n", done, r.Key, textsafe.Safe(r.Text))
		} else {
			fmt.Fprintf(e.stdout, "skipped %s: %s\n", r.Key, textsafe.Safe(r.Reason))
		}
	}
	fmt.Fprintf(e.stdout, "%d %s, %d skipped\n", res.Done(), done, res.Skipped())
	if res.Done() == 0 {
		return inputError{fmt.Errorf("nothing %s: every request was refused", done)}
	}
	return nil
}

func refundPartial(e *env, rest []string, amount, reason string) error {
	if len(rest) != 1 {
		return usagef("usage: shipdesk refund partial ORDER_REF --amount 12.50 --reason R (ORDER_REF: SO number, CHANNEL:TRADE_ID, trade ID or payment ref)")
	}
	if strings.TrimSpace(amount) == "" || strings.TrimSpace(reason) == "" {
		return usagef("refund partial needs --amount and --reason, e.g. --amount 12.50 --reason \"scratched box\"")
	}
	if err := e.require(domain.ActionPartial); err != nil {
		return err
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := s.PartialRefund(rest[0], amount, reason, e.now(), e.actor())
	if err != nil {
		return inputError{err}
	}
	fmt.Fprintf(e.stdout, "%s: refunded %s (%s); left to refund %s of %s paid\n",
		domain.OrderNumber(res.Order.No), res.Refund.Amount, textsafe.Safe(res.Refund.Reason), res.Left, res.Order.Total)
	return nil
}

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
}

var exportRefundColumns = []string{"key", "state", "changed", "channel", "refund_id", "trade_id", "kind", "amount", "currency",
	"reason", "requested_at", "respond_by", "decision", "operator", "order_no", "refunded", "imported_at", "updated_at"}

func wireRefund(r domain.RefundRequest) exportRefund {
	x := exportRefund{
		Key: r.RefundKey.String(), State: r.State.String(), Changed: r.Changed, Channel: r.Channel, RefundID: r.RefundID,
		TradeID: r.TradeID, Kind: r.Kind.String(), Amount: r.Amount.Decimal(), Currency: r.Amount.Currency, Reason: r.Reason,
		RequestedAt: isoTime(r.RequestedAt), RespondBy: isoTime(r.RespondBy), Decision: r.Decision, Operator: r.Operator,
		OrderNo: orderNo(r.OrderNo), ImportedAt: isoTime(r.ImportedAt), UpdatedAt: isoTime(r.UpdatedAt),
	}
	if r.State == domain.RefundConverted {
		x.Refunded = r.Refunded.Decimal()
	}
	return x
}

func (x exportRefund) row() []string {
	return []string{x.Key, x.State, strconv.FormatBool(x.Changed), x.Channel, x.RefundID, x.TradeID, x.Kind, x.Amount, x.Currency,
		x.Reason, x.RequestedAt, x.RespondBy, x.Decision, x.Operator, x.OrderNo, x.Refunded, x.ImportedAt, x.UpdatedAt}
}

// exportOutbox is one message owed to a channel.
type exportOutbox struct {
	Seq       uint64 `json:"seq"`
	Channel   string `json:"channel"`
	Kind      string `json:"kind"`
	Key       string `json:"key"`
	Body      string `json:"body"`
	CreatedAt string `json:"created_at"`
}

// exportRefunds: shipdesk export refunds|outbox [--format jsonl|csv]
func exportRefunds(e *env, what, format string) error {
	if format == "" {
		format = "jsonl"
	}
	if format != "jsonl" && format != "csv" {
		return usagef("--format must be jsonl or csv, not %q", format)
	}
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	out := bufio.NewWriterSize(e.stdout, 64*1024)
	defer out.Flush()
	var write func(row []string, v any) error
	if format == "jsonl" {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		write = func(_ []string, v any) error { return enc.Encode(v) }
	} else {
		w := csv.NewWriter(out)
		defer w.Flush()
		write = func(row []string, _ any) error { return w.Write(row) }
		header := exportRefundColumns
		if what == "outbox" {
			header = []string{"seq", "channel", "kind", "key", "body", "created_at"}
		}
		if err := w.Write(header); err != nil {
			return err
		}
	}
	if what == "outbox" {
		return s.EachOutbox(func(seq uint64, m domain.OutboxMessage) error {
			x := exportOutbox{Seq: seq, Channel: m.Channel, Kind: m.Kind, Key: m.Key, Body: m.Body, CreatedAt: isoTime(m.CreatedAt)}
			return write([]string{strconv.FormatUint(seq, 10), x.Channel, x.Kind, x.Key, x.Body, x.CreatedAt}, x)
		})
	}
	return s.EachRefund(func(r domain.RefundRequest) error {
		x := wireRefund(r)
		return write(x.row(), x)
	})
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
