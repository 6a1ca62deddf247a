package storage

import (
	"context"
	"errors"
	"testing"
	"time"

	"shipdesk/domain"
)

// Every public write checks the actor's role itself, with the domain's rule, before it
// writes anything: a path that forgot to ask (a new command, a script against the
// package) is refused all the same, and the file stays as it was.
func TestEveryWriteChecksTheRole(t *testing.T) {
	as := func(r domain.Role) Actor { return Actor{Operator: "ivy", Role: r} }
	t9 := []domain.Key{{Channel: "tb", TradeID: "T9"}}
	writes := []struct {
		name  string
		allow domain.Role // the least role that may
		write func(s *Store, by Actor) error
	}{
		{"import", domain.RoleOperator, func(s *Store, by Actor) error {
			_, err := s.Import([]domain.Trade{trade("tb", "N1", t0, 1)}, t0, by)
			return err
		}},
		{"convert", domain.RoleOperator, func(s *Store, by Actor) error { _, err := s.Convert(t9, t0, by); return err }},
		{"convert all ready", domain.RoleOperator, func(s *Store, by Actor) error { _, err := s.ConvertAllReady(t0, by); return err }},
		{"remove", domain.RoleOperator, func(s *Store, by Actor) error { _, err := s.Remove(t9, t0, by); return err }},
		{"process", domain.RoleOperator, func(s *Store, by Actor) error { _, err := s.Process(t9, "cancelled", t0, by); return err }},
		{"order status", domain.RoleOperator, func(s *Store, by Actor) error {
			_, err := s.SetOrderStatus([]uint64{1}, domain.OrderCancelled, t0, by)
			return err
		}},
		{"ship", domain.RoleOperator, func(s *Store, by Actor) error {
			_, _, err := s.Ship(orderRef("tb:T1"), domain.ShipInput{Carrier: "ems", Number: numA}, cn, t0, by)
			return err
		}},
		{"ship with an override", domain.RoleSupervisor, func(s *Store, by Actor) error {
			_, _, err := s.Ship(orderRef("tb:T1"), domain.ShipInput{Carrier: "ems", Number: "EE040293661CN", Override: "the label says so"}, cn, t0, by)
			return err
		}},
		{"tracking upload", domain.RoleOperator, func(s *Store, by Actor) error {
			_, err := s.ApplyTracking([]domain.TrackingLine{{Line: 1, Ref: "tb:T1", Carrier: "ems", Number: numA}}, 0, cn, false, t0, by)
			return err
		}},
		{"refund import", domain.RoleOperator, func(s *Store, by Actor) error {
			_, err := s.ImportRefunds([]domain.RefundClaim{claim("tb", "R1", "T2", domain.RefundNotReceived, 100, t0)}, t0, by)
			return err
		}},
		{"refund decision", domain.RoleSupervisor, func(s *Store, by Actor) error {
			_, err := s.ConvertRefunds([]domain.RefundKey{rkey("tb", "R0")}, t0, by)
			return err
		}},
		{"partial refund", domain.RoleSupervisor, func(s *Store, by Actor) error {
			_, err := s.PartialRefund(orderRef("SO00000002"), amountOf("1.00"), "scratched box", t0, by)
			return err
		}},
		{"queue messages", domain.RoleOperator, func(s *Store, by Actor) error {
			_, err := s.QueueMessages([]domain.OutboxMessage{{Channel: "tb", Kind: domain.KindLate, Order: 1}}, t0, by)
			return err
		}},
		{"record sends", domain.RoleOperator, func(s *Store, by Actor) error {
			return s.RecordOutbox([]OutboxResult{{ID: 1, At: t0}}, 8, t0, by)
		}},
		{"sender lease", domain.RoleOperator, func(s *Store, by Actor) error { return s.TakeSenderLease("x", t0, time.Minute, by) }},
		{"outbox retry", domain.RoleSupervisor, func(s *Store, by Actor) error { _, err := s.RetryOutbox(nil, true, t0, by); return err }},
		{"outbox cancel", domain.RoleSupervisor, func(s *Store, by Actor) error {
			_, err := s.CancelOutbox([]uint64{1}, "no", t0, by)
			return err
		}},
		{"carrier events", domain.RoleOperator, func(s *Store, by Actor) error {
			_, err := s.ApplyEvents(EventBatch{Events: []domain.TrackingEvent{{Tracking: numA, At: t0, Status: domain.EventInTransit}}}, t0, by)
			return err
		}},
		{"stop tracking", domain.RoleOperator, func(s *Store, by Actor) error {
			_, err := s.SetTracking(orderRef("SO00000002"), true, "lost", t0, by)
			return err
		}},
		{"stop tracking of a selection", domain.RoleOperator, func(s *Store, by Actor) error {
			_, err := s.SetTrackingMany([]uint64{2, 4}, true, "lost", t0, by)
			return err
		}},
		{"undo", domain.RoleOperator, func(s *Store, by Actor) error { _, err := s.Undo(0, t0, by); return err }},
		{"voucher redeem", domain.RoleOperator, func(s *Store, by Actor) error {
			_, err := s.Redeem(domain.RedeemInput{Code: "1234567890", Phone4: "0000"}, t0, by)
			return err
		}},
		{"voucher resend", domain.RoleOperator, func(s *Store, by Actor) error {
			_, err := s.Resend(orderRef("SO00000002"), t0, time.UTC, by)
			return err
		}},
		{"voucher extend", domain.RoleSupervisor, func(s *Store, by Actor) error {
			_, err := s.Extend(orderRef("SO00000002"), t0.AddDate(1, 0, 0), t0, by)
			return err
		}},
		{"voucher expire", domain.RoleOperator, func(s *Store, by Actor) error { _, err := s.ExpireVouchers(t0, by); return err }},
		{"channel set", domain.RoleSupervisor, func(s *Store, by Actor) error {
			p := "taobao"
			_, err := s.SetChannel("tb", ChannelChange{Platform: &p}, t0, by)
			return err
		}},
		{"channel reauth", domain.RoleSupervisor, func(s *Store, by Actor) error {
			_, err := s.Reauthorize("tb", t0.AddDate(1, 0, 0), t0, by)
			return err
		}},
		{"rebate add", domain.RoleSupervisor, func(s *Store, by Actor) error {
			_, err := s.AddRebate(RebateInput{Channel: "tb", Order: "S1", OrderedAt: t0, Amount: domain.Money{Minor: 100, Currency: "CNY"}}, nil, time.UTC, t0, by)
			return err
		}},
		{"rebate confirm", domain.RoleSupervisor, func(s *Store, by Actor) error { _, err := s.ConfirmRebate(1, t0, t0, by); return err }},
		{"rebate claim", domain.RoleSupervisor, func(s *Store, by Actor) error { _, err := s.ClaimRebate(1, time.UTC, t0, by); return err }},
		{"rebate paid", domain.RoleSupervisor, func(s *Store, by Actor) error { _, err := s.PayRebate(1, t0, by); return err }},
		{"mark uploaded", domain.RoleSupervisor, func(s *Store, by Actor) error { _, err := s.MarkUploaded([]uint64{1}, t0, by); return err }},
		{"fold", domain.RoleOperator, func(s *Store, by Actor) error {
			_, err := s.Fold(context.Background(), by)
			return err
		}},
		{"repair", domain.RoleSupervisor, func(s *Store, by Actor) error {
			_, err := s.Repair(context.Background(), t0, by)
			return err
		}},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			s := refundStore(t)
			mustImportRefunds(t, s, t0, claim("tb", "R0", "T2", domain.RefundNotReceived, 100, t0))
			before := snapshot(t, s)
			for _, r := range append([]domain.Role{0}, domain.Roles...) {
				if r >= w.allow {
					continue
				}
				err := w.write(s, as(r))
				var re *domain.RoleError
				if !errors.As(err, &re) || re.Needs <= r {
					t.Fatalf("as %v: err = %v, want a refusal of the role", r, err)
				}
				if after := snapshot(t, s); after != before {
					t.Fatalf("as %v: the refused write changed the file", r)
				}
			}
			if err := w.write(s, as(w.allow)); err != nil {
				var re *domain.RoleError
				if errors.As(err, &re) {
					t.Fatalf("as %v: refused: %v", w.allow, err)
				}
			}
		})
	}
}
