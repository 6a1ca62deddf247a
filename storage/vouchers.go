package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// E-vouchers (rules 23–27). A voucher order's record (vouchers) holds every code issued
// for it, oldest first; voucher_by_code finds the order of any code ever issued (so a
// code is never handed out twice); voucher_by_until orders the live codes by valid-until
// (for expiry and "expiring within 7 days"); voucher_redemptions is the redemption log by
// time. Counters: voucher/live (live codes) and voucher/units (their units left).

var (
	bVouchers        = []byte("vouchers")
	bVoucherByCode   = []byte("voucher_by_code")
	bVoucherByUntil  = []byte("voucher_by_until")
	bRedemptions     = []byte("voucher_redemptions")
	kRedemptionSeq   = []byte("seq/redemption")
	cVoucherLive     = "voucher/live"
	cVoucherUnits    = "voucher/units"
	voucherAuditFail = "voucher.redeem.refused"
)

func untilKey(c *domain.VoucherCode, no uint64) []byte {
	k := timeKey(make([]byte, 0, 16+len(c.Code)), c.ValidUntil)
	k = binary.BigEndian.AppendUint64(k, no)
	return append(k, c.Code...)
}

func decodeVoucher(b []byte) (domain.Voucher, error) {
	var v domain.Voucher
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("voucher record: %w", err)
	}
	return v, nil
}

func getVoucher(tx *bolt.Tx, no uint64) (*domain.Voucher, error) {
	b := tx.Bucket(bVouchers).Get(u64(no))
	if b == nil {
		return nil, nil
	}
	v, err := decodeVoucher(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", domain.OrderNumber(no), err)
	}
	return &v, nil
}

// countVoucher adds (sign +1) or takes away (-1) a voucher's live codes and units.
func countVoucher(w *wtx, v *domain.Voucher, sign int64) {
	for _, c := range v.Live() {
		w.add(cVoucherLive, "", sign)
		w.add(cVoucherUnits, "", sign*int64(c.Left()))
	}
}

// putVoucher writes next over old (nil if new), keeping both indexes and the counters.
func (w *wtx) putVoucher(old, next *domain.Voucher) error {
	ix := w.tx.Bucket(bVoucherByUntil)
	if old != nil {
		countVoucher(w, old, -1)
		for _, c := range old.Live() {
			if err := ix.Delete(untilKey(c, old.OrderNo)); err != nil {
				return err
			}
		}
	}
	countVoucher(w, next, 1)
	for _, c := range next.Live() {
		if err := ix.Put(untilKey(c, next.OrderNo), []byte{}); err != nil {
			return err
		}
	}
	byCode := w.tx.Bucket(bVoucherByCode)
	for i := range next.Codes {
		if err := byCode.Put([]byte(next.Codes[i].Code), u64(next.OrderNo)); err != nil {
			return err
		}
	}
	b, err := json.Marshal(next)
	if err != nil {
		return err
	}
	return w.tx.Bucket(bVouchers).Put(u64(next.OrderNo), b)
}

// drawer hands out fresh codes inside tx: drawn from the store's source (crypto/rand),
// and drawn again when the code was ever issued or was drawn in this transaction.
func (s *Store) drawer(tx *bolt.Tx) func() (string, error) {
	seen := map[string]bool{}
	return func() (string, error) {
		for range 100 {
			c, err := domain.NewVoucherCode(s.codeRand, s.codeDigits)
			if err != nil {
				return "", err
			}
			if !seen[c] && tx.Bucket(bVoucherByCode).Get([]byte(c)) == nil {
				seen[c] = true
				return c, nil
			}
		}
		return "", errors.New("no unused voucher code found in 100 draws: raise the code length")
	}
}

// queueVoucherMessage is the one way a code reaches the buyer's phone: a message queued in
// the outbox in the transaction that issued the code.
func queueVoucherMessage(w *wtx, v *domain.Voucher, c *domain.VoucherCode, now time.Time) error {
	return w.putOutbox(domain.OutboxMessage{Channel: v.Key.Channel, Kind: domain.OutboxVoucherCode, Key: v.Phone,
		Body: domain.VoucherMessage(c, time.UTC), CreatedAt: now})
}

// issueVoucher issues the codes of a voucher order being converted (rule 23): the order
// becomes shipped (issuing is the shipment) and a message per code is queued.
func (s *Store) issueVoucher(w *wtx, o *domain.SalesOrder, now time.Time) error {
	if w.notify == nil {
		s.withPolicy(w) // the code messages are due by [notify], whichever batch converts
	}
	v, err := domain.IssueCodes(*o, now, s.drawer(w.tx))
	if err != nil {
		return err
	}
	if err := w.putVoucher(nil, &v); err != nil {
		return err
	}
	for i := range v.Codes {
		if err := queueVoucherMessage(w, &v, &v.Codes[i], now); err != nil {
			return err
		}
	}
	o.Status = domain.OrderShipped
	return nil
}

// RedeemResult is a redemption as recorded.
type RedeemResult struct {
	Redemption domain.Redemption
	Order      domain.SalesOrder
}

// Redeem redeems units of a code at the counter (rule 24). An unknown code and a wrong
// phone get the same refusal (domain.ErrRedeemRefused); every failure is an audit event,
// and the fifth on one code within an hour locks it for an hour. A refusal is returned as
// the error, with the failure recorded.
func (s *Store) Redeem(in domain.RedeemInput, now time.Time, by Actor) (RedeemResult, error) {
	var res RedeemResult
	if err := by.may(domain.ActionRedeem); err != nil {
		return res, err
	}
	if err := domain.CheckRedeemInput(in); err != nil {
		return res, err
	}
	var refusal error
	err := s.db.Update(func(tx *bolt.Tx) error {
		refusal = nil
		w := s.withPolicy(newWtx(tx, 4)) // a new code's message is due by [notify]
		fail := func(why error, v *domain.Voucher, old *domain.Voucher) error {
			refusal = why
			if v != nil {
				if err := w.putVoucher(old, v); err != nil {
					return err
				}
			}
			detail := map[string]string{"code": domain.MaskCode(in.Code), "reason": why.Error()}
			if in.POS != "" {
				detail["pos"] = in.POS
			}
			if err := w.audit(AuditEvent{At: now, Action: voucherAuditFail, Detail: detail}, by); err != nil {
				return err
			}
			return w.commit()
		}
		nb := tx.Bucket(bVoucherByCode).Get([]byte(in.Code))
		if len(nb) != 8 {
			return fail(domain.ErrRedeemRefused, nil, nil)
		}
		old, err := getVoucher(tx, binary.BigEndian.Uint64(nb))
		if err != nil {
			return err
		}
		if old == nil {
			return fail(domain.ErrRedeemRefused, nil, nil)
		}
		v := cloneVoucher(old)
		c := v.Code(in.Code)
		if phone := domain.PhoneDigits(v.Phone); len(phone) < 4 || phone[len(phone)-4:] != in.Phone4 {
			if c.Locked(now) {
				return fail(domain.ErrRedeemRefused, nil, nil)
			}
			domain.RecordFailure(c, now)
			return fail(domain.ErrRedeemRefused, v, old)
		}
		r, next, err := domain.Redeem(v, c, in, now, by.Operator, s.drawer(tx))
		if err != nil {
			return fail(err, nil, nil)
		}
		if next != nil {
			v.Codes = append(v.Codes, *next)
		}
		if err := w.putVoucher(old, v); err != nil {
			return err
		}
		seq, err := nextSeq(tx, kRedemptionSeq)
		if err != nil {
			return err
		}
		rb, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bRedemptions).Put(binary.BigEndian.AppendUint64(timeKey(nil, now), seq), rb); err != nil {
			return err
		}
		if next != nil {
			if err := queueVoucherMessage(w, v, v.Code(next.Code), now); err != nil {
				return err
			}
		}
		o, err := w.getOrder(v.OrderNo)
		if err != nil || o == nil {
			return fmt.Errorf("order %s of the voucher: %v", domain.OrderNumber(v.OrderNo), err)
		}
		detail := map[string]string{"code": domain.MaskCode(in.Code), "units": strconv.Itoa(r.Units), "left": strconv.Itoa(r.Left)}
		if in.POS != "" {
			detail["pos"] = in.POS
		}
		if next != nil {
			detail["new_code"] = domain.MaskCode(next.Code)
		}
		if err := w.audit(AuditEvent{At: now, Action: string(domain.ActionRedeem), Objects: []string{domain.OrderNumber(v.OrderNo)}, Detail: detail}, by); err != nil {
			return err
		}
		res = RedeemResult{Redemption: r, Order: *o}
		return w.commit()
	})
	if err != nil {
		return RedeemResult{}, err
	}
	s.publish(Change{Kind: "voucher", N: 1})
	if refusal != nil {
		return RedeemResult{}, refusal
	}
	return res, nil
}

func cloneVoucher(v *domain.Voucher) *domain.Voucher {
	n := *v
	n.Codes = make([]domain.VoucherCode, len(v.Codes))
	copy(n.Codes, v.Codes)
	for i := range n.Codes {
		n.Codes[i].Failures = append([]time.Time(nil), v.Codes[i].Failures...)
	}
	return &n
}

// voucherOf is the voucher order ref names (as for ship), inside tx.
func voucherOf(tx *bolt.Tx, ref domain.OrderRef) (domain.SalesOrder, *domain.Voucher, error) {
	o, err := lookupRef(tx, ref)
	if err != nil {
		return o, nil, err
	}
	v, err := getVoucher(tx, o.No)
	if err != nil {
		return o, nil, err
	}
	if v == nil {
		return o, nil, fmt.Errorf("%s (%s) is not a voucher order", domain.OrderNumber(o.No), o.Key)
	}
	return o, v, nil
}

// Resend queues the live codes of the voucher order ref names once more: at most once a
// warehouse day (loc), the message sent at issue not counting (rule 23).
func (s *Store) Resend(ref domain.OrderRef, now time.Time, loc *time.Location, by Actor) (domain.Voucher, error) {
	var out domain.Voucher
	if err := by.may(domain.ActionResend); err != nil {
		return out, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		_, old, err := voucherOf(tx, ref)
		if err != nil {
			return err
		}
		if err := domain.CheckResend(old, now, loc); err != nil {
			return err
		}
		w := s.withPolicy(newWtx(tx, 4)) // a new code's message is due by [notify]
		v := cloneVoucher(old)
		v.ResentAt = now
		if err := w.putVoucher(old, v); err != nil {
			return err
		}
		n := 0
		for _, c := range v.Live() {
			if err := queueVoucherMessage(w, v, c, now); err != nil {
				return err
			}
			n++
		}
		if err := w.audit(AuditEvent{At: now, Action: string(domain.ActionResend), Objects: []string{domain.OrderNumber(v.OrderNo)},
			Detail: map[string]string{"codes": strconv.Itoa(n)}}, by); err != nil {
			return err
		}
		out = *v
		return w.commit()
	})
	if err != nil {
		return domain.Voucher{}, err
	}
	s.publish(Change{Kind: "voucher", N: 1})
	return out, nil
}

// Extend moves the valid-until of the live codes of the voucher order ref names to until:
// later, never earlier (rule 25). A supervisor's action.
func (s *Store) Extend(ref domain.OrderRef, until, now time.Time, by Actor) (domain.Voucher, error) {
	var out domain.Voucher
	if err := by.may(domain.ActionExtend); err != nil {
		return out, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		_, old, err := voucherOf(tx, ref)
		if err != nil {
			return err
		}
		v := cloneVoucher(old)
		if err := domain.Extend(v, until); err != nil {
			return err
		}
		w := newWtx(tx, 4)
		if err := w.putVoucher(old, v); err != nil {
			return err
		}
		before := old.Live()[0].ValidUntil.UTC().Format(time.RFC3339)
		w.changed(domain.OrderNumber(v.OrderNo), domain.FieldChange{Key: domain.OrderNumber(v.OrderNo), Field: "valid_until",
			Before: before, After: until.UTC().Format(time.RFC3339)})
		if err := w.audit(AuditEvent{At: now, Action: string(domain.ActionExtend)}, by); err != nil {
			return err
		}
		out = *v
		return w.commit()
	})
	if err != nil {
		return domain.Voucher{}, err
	}
	s.publish(Change{Kind: "voucher", N: 1})
	return out, nil
}

// ExpireResult is what an expiry run did.
type ExpireResult struct {
	Codes    int            // codes expired
	Units    int            // their units
	Refunds  int            // refunds recorded
	Refunded []domain.Money // what they gave back, one per currency
	Skipped  []string       // refunds the never-more-than-paid check refused, with why
}

// ExpireVouchers ends every live code whose valid-until has passed (rule 26): with the
// product's expired_refund the formula's refund over its units is recorded on the order;
// without, the units simply expire. Idempotent: an expired code is no longer live.
func (s *Store) ExpireVouchers(now time.Time, by Actor) (ExpireResult, error) {
	var res ExpireResult
	if err := by.may(domain.ActionExpire); err != nil {
		return res, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		res = ExpireResult{}
		var nos []uint64
		seen := map[uint64]bool{}
		end := timeKey(nil, now)
		c := tx.Bucket(bVoucherByUntil).Cursor()
		for k, _ := c.First(); len(k) >= 16 && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
			if no := binary.BigEndian.Uint64(k[8:16]); !seen[no] {
				seen[no] = true
				nos = append(nos, no)
			}
		}
		if len(nos) == 0 {
			return nil
		}
		w := newWtx(tx, len(nos))
		sums := map[string]int64{}
		for _, no := range nos {
			old, err := getVoucher(tx, no)
			if err != nil {
				return err
			}
			if old == nil {
				continue
			}
			v := cloneVoucher(old)
			ended := domain.Expire(v, now)
			if len(ended) == 0 {
				continue
			}
			o, err := w.getOrder(no)
			if err != nil {
				return err
			}
			so := domain.OrderNumber(no)
			for _, e := range ended {
				res.Codes++
				res.Units += e.Units
				if e.Refund.Minor <= 0 || o == nil {
					continue
				}
				r := domain.Refund{OrderNo: no, At: now, Amount: e.Refund, Kind: domain.RefundVoucherExpired, Operator: by.Operator,
					Reason: fmt.Sprintf("%d expired units of %s (code %s)", e.Units, e.SKU, domain.MaskCode(e.Code))}
				prior, err := orderRefunds(tx, no)
				if err != nil {
					return err
				}
				if err := domain.CheckRefund(*o, prior, e.Refund); err != nil {
					v.Code(e.Code).Refunded = domain.Money{Currency: e.Refund.Currency}
					res.Skipped = append(res.Skipped, so+": "+err.Error())
					continue
				}
				if err := w.addRefund(o, r); err != nil {
					return err
				}
				res.Refunds++
				sums[e.Refund.Currency] += e.Refund.Minor
				w.changed(so, domain.FieldChange{Key: so, Field: "refund", After: e.Refund.String() + " (voucher_expired)"})
			}
			w.changed(so, domain.FieldChange{Key: so, Field: "voucher", After: fmt.Sprintf("%d codes expired", len(ended))})
			if err := w.putVoucher(old, v); err != nil {
				return err
			}
		}
		if res.Codes == 0 {
			return nil
		}
		for cur, m := range sums {
			res.Refunded = append(res.Refunded, domain.Money{Minor: m, Currency: cur})
		}
		if err := w.audit(AuditEvent{At: now, Action: string(domain.ActionExpire), Detail: map[string]string{
			"codes": strconv.Itoa(res.Codes), "units": strconv.Itoa(res.Units), "refunds": strconv.Itoa(res.Refunds)}}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err != nil {
		return ExpireResult{}, err
	}
	if res.Codes > 0 {
		s.publish(Change{Kind: "voucher", N: res.Codes})
	}
	return res, nil
}

// refundVoucher applies a converted refund request to the order's voucher (inside the
// refund's transaction): its live codes become refunded. No-op for orders of goods.
func refundVoucher(w *wtx, no uint64, kind domain.RefundKind, now time.Time) error {
	old, err := getVoucher(w.tx, no)
	if err != nil || old == nil {
		return err
	}
	v := cloneVoucher(old)
	domain.RefundCodes(v, now, kind == domain.RefundNotReceived)
	return w.putVoucher(old, v)
}

// voucherProposal is the formula's amount over the live codes of order no: what a
// voucher_unexpired request refunds. ok is false for an order with no voucher.
func voucherProposal(tx *bolt.Tx, no uint64, currency string) (domain.Money, bool, error) {
	v, err := getVoucher(tx, no)
	if err != nil || v == nil {
		return domain.Money{}, false, err
	}
	return domain.UnexpiredRefund(v, currency), true, nil
}

// AutoRefundOperator is who decides a voucher_unexpired request at import: the platform.
const AutoRefundOperator = "platform (auto_refund)"

// autoVoucherRefund decides a pending voucher_unexpired request at import when every live
// code's product has auto_refund (rule 26: the platform refunds within 24 h and the
// seller cannot intervene): the formula over the unredeemed units is refunded through the
// never-more-than-paid check and the codes become refunded. req is updated in place; auto
// is false when the request waits in the queue instead.
func (w *wtx) autoVoucherRefund(req *domain.RefundRequest, now time.Time) (auto bool, err error) {
	o, err := w.getOrderByKey(req.OrderKey())
	if err != nil || o == nil {
		return false, err
	}
	v, err := getVoucher(w.tx, o.No)
	if err != nil || v == nil || !domain.AutoRefunds(v) {
		return false, err
	}
	prior, err := orderRefunds(w.tx, o.No)
	if err != nil {
		return false, err
	}
	r := *req
	r.Amount = domain.UnexpiredRefund(v, o.Total.Currency)
	c, refusal := domain.ConvertRefund(r, o, prior, now, AutoRefundOperator)
	if refusal != nil {
		return false, nil // left pending: an operator sees why when converting it
	}
	if c.Refund != nil {
		if err := w.addRefund(o, *c.Refund); err != nil {
			return false, err
		}
		so := domain.OrderNumber(o.No)
		w.changed(so, domain.FieldChange{Key: so, Field: "refund", After: c.Refund.Amount.String() + " (" + req.RefundKey.String() + ", auto)"})
	}
	if err := refundVoucher(w, o.No, req.Kind, now); err != nil {
		return false, err
	}
	c.Request.Amount = req.Amount
	*req = c.Request
	return true, nil
}
