package cli

import (
	"fmt"
	"text/tabwriter"

	"shipdesk/domain"
)

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
