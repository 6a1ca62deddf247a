package storage

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"shipdesk/domain"
)

// A word filter over a big range scans the state index in two halves at once. Whatever the
// query, direction, starting position and window size, it must give exactly the rows and
// "more" of the one-cursor scan — also when paging through every match.
func TestSplitFilterScanEqualsSerialScan(t *testing.T) {
	s := openTemp(t)
	var trades []domain.Trade
	for i := range 3000 {
		tr := trade("tb", fmt.Sprintf("S%05d", (i*7919)%100000), t0.Add(-time.Duration(i*i%8760)*time.Hour), 1)
		switch {
		case i%97 == 0:
			tr.Buyer = "rare-buyer"
		case i%3 == 0:
			tr.Buyer = "common-buyer"
		}
		trades = append(trades, tr)
	}
	mustImport(t, s, trades...)
	var keys []domain.Key
	for i := 0; i < len(trades); i += 2 {
		keys = append(keys, trades[i].Key)
	}
	if _, err := s.Convert(keys, t0, Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	defer func(v int64) { parallelScanFrom = v }(parallelScanFrom)
	ctx := context.Background()
	read := func(split bool, q PoolQuery, from Pos, back bool, limit int) ([]PoolRow, bool) {
		t.Helper()
		parallelScanFrom = 1 << 62
		if split {
			parallelScanFrom = 0
		}
		rows, more, err := s.PoolWindow(ctx, q, from, back, limit)
		if err != nil {
			t.Fatal(err)
		}
		return rows, more
	}
	keysOf := func(rows []PoolRow) []string {
		var out []string
		for _, r := range rows {
			out = append(out, r.Entry.Key.String())
		}
		return out
	}
	for _, words := range [][]string{{"rare-buyer"}, {"common-buyer"}, {"buyer"}, {"no-such-word"}} {
		for _, states := range [][]domain.PoolState{nil, domain.PoolStates} {
			for _, desc := range []bool{false, true} {
				q := PoolQuery{Words: words, States: states, Desc: desc}
				for _, limit := range []int{1, 7, 60} {
					for _, back := range []bool{false, true} {
						name := fmt.Sprintf("%v states=%d desc=%v back=%v limit=%d", words, len(states), desc, back, limit)
						// Page through every match both ways and compare each window.
						var from Pos
						for page := 0; page < 500; page++ {
							want, wantMore := read(false, q, from, back, limit)
							got, gotMore := read(true, q, from, back, limit)
							if !reflect.DeepEqual(keysOf(got), keysOf(want)) || gotMore != wantMore {
								t.Fatalf("%s, page %d: split scan %v (more %v), serial %v (more %v)", name, page, keysOf(got), gotMore, keysOf(want), wantMore)
							}
							if !wantMore || len(want) == 0 {
								break
							}
							if back {
								from = want[0].Pos
							} else {
								from = want[len(want)-1].Pos
							}
						}
					}
				}
			}
		}
	}
}
