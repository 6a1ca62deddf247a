package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// cmdRebate: shipdesk rebate add --channel C --order ID --ordered DATE --amount A
// [--confirmed DATE] [--wait W] | rebate confirm ID --at DATE | rebate claim ID |
// rebate paid ID | rebate list [--json]
func cmdRebate(e *env, args []string) error {
	fs := newFlagSet("rebate")
	e.flags(fs)
	channel := fs.String("channel", "", "add: the channel")
	order := fs.String("order", "", "add: the platform's subscription order number")
	ordered := fs.String("ordered", "", "add: when it was ordered")
	amount := fs.String("amount", "", "add: the fee to come back, e.g. 300.00 (CNY unless a currency follows: \"30.00 USD\")")
	confirmed := fs.String("confirmed", "", "add: when it was confirmed on the platform, if it is")
	wait := fs.String("wait", "", "add: the waiting time for a platform without a set one: 5wd, 30d, 2m or 1y")
	at := fs.String("at", "", "confirm: when it was confirmed on the platform (default now)")
	asJSON := fs.Bool("json", false, "list: print a JSON array")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("rebate needs an action: add, confirm, claim, paid or list")
	}
	action, rest := pos[0], pos[1:]
	allowed := map[string]string{"add": "channel order ordered amount confirmed wait", "confirm": "at", "claim": "", "paid": "", "list": "json"}
	flags, ok := allowed[action]
	if !ok {
		return usagef("unknown rebate action %q: want add, confirm, claim, paid or list", action)
	}
	if err := onlyFlags(fs, "rebate "+action, []string{"channel", "order", "ordered", "amount", "confirmed", "wait", "at", "json"}, strings.Fields(flags)); err != nil {
		return err
	}
	loc, err := e.location()
	if err != nil {
		return err
	}
	switch action {
	case "list":
		if len(rest) > 0 {
			return usagef("rebate list takes no arguments")
		}
		return rebateList(e, loc, *asJSON)
	case "add":
		if len(rest) > 0 {
			return usagef("rebate add takes flags only")
		}
		return rebateAdd(e, loc, *channel, *order, *ordered, *amount, *confirmed, *wait)
	}
	if len(rest) != 1 {
		return usagef("rebate %s needs one rebate ID", action)
	}
	id, err := strconv.ParseUint(strings.TrimPrefix(rest[0], "#"), 10, 64)
	if err != nil || id == 0 {
		return usagef("rebate ID %q is not a number (see rebate list)", rest[0])
	}
	var confirmAt time.Time
	if action == "confirm" {
		if confirmAt, err = domain.ParseWhen(*at, loc); err != nil {
			return usagef("--at: %v", err)
		}
		if confirmAt.IsZero() {
			confirmAt = e.now()
		}
	}
	if err := e.require(domain.ActionRebate); err != nil {
		return err
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	now := e.now()
	var r domain.Rebate
	switch action {
	case "confirm":
		r, err = s.ConfirmRebate(id, confirmAt, now, e.actor())
	case "claim":
		r, err = s.ClaimRebate(id, loc, now, e.actor())
	default:
		r, err = s.PayRebate(id, now, e.actor())
	}
	if err != nil {
		return inputError{err}
	}
	today := domain.CivilDate(now.In(loc))
	fmt.Fprintf(e.stdout, "rebate %d (%s %s, %s): %s\n", r.ID, textsafe.Safe(r.Channel), textsafe.Safe(r.Order), r.Amount, describeRebate(r, today))
	return nil
}

// describeRebate says where a rebate stands: "confirmed, claimable on 2026-09-24".
func describeRebate(r domain.Rebate, today time.Time) string {
	st := r.State(today)
	switch st {
	case domain.RebateOrdered:
		return "ordered, not confirmed: never claimable until confirmed on the platform"
	case domain.RebateConfirmed:
		if r.ClaimableOn.IsZero() {
			return "confirmed; no set waiting time for " + r.Platform + ": claim it by hand when due"
		}
		return "confirmed, claimable on " + r.ClaimableOn.Format(time.DateOnly)
	case domain.RebateClaimable:
		return "claimable since " + r.ClaimableOn.Format(time.DateOnly)
	}
	return st.String()
}

func rebateAdd(e *env, loc *time.Location, channel, order, ordered, amount, confirmed, wait string) error {
	var missing []string
	for _, f := range [...]struct{ name, v string }{{"--channel", channel}, {"--order", order}, {"--ordered", ordered}, {"--amount", amount}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return usagef("rebate add needs %s", strings.Join(missing, ", "))
	}
	orderedAt, err := domain.ParseWhen(ordered, loc)
	if err != nil {
		return usagef("--ordered: %v", err)
	}
	confirmedAt, err := domain.ParseWhen(confirmed, loc)
	if err != nil {
		return usagef("--confirmed: %v", err)
	}
	num, currency, _ := strings.Cut(strings.TrimSpace(amount), " ")
	if currency == "" {
		currency = "CNY"
	}
	money, err := domain.ParseMoney(num, strings.ToUpper(strings.TrimSpace(currency)))
	if err != nil {
		return usagef("--amount: %v", err)
	}
	var w domain.Wait
	if wait != "" {
		if w, err = domain.ParseWait(wait); err != nil {
			return usagef("--wait: %v", err)
		}
	}
	if err := e.require(domain.ActionRebate); err != nil {
		return err
	}
	cal, err := e.workCalendar()
	if err != nil {
		return err
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	now := e.now()
	r, err := s.AddRebate(storage.RebateInput{Channel: channel, Order: order, OrderedAt: orderedAt, Amount: money, Wait: w, ConfirmedAt: confirmedAt}, cal, loc, now, e.actor())
	if err != nil {
		return inputError{err}
	}
	fmt.Fprintf(e.stdout, "rebate %d (%s %s, %s): %s\n", r.ID, textsafe.Safe(r.Channel), textsafe.Safe(r.Order), r.Amount, describeRebate(r, domain.CivilDate(now.In(loc))))
	return nil
}

// rebateJSON is one rebate of `rebate list --json`.
type rebateJSON struct {
	ID          uint64 `json:"id"`
	Channel     string `json:"channel"`
	Platform    string `json:"platform"`
	Order       string `json:"order"`
	OrderedAt   string `json:"ordered_at"`
	Amount      string `json:"amount"`
	Currency    string `json:"currency"`
	ConfirmedAt string `json:"confirmed_at"`
	State       string `json:"state"`
	ClaimableOn string `json:"claimable_on"` // empty while unconfirmed
	Wait        string `json:"wait"`
	ClaimedAt   string `json:"claimed_at"`
	PaidAt      string `json:"paid_at"`
}

func wireRebate(r domain.Rebate, today time.Time) rebateJSON {
	j := rebateJSON{ID: r.ID, Channel: r.Channel, Platform: r.Platform, Order: r.Order, OrderedAt: domain.ISOTime(r.OrderedAt),
		Amount: r.Amount.Decimal(), Currency: r.Amount.Currency, ConfirmedAt: domain.ISOTime(r.ConfirmedAt), State: r.State(today).String(),
		Wait: r.Wait.String(), ClaimedAt: domain.ISOTime(r.ClaimedAt), PaidAt: domain.ISOTime(r.PaidAt)}
	if !r.ConfirmedAt.IsZero() && !r.ClaimableOn.IsZero() {
		j.ClaimableOn = r.ClaimableOn.Format(time.DateOnly)
	}
	return j
}

func rebateList(e *env, loc *time.Location, asJSON bool) error {
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	list, err := s.Rebates()
	if err != nil {
		return err
	}
	today := domain.CivilDate(e.now().In(loc))
	out := make([]rebateJSON, 0, len(list))
	for _, r := range list {
		out = append(out, wireRebate(r, today))
	}
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(out)
	}
	if len(out) == 0 {
		fmt.Fprintln(e.stdout, "no rebates: record one with `shipdesk rebate add --channel C --order ID --ordered DATE --amount A`")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCHANNEL\tORDER\tORDERED\tAMOUNT\tCONFIRMED\tSTATE\tCLAIMABLE ON")
	for i, r := range list {
		j := out[i]
		state := j.State
		if state == "ordered" {
			state = "ordered (unconfirmed)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, textsafe.Safe(r.Channel), textsafe.Safe(r.Order), when(r.OrderedAt, loc),
			r.Amount, when(r.ConfirmedAt, loc), state, j.ClaimableOn)
	}
	return tw.Flush()
}
