package cli

import (
	"fmt"

	"shipdesk/domain"
	"shipdesk/textsafe"
)

// cmdTrack: shipdesk track stop REF --reason R | track resume REF
func cmdTrack(e *env, args []string) error {
	fs := newFlagSet("track")
	e.flags(fs)
	reason := fs.String("reason", "", "why tracking stops")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] != "stop" && pos[0] != "resume" {
		return usagef("usage: shipdesk track stop REF --reason R | track resume REF")
	}
	stop := pos[0] == "stop"
	if stop && *reason == "" {
		return usagef("track stop needs --reason R")
	}
	if !stop && *reason != "" {
		return usagef("--reason goes with track stop")
	}
	if err := e.require(domain.ActionTrackStop); err != nil {
		return err
	}
	ref, err := domain.ParseOrderRef(pos[1])
	if err != nil {
		return inputError{err}
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	ch, err := s.SetTracking(ref, stop, *reason, e.now(), e.actor())
	if err != nil {
		return inputError{err}
	}
	verb := "resumed"
	if stop {
		verb = "stopped"
	}
	fmt.Fprintf(e.stdout, "%s: tracking %s %s; delivery %s → %s\n", domain.OrderNumber(ch.OrderNo), textsafe.Safe(ch.Tracking), verb, ch.From, ch.To)
	if ch.OrderTo != ch.OrderFrom {
		fmt.Fprintf(e.stdout, "%s: order %s → %s\n", domain.OrderNumber(ch.OrderNo), ch.OrderFrom, ch.OrderTo)
	}
	return nil
}
