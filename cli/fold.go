package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"shipdesk/domain"
)

// cmdFold: shipdesk fold — move the staged index rows and carrier events in now, as the
// console and the server do by themselves when no one has written for a few seconds. For
// a warehouse that only imports from scheduled commands. Ctrl-C stops it after the chunk
// under way; what it moved stays moved, and lists read the same either way.
func cmdFold(e *env, args []string) error {
	fs := newFlagSet("fold")
	e.flags(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("fold takes no arguments")
	}
	if err := e.require(domain.ActionFold); err != nil {
		return err
	}
	if err := requireDB(e); err != nil {
		return err
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	n, err := s.Fold(ctx, e.actor())
	if err != nil {
		return fmt.Errorf("fold: %w (%d staged rows moved before it stopped)", err, n)
	}
	fmt.Fprintf(e.stdout, "folded %d staged rows in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
