package cli

import (
	"errors"
	"fmt"
	"time"

	"shipdesk/domain"
	"shipdesk/textsafe"
)

// cmdShip: shipdesk ship REF --carrier C --tracking N [...] | ship REF --no-tracking REASON
func cmdShip(e *env, args []string) error {
	fs := newFlagSet("ship")
	e.flags(fs)
	carrier := fs.String("carrier", "", "carrier code (see `shipdesk carriers`)")
	number := fs.String("tracking", "", "tracking number")
	url := fs.String("url", "", "tracking URL (default: from the carrier's template)")
	shippedAt := fs.String("shipped-at", "", "when it left (default now)")
	eta := fs.String("eta", "", "expected arrival (default: shipped-at plus the carrier's transit time)")
	override := fs.String("override", "", "accept a number that fails its carrier's rule, for this reason")
	noTracking := fs.String("no-tracking", "", "ship without a tracking number, for this reason")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: shipdesk ship REF --carrier C --tracking N [--url U] [--shipped-at T] [--eta T] [--override REASON] | ship REF --no-tracking REASON")
	}
	ref, err := domain.ParseOrderRef(pos[0])
	if err != nil {
		return inputError{err}
	}
	if *noTracking == "" && (*carrier == "" || *number == "") {
		return usagef("ship needs --carrier and --tracking, or --no-tracking REASON")
	}
	loc, err := e.location()
	if err != nil {
		return err
	}
	in := domain.ShipInput{Carrier: *carrier, Number: *number, URL: *url, Override: *override, NoTracking: *noTracking}
	if in.ShippedAt, err = parseWhen("--shipped-at", *shippedAt, loc); err != nil {
		return err
	}
	if in.ETA, err = parseWhen("--eta", *eta, loc); err != nil {
		return err
	}
	if err := e.require(domain.ActionShip); err != nil {
		return err
	}
	// Accepting a number its carrier refuses is a supervisor's call; an override given
	// with a valid number is ignored and needs nothing more.
	if _, _, err := domain.CheckTrackingNumber(in.Carrier, in.Number); in.Override != "" && errors.As(err, new(*domain.TrackingError)) {
		if err := e.require(domain.ActionOverride); err != nil {
			return err
		}
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	o, outcome, err := s.Ship(ref, in, e.policy(), e.now(), e.actor())
	var te *domain.TrackingError
	if errors.As(err, &te) {
		return inputError{fmt.Errorf("%v — check the number, or accept it with --override REASON", err)}
	}
	if errors.As(err, new(*domain.NeedsArrivalError)) {
		return inputError{fmt.Errorf("%v: give --eta", err)}
	}
	if err != nil {
		return inputError{err}
	}
	sh := o.Shipment
	no := domain.OrderNumber(o.No)
	switch outcome {
	case domain.ShipUnchanged:
		fmt.Fprintf(e.stdout, "%s already has %s %s: nothing changed\n", no, sh.Carrier, textsafe.Safe(sh.Number))
		return nil
	case domain.ShipUpdated:
		fmt.Fprintf(e.stdout, "%s keeps %s %s; its URL or dates were updated\n", no, sh.Carrier, textsafe.Safe(sh.Number))
	case domain.ShipCorrected:
		h := sh.History[len(sh.History)-1]
		fmt.Fprintf(e.stdout, "%s corrected %s → %s (replaced %d time%s)\n", no, textsafe.Safe(h.OldNumber), textsafe.Safe(sh.Number), sh.Replaced, plural(sh.Replaced))
	default:
		if sh.Number == "" {
			fmt.Fprintf(e.stdout, "%s shipped without tracking: %s\n", no, textsafe.Safe(sh.NoTracking))
		} else {
			fmt.Fprintf(e.stdout, "%s shipped with %s %s\n", no, sh.Carrier, textsafe.Safe(sh.Number))
		}
	}
	if sh.URL != "" {
		fmt.Fprintf(e.stdout, "  tracking  %s\n", textsafe.Safe(sh.URL))
	}
	fmt.Fprintf(e.stdout, "  shipped   %s\n", sh.ShippedAt.In(loc).Format("2006-01-02 15:04"))
	if !sh.ETA.IsZero() {
		fmt.Fprintf(e.stdout, "  arrives   %s\n", sh.ETA.In(loc).Format("2006-01-02"))
	}
	if sh.Override != "" {
		fmt.Fprintf(e.stdout, "  override  %s\n", textsafe.Safe(sh.Override))
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// parseWhen reads a time flag (domain.ParseWhen); empty is the zero time.
func parseWhen(flagName, s string, loc *time.Location) (time.Time, error) {
	t, err := domain.ParseWhen(s, loc)
	if err != nil {
		return t, usagef("%s %v", flagName, err)
	}
	return t, nil
}
