package tui

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"

	"shipdesk/domain"
	"shipdesk/storage"
)

// keysSource serves n pool keys (tb:K0000 …) as rows, a page at a time, positioned by
// their index; fail makes every fetch fail.
func keysSource(n int, fail bool) source[int] {
	return source[int]{fetch: func(ctx context.Context, from storage.Pos, back bool, limit int) ([]int, bool, error) {
		if fail {
			return nil, false, errors.New("disk gone")
		}
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		start := 0
		if len(from) == 4 {
			start = int(binary.BigEndian.Uint32(from)) + 1
		}
		end := min(start+limit, n)
		rows := make([]int, 0, end-start)
		for i := start; i < end; i++ {
			rows = append(rows, i)
		}
		return rows, end < n, nil
	}}
}

func indexPos(i int) storage.Pos { return binary.BigEndian.AppendUint32(nil, uint32(i)) }

func poolKeyOf(i int) domain.Key { return domain.Key{Channel: "tb", TradeID: fmt.Sprintf("K%04d", i)} }

func TestMarksSelectAllCollectsEveryPage(t *testing.T) {
	s := newMarks[domain.Key]()
	s.toggle(poolKeyOf(5000)) // selected before: kept
	cmd := selectAll(&s, nil, keysSource(2500, false), 7, indexPos, poolKeyOf)
	msg := cmd().(keysMsg[domain.Key])
	if msg.err != nil || len(msg.keys) != 2500 || msg.gen != 7 {
		t.Fatalf("select-all read %d keys (gen %d, err %v), want 2500 of generation 7", len(msg.keys), msg.gen, msg.err)
	}
	rep := s.done(msg, 7, "entry", "entries")
	if len(s.set) != 2501 || s.stop != nil {
		t.Fatalf("%d selected (stop kept %v), want 2501 and the select-all released", len(s.set), s.stop != nil)
	}
	if got := rep().(statusMsg); got.text != "selected 2501 entries" {
		t.Errorf("report %+v", got)
	}
	if got := s.targets(poolKeyOf(1), true); len(got) != 2501 || got[0] != poolKeyOf(0) || got[2500] != poolKeyOf(5000) {
		t.Errorf("targets: %d keys from %v to %v, want 2501 in key order", len(got), got[0], got[len(got)-1])
	}
}

func TestMarksDropALateOrFailedSelectAll(t *testing.T) {
	s := newMarks[domain.Key]()
	msg := selectAll(&s, nil, keysSource(10, false), 1, indexPos, poolKeyOf)().(keysMsg[domain.Key])
	if cmd := s.done(msg, 2, "entry", "entries"); cmd != nil || len(s.set) != 0 {
		t.Fatalf("a select-all of an older filter selected %d rows", len(s.set))
	}
	msg = selectAll(&s, nil, keysSource(10, true), 3, indexPos, poolKeyOf)().(keysMsg[domain.Key])
	if got := s.done(msg, 3, "entry", "entries")().(statusMsg); !got.err || len(s.set) != 0 {
		t.Fatalf("failed select-all: report %+v, %d selected", got, len(s.set))
	}
	// Select none while a select-all runs: it stops with the context's error, selecting
	// nothing.
	s.toggle(poolKeyOf(1))
	cmd := selectAll(&s, nil, keysSource(5000, false), 4, indexPos, poolKeyOf)
	s.none()
	msg = cmd().(keysMsg[domain.Key])
	if !errors.Is(msg.err, context.Canceled) || len(s.set) != 0 {
		t.Fatalf("select none during select-all: %d keys, err %v, %d selected", len(msg.keys), msg.err, len(s.set))
	}
}

func TestMarksTargetsAndToggle(t *testing.T) {
	s := newMarks[domain.Key]()
	if got := s.targets(domain.Key{}, false); got != nil {
		t.Fatalf("no rows, nothing selected: %v", got)
	}
	if got := s.targets(poolKeyOf(3), true); !slices.Equal(got, []domain.Key{poolKeyOf(3)}) {
		t.Fatalf("nothing selected: %v, want the cursor's row", got)
	}
	s.toggle(poolKeyOf(9))
	s.toggle(poolKeyOf(2))
	s.toggle(poolKeyOf(4))
	s.toggle(poolKeyOf(4))
	if got := s.targets(poolKeyOf(3), true); !slices.Equal(got, []domain.Key{poolKeyOf(2), poolKeyOf(9)}) {
		t.Fatalf("selected: %v, want K0002 and K0009 in order", got)
	}
}
