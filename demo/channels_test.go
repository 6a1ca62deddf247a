package demo

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// The demo holds channels and rebates in every state, and doctor finds its cut-off
// counters right.
func TestFillSetsUpChannelsInEveryState(t *testing.T) {
	s, err := storage.Open(filepath.Join(t.TempDir(), "d.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := Fill(s, 1, 3000, testNow); err != nil {
		t.Fatal(err)
	}
	rows, err := s.Channels()
	if err != nil {
		t.Fatal(err)
	}
	states := map[domain.AuthState][]string{}
	reauthed := 0
	for _, r := range rows {
		st := r.State(testNow, domain.DefaultAuthWarning)
		states[st] = append(states[st], r.Name)
		reauthed += len(r.Reauths)
	}
	for _, st := range []domain.AuthState{domain.AuthOK, domain.AuthExpiring, domain.AuthExpired, domain.AuthNotSetUp} {
		if len(states[st]) == 0 {
			t.Errorf("no channel %s: %v", st, states)
		}
	}
	if !slices.Equal(states[domain.AuthNotSetUp], []string{"1688-wholesale", "manual"}) || reauthed == 0 {
		t.Errorf("not set up %v, re-authorizations %d", states[domain.AuthNotSetUp], reauthed)
	}
	rebates, err := s.Rebates()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[domain.RebateState]int{}
	platforms := map[string]bool{}
	today := domain.CivilDate(testNow.In(time.Local))
	for _, r := range rebates {
		seen[r.State(today)]++
		platforms[r.Platform] = true
	}
	for _, st := range domain.RebateStates {
		if seen[st] == 0 {
			t.Errorf("no rebate %s: %v", st, seen)
		}
	}
	if !platforms["paipai"] || !platforms["yihaodian"] {
		t.Errorf("platforms: %v", platforms)
	}
	sum, err := s.ChannelSummary(testNow, domain.DefaultAuthWarning, time.Local)
	if err != nil {
		t.Fatal(err)
	}
	if sum.NextCutOff.IsZero() || sum.NextCutOff.Sub(testNow) > 24*time.Hour || sum.CutOffChannels[0] != "gspay-intl" {
		t.Errorf("the nearest cut-off should be gspay-intl's, within a day: %v %v", sum.NextCutOff, sum.CutOffChannels)
	}
	c, err := s.Counts(testNow, time.Local)
	if err != nil {
		t.Fatal(err)
	}
	var notUploaded, inTransit int
	for _, r := range rows {
		notUploaded += r.NotUploaded
	}
	inTransit = c.Orders[domain.OrderShipped]
	if notUploaded == 0 || notUploaded >= inTransit {
		t.Errorf("%d of %d shipments in transit not uploaded: want the recent ones only", notUploaded, inTransit)
	}
	rep, err := s.Doctor(context.Background())
	if err != nil || !rep.OK() {
		t.Fatalf("doctor: %v %v", rep.Problems, err)
	}
}
