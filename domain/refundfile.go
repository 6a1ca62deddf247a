package domain

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	json "github.com/goccy/go-json"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// RawRefund is the wire form of one refund request (JSON Lines; CSV maps onto it).
type RawRefund struct {
	Channel     string `json:"channel"`
	RefundID    string `json:"refund_id"`
	TradeID     string `json:"trade_id"`
	Kind        string `json:"kind"`
	Amount      string `json:"amount"`
	Currency    string `json:"currency"` // optional: without it the amount is in the original order's currency
	Reason      string `json:"reason"`
	RequestedAt string `json:"requested_at"`
}

// noCurrency is ISO 4217's code for "no currency"; it parses an amount given without one
// at two decimal places, the scale RefundClaim.ResolveAmount expects.
const noCurrency = "XXX"

// Validate turns a wire record into a RefundClaim, or says what is wrong with it. The
// reason must be UTF-8 (a file saved in GBK is refused rather than stored garbled) and
// is otherwise kept byte for byte, control characters included: it is sanitised where
// it is drawn.
func (r RawRefund) Validate() (RefundClaim, error) {
	var c RefundClaim
	for _, f := range []struct{ name, v string }{{"channel", r.Channel}, {"refund_id", r.RefundID}, {"trade_id", r.TradeID}} {
		if err := validIdent(f.name, f.v); err != nil {
			return c, err
		}
	}
	if r.Kind == "" {
		return c, errors.New("kind is missing")
	}
	kind, ok := refundKindByName(r.Kind)
	if !ok {
		return c, fmt.Errorf("kind %q is not one of %s", r.Kind, joinNames(RefundKinds))
	}
	amount, err := parseRefundAmount(r.Amount, r.Currency)
	if err != nil {
		return c, err
	}
	if len(r.Reason) > maxField {
		return c, fmt.Errorf("reason is longer than %d bytes", maxField)
	}
	if !utf8.ValidString(r.Reason) {
		return c, errors.New("reason is not valid UTF-8 — save the file as UTF-8")
	}
	if r.RequestedAt == "" {
		return c, errors.New("requested_at is missing")
	}
	at, err := time.Parse(time.RFC3339, r.RequestedAt)
	if err != nil {
		return c, fmt.Errorf("requested_at %q is not an RFC 3339 time such as 2026-11-21T08:00:00Z", r.RequestedAt)
	}
	if at.Before(earliestRequest) || !at.Before(latestRequest) {
		return c, fmt.Errorf("requested_at %q is not between %d and %d", r.RequestedAt, earliestRequest.Year(), latestRequest.Year()-1)
	}
	return RefundClaim{
		RefundKey: RefundKey{Channel: r.Channel, RefundID: r.RefundID},
		TradeID:   r.TradeID, Kind: kind, Amount: amount, Reason: r.Reason, RequestedAt: at.UTC(),
	}, nil
}

// A request time outside these bounds is a malformed record; they also keep times
// within what storage can encode as Unix nanoseconds.
var (
	earliestRequest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	latestRequest   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// refundKindByName accepts only whole names: a channel's file is data, not typing.
func refundKindByName(s string) (RefundKind, bool) {
	for _, k := range RefundKinds {
		if k.String() == s {
			return k, true
		}
	}
	return 0, false
}

func parseRefundAmount(s, currency string) (Money, error) {
	if strings.TrimSpace(s) == "" {
		return Money{}, errors.New("amount is missing")
	}
	if currency == "" {
		if _, frac, _ := strings.Cut(strings.TrimSpace(s), "."); len(frac) > Exponent("") && digits(frac) {
			return Money{}, fmt.Errorf("amount %q has more than %d decimal places; give its currency", s, Exponent(""))
		}
	}
	m, err := ParseMoney(s, cmp.Or(currency, noCurrency))
	if err != nil {
		return Money{}, err
	}
	if m.Minor < 0 {
		return Money{}, fmt.Errorf("amount %q is negative", s)
	}
	m.Currency = currency
	return m, nil
}

// RefundFile holds the claims of one valid refund file, in file order, one per key (a
// later record of the same key replaces the earlier one).
type RefundFile struct {
	Claims []RefundClaim
}

type refundCollector struct {
	bad    *collector // only its bad lines are used
	claims []RefundClaim
	index  map[RefundKey]int
}

func newRefundCollector(name string) *refundCollector {
	return &refundCollector{bad: newCollector(name), index: map[RefundKey]int{}}
}

func (c *refundCollector) fail(line int, reason string) { c.bad.fail(line, reason) }

func (c *refundCollector) add(line int, r RawRefund) {
	claim, err := r.Validate()
	if err != nil {
		c.fail(line, err.Error())
		return
	}
	if i, ok := c.index[claim.RefundKey]; ok {
		c.claims[i] = claim
		return
	}
	c.index[claim.RefundKey] = len(c.claims)
	c.claims = append(c.claims, claim)
}

func (c *refundCollector) result() (RefundFile, error) {
	if len(c.bad.errs) > 0 {
		return RefundFile{}, c.bad.errs
	}
	return RefundFile{Claims: c.claims}, nil
}

// ParseRefundJSONL reads one refund request per line. Blank lines are ignored. Any bad
// line rejects the whole file; the error lists each bad line as name:line: reason.
func ParseRefundJSONL(name string, r io.Reader) (RefundFile, error) {
	c := newRefundCollector(name)
	sc := bufio.NewScanner(SkipBOM(r))
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	line := 0
	for sc.Scan() {
		line++
		l := bytes.TrimSpace(sc.Bytes())
		if len(l) == 0 {
			continue
		}
		var raw RawRefund
		if why := lineProblem(l); why != "" {
			c.fail(line, why)
			continue
		}
		if err := json.Unmarshal(l, &raw); err != nil {
			c.fail(line, "not a JSON refund request: "+jsonReason(err))
			continue
		}
		c.add(line, raw)
	}
	if err := sc.Err(); err != nil {
		reason := "cannot read: " + err.Error()
		if errors.Is(err, bufio.ErrTooLong) {
			reason = fmt.Sprintf("line is longer than %s: a JSON Lines file holds one refund request per line", sizeWords(maxLine))
		}
		c.fail(line+1, reason)
	}
	return c.result()
}

// RefundCSVColumns is the header of a refund CSV, one request per row, columns in any
// order. The currency column may be left out, or left empty on a row.
var RefundCSVColumns = []string{"channel", "refund_id", "trade_id", "kind", "amount", "currency", "reason", "requested_at"}

// ParseRefundCSV reads a refund CSV with a header row naming the columns of
// RefundCSVColumns. Any bad row rejects the whole file; the error lists each bad row as
// name:line: reason. A reason may span lines inside quotes; a row is named by the line
// it starts on.
func ParseRefundCSV(name string, r io.Reader) (RefundFile, error) {
	c := newRefundCollector(name)
	need := slices.DeleteFunc(slices.Clone(RefundCSVColumns), func(h string) bool { return h == "currency" })
	t, why := openCSV(r, need)
	if why != "" {
		c.fail(1, why)
		return c.result()
	}
	col := t.col
	line := 1
	for {
		rec, at, why, done := t.row(line)
		if why != "" {
			c.fail(at, why)
		}
		if done {
			break
		}
		if line = at; rec == nil {
			continue
		}
		get := func(k string) string {
			if i, ok := col[k]; ok {
				return rec[i]
			}
			return ""
		}
		c.add(line, RawRefund{
			Channel: get("channel"), RefundID: get("refund_id"), TradeID: get("trade_id"), Kind: get("kind"),
			Amount: get("amount"), Currency: get("currency"), Reason: get("reason"), RequestedAt: get("requested_at"),
		})
	}
	return c.result()
}
