package cli

import (
	"errors"
	"fmt"
	"strings"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

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
	ref, err := domain.ParseOrderRef(rest[0])
	if err != nil {
		return inputError{err}
	}
	how, err := domain.ParseAmount(amount)
	if err != nil {
		return inputError{fmt.Errorf("--amount: %w", err)}
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := s.PartialRefund(ref, how, reason, e.now(), e.actor())
	if err != nil {
		return inputError{err}
	}
	fmt.Fprintf(e.stdout, "%s: refunded %s (%s); left to refund %s of %s paid\n",
		domain.OrderNumber(res.Order.No), res.Refund.Amount, textsafe.Safe(res.Refund.Reason), res.Left, res.Order.Total)
	return nil
}
