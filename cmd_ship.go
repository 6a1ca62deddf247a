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
	"text/tabwriter"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
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
	o, outcome, err := s.Ship(pos[0], in, e.policy(), e.now(), e.actor())
	var te *domain.TrackingError
	if errors.As(err, &te) {
		return inputError{fmt.Errorf("%v — check the number, or accept it with --override REASON", err)}
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
		fmt.Fprintf(e.stdout, "%s corrected %s → %s (replaced %d time%s)\n", no, h.OldNumber, sh.Number, sh.Replaced, plural(sh.Replaced))
	default:
		if sh.Number == "" {
			fmt.Fprintf(e.stdout, "%s shipped without tracking: %s\n", no, textsafe.Safe(sh.NoTracking))
		} else {
			fmt.Fprintf(e.stdout, "%s shipped with %s %s\n", no, sh.Carrier, sh.Number)
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

// localFile refuses a file path over SSH: a session reads standard input, never the
// server's files.
func localFile(e *env, name string) error {
	if e.remote && name != "-" {
		return usagef("over SSH, import reads standard input: ssh … import … - < %s", name)
	}
	return nil
}

// readInput reads a named file, or standard input for "-".
func readInput(e *env, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(e.stdin)
	}
	return os.ReadFile(name)
}

// importTracking: shipdesk import tracking FILE [--dry-run] [--skip-bad]
func importTracking(e *env, files []string, dryRun, skipBad bool) error {
	if len(files) != 1 {
		return usagef("usage: shipdesk import tracking FILE [--dry-run] [--skip-bad] (FILE - reads standard input)")
	}
	if err := localFile(e, files[0]); err != nil {
		return err
	}
	loc, err := e.location()
	if err != nil {
		return err
	}
	data, err := readInput(e, files[0])
	if err != nil {
		return inputError{fmt.Errorf("nothing imported: %v", err)}
	}
	file, err := domain.ParseTracking(files[0], bytes.NewReader(data), loc)
	if err != nil {
		return inputError{fmt.Errorf("nothing imported: %v", err)}
	}
	lines, format, syntax := file.Lines, file.Format, file.Errors
	if !dryRun {
		if err := e.require(domain.ActionTracking); err != nil {
			return err
		}
	}
	s, err := openStore(e, dryRun)
	if err != nil {
		return err
	}
	defer s.Close()
	pol, now := e.policy(), e.now()
	var plan domain.TrackingPlan
	if dryRun || (len(syntax) > 0 && !skipBad) {
		plan, err = s.PlanTracking(lines, pol, now, e.operator)
	} else {
		plan, err = s.ApplyTracking(lines, len(syntax), pol, skipBad, now, e.actor())
	}
	if err != nil && !errors.Is(err, storage.ErrBadLines) {
		return err
	}
	printVerdicts(e.stdout, files[0], plan.Verdicts, syntax)
	shipN, correct, unchanged, badN := plan.Counts()
	badN += len(syntax)
	counts := fmt.Sprintf("%d to ship, %d to correct, %d unchanged, %d in error", shipN, correct, unchanged, badN)
	switch {
	case badN > 0 && !skipBad:
		return inputError{fmt.Errorf("%s (%s): %s — nothing written; fix those lines or rerun with --skip-bad", files[0], format, counts)}
	case dryRun:
		fmt.Fprintf(e.stdout, "%s (%s): %s — dry run, nothing written\n", files[0], format, counts)
	default:
		fmt.Fprintf(e.stdout, "%s (%s): %d shipped, %d corrected, %d unchanged, %d bad lines skipped\n", files[0], format, shipN, correct, unchanged, badN)
	}
	return nil
}

// printVerdicts prints one line per input line, in file order: syntax errors from the
// parser and verdicts of the plan merged.
func printVerdicts(w io.Writer, name string, verdicts []domain.TrackingVerdict, syntax domain.ImportErrors) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	i, j := 0, 0
	for i < len(verdicts) || j < len(syntax) {
		if j < len(syntax) && (i == len(verdicts) || syntax[j].Line < verdicts[i].Line) {
			fmt.Fprintf(tw, "%s:%d\t\terror: %s\n", name, syntax[j].Line, textsafe.Safe(syntax[j].Reason))
			j++
			continue
		}
		v := verdicts[i]
		order := ""
		if v.OrderNo != 0 {
			order = domain.OrderNumber(v.OrderNo)
		}
		fmt.Fprintf(tw, "%s:%d\t%s\t%s\t%s\n", name, v.Line, textsafe.Safe(v.Ref), order, textsafe.Safe(v.String()))
		i++
	}
}

// exportTracking: shipdesk export tracking [--format gspay|csv|jsonl] [--since T]
func exportTracking(e *env, format, since string) error {
	if format == "" {
		format = "gspay"
	}
	if format != "gspay" && format != "csv" && format != "jsonl" {
		return usagef("--format must be gspay, csv or jsonl, not %q", format)
	}
	loc, err := e.location()
	if err != nil {
		return err
	}
	from, err := parseWhen("--since", since, loc)
	if err != nil {
		return err
	}
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	out := bufio.NewWriterSize(e.stdout, 64*1024)
	defer out.Flush()
	switch format {
	case "gspay":
		var rows []domain.GSPAYRow
		err = s.EachShipment(from, func(o domain.SalesOrder) error {
			if o.Shipment.Number != "" {
				rows = append(rows, domain.GSPAYRow{Ref: firstNonEmpty(o.PaymentRef, o.TradeID), URL: o.Shipment.URL, Number: o.Shipment.Number})
			}
			return nil
		})
		if err == nil {
			err = domain.WriteGSPAY(out, rows)
		}
		return err
	case "csv":
		w := csv.NewWriter(out)
		w.Write([]string{"order", "carrier", "tracking", "shipped_at", "eta", "url", "order_no", "replaced", "no_tracking"})
		err = s.EachShipment(from, func(o domain.SalesOrder) error {
			sh := o.Shipment
			return w.Write([]string{o.Key.String(), sh.Carrier, sh.Number, isoTime(sh.ShippedAt), isoTime(sh.ETA), sh.URL,
				domain.OrderNumber(o.No), fmt.Sprint(sh.Replaced), sh.NoTracking})
		})
		w.Flush()
		if err == nil {
			err = w.Error()
		}
		return err
	}
	enc := json.NewEncoder(out)
	return s.EachShipment(from, func(o domain.SalesOrder) error {
		return enc.Encode(wireShipment(o))
	})
}

type exportChange struct {
	At        string `json:"at"`
	Operator  string `json:"operator"`
	OldNumber string `json:"old"`
	NewNumber string `json:"new"`
	Carrier   string `json:"carrier"`
	Reason    string `json:"reason,omitempty"`
}

type exportShipment struct {
	OrderNo    string         `json:"order_no"`
	Key        string         `json:"key"`
	PaymentRef string         `json:"payment_ref,omitempty"`
	Status     string         `json:"status"`
	Carrier    string         `json:"carrier,omitempty"`
	Number     string         `json:"tracking,omitempty"`
	URL        string         `json:"url,omitempty"`
	ShippedAt  string         `json:"shipped_at"`
	ETA        string         `json:"eta,omitempty"`
	NoTracking string         `json:"no_tracking,omitempty"`
	Override   string         `json:"override,omitempty"`
	Replaced   int            `json:"replaced"`
	History    []exportChange `json:"history,omitempty"`
}

func wireShipment(o domain.SalesOrder) exportShipment {
	sh := o.Shipment
	x := exportShipment{OrderNo: domain.OrderNumber(o.No), Key: o.Key.String(), PaymentRef: o.PaymentRef, Status: o.Status.String(),
		Carrier: sh.Carrier, Number: sh.Number, URL: sh.URL, ShippedAt: isoTime(sh.ShippedAt), ETA: isoTime(sh.ETA),
		NoTracking: sh.NoTracking, Override: sh.Override, Replaced: sh.Replaced}
	for _, h := range sh.History {
		x.History = append(x.History, exportChange{At: isoTime(h.At), Operator: h.Operator, OldNumber: h.OldNumber, NewNumber: h.NewNumber, Carrier: h.NewCarrier, Reason: h.Reason})
	}
	return x
}

// cmdCarriers: shipdesk carriers
func cmdCarriers(e *env, args []string) error {
	fs := newFlagSet("carriers")
	e.flags(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("carriers takes no arguments")
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tCARRIER\tTRACKING PAGE")
	for _, c := range domain.Carriers() {
		page := c.URLTemplate
		if page == "" {
			page = "(given by hand with --url)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Code, c.Name, page)
	}
	return tw.Flush()
}
