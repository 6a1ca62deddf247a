package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// cmdVoucher: shipdesk voucher redeem CODE --phone4 NNNN [--units N] [--pos ID] |
// voucher resend REF | voucher extend REF --until DATE | voucher expire | voucher report [--json]
func cmdVoucher(e *env, args []string) error {
	const use = "usage: shipdesk voucher redeem CODE --phone4 NNNN [--units N] [--pos ID] | resend REF | extend REF --until DATE | expire | report [--json]"
	fs := newFlagSet("voucher")
	e.flags(fs)
	phone4 := fs.String("phone4", "", "redeem: the last four digits of the buyer's phone")
	units := fs.Int("units", 0, "redeem: units to redeem (default: all left)")
	pos := fs.String("pos", "", "redeem: the POS terminal's ID")
	until := fs.String("until", "", "extend: the new valid-until date")
	asJSON := fs.Bool("json", false, "report: JSON")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usagef(use)
	}
	sub, rest := rest[0], rest[1:]
	takes := map[string][]string{"redeem": {"phone4", "units", "pos"}, "extend": {"until"}, "report": {"json"}}
	if err := onlyFlags(fs, "voucher "+sub, []string{"phone4", "units", "pos", "until", "json"}, takes[sub]); err != nil {
		return err
	}
	switch sub {
	case "redeem":
		if len(rest) != 1 || *phone4 == "" {
			return usagef("usage: shipdesk voucher redeem CODE --phone4 NNNN [--units N] [--pos ID]")
		}
		if *units < 0 {
			return usagef("--units must be a positive number")
		}
		return voucherRedeem(e, domain.RedeemInput{Code: strings.TrimSpace(rest[0]), Phone4: *phone4, Units: *units, POS: *pos})
	case "resend":
		if len(rest) != 1 {
			return usagef("usage: shipdesk voucher resend REF")
		}
		ref, err := domain.ParseOrderRef(rest[0])
		if err != nil {
			return inputError{err}
		}
		return voucherResend(e, ref)
	case "extend":
		if len(rest) != 1 || *until == "" {
			return usagef("usage: shipdesk voucher extend REF --until DATE")
		}
		ref, err := domain.ParseOrderRef(rest[0])
		if err != nil {
			return inputError{err}
		}
		return voucherExtend(e, ref, *until)
	case "expire":
		if len(rest) != 0 {
			return usagef("usage: shipdesk voucher expire")
		}
		return voucherExpire(e)
	case "report":
		if len(rest) != 0 {
			return usagef("usage: shipdesk voucher report [--json]")
		}
		return voucherReport(e, *asJSON)
	}
	return usagef(use)
}

// showCode prints a code in full to whoever may see it: everyone locally, supervisors
// only over SSH (the others see its last four digits).
func (e *env) showCode(code string) string { return domain.ShownCode(code, e.role, e.remote) }

func voucherRedeem(e *env, in domain.RedeemInput) error {
	if err := e.require(domain.ActionRedeem); err != nil {
		return err
	}
	if err := domain.CheckRedeemInput(in); err != nil {
		return inputError{err}
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := s.Redeem(in, e.now(), e.actor())
	if err != nil {
		return inputError{fmt.Errorf("✗ %w", err)}
	}
	r := res.Redemption
	fmt.Fprintf(e.stdout, "%s — %s %s, %s\n", r.Summary(e.showCode), domain.OrderNumber(r.OrderNo), textsafe.Safe(res.Order.Key.String()), textsafe.Safe(r.SKU))
	return nil
}

func voucherResend(e *env, ref domain.OrderRef) error {
	if err := e.require(domain.ActionResend); err != nil {
		return err
	}
	loc, err := e.location()
	if err != nil {
		return err
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	v, err := s.Resend(ref, e.now(), loc, e.actor())
	if err != nil {
		return inputError{err}
	}
	fmt.Fprintf(e.stdout, "resent %d codes of %s to the phone ending %s\n", len(v.Live()), domain.OrderNumber(v.OrderNo), lastFour(v.Phone))
	return nil
}

func lastFour(phone string) string {
	d := domain.PhoneDigits(phone)
	if len(d) > 4 {
		d = d[len(d)-4:]
	}
	return d
}

func voucherExtend(e *env, ref domain.OrderRef, untilText string) error {
	if err := e.require(domain.ActionExtend); err != nil {
		return err
	}
	loc, err := e.location()
	if err != nil {
		return err
	}
	until, err := domain.ParseValidUntil(untilText, loc)
	if err != nil {
		return usagef("--until: %v", err)
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	v, err := s.Extend(ref, until, e.now(), e.actor())
	if err != nil {
		return inputError{err}
	}
	fmt.Fprintf(e.stdout, "%s: %d live codes valid until %s\n", domain.OrderNumber(v.OrderNo), len(v.Live()), until.In(loc).Format("2006-01-02 15:04 MST"))
	return nil
}

func voucherExpire(e *env) error {
	if err := e.require(domain.ActionExpire); err != nil {
		return err
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := s.ExpireVouchers(e.now(), e.actor())
	if err != nil {
		return inputError{err}
	}
	fmt.Fprintln(e.stdout, expireLine(res))
	for _, sk := range res.Skipped {
		fmt.Fprintf(e.stdout, "  refund not recorded: %s\n", textsafe.Safe(sk))
	}
	return nil
}

// expireLine says what an expiry run did.
func expireLine(res storage.ExpireResult) string {
	if res.Codes == 0 {
		return "no voucher has expired since the last run"
	}
	s := fmt.Sprintf("expired %d codes (%d units); %d refunds recorded", res.Codes, res.Units, res.Refunds)
	for _, m := range res.Refunded {
		s += ", " + m.String()
	}
	return s
}

func voucherReport(e *env, asJSON bool) error {
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := s.VoucherReport()
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SKU\tissued\tredeemed\tunredeemed\texpired\trefunded")
	for _, r := range rep.SKUs {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\n", textsafe.Safe(r.SKU), r.Issued, r.Redeemed, r.Live, r.Expired, r.Refunded)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	w = tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "order\tkey\tstate\tavailable\tunavailable\tused")
	for _, o := range rep.Orders {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\n", o.Order, textsafe.Safe(o.Key), o.State, o.Available, o.Unavailable, o.Used)
	}
	return w.Flush()
}
