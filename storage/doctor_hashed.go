package storage

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	"shipdesk/domain"
)

// hitem is one key of a hashed index as filed: its slot and hash bits as one number
// (slot << 32 | bits), and the value filed under it.
type hitem struct{ at, val uint64 }

// hitemOf is the item key k with value val is filed as (hashAdd's slot and bits).
func hitemOf(k []byte, val uint64) hitem {
	slot, bits := slotOf(k)
	return hitem{uint64(binary.BigEndian.Uint16(slot[:]))<<32 | uint64(bits), val}
}

func cmpHitem(a, b hitem) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.val, b.val)) }

// foundItem is an item found in a hashed index: in its slot (run 0) or in staged run.
type foundItem struct {
	hitem
	run int
}

func (d *doctor) checkHashedIndexes() error {
	entry := func(seq uint64) string {
		v := d.get(bPoolEntries, u64(seq))
		if v == nil {
			return fmt.Sprintf("pool entry #%d, which is not there", seq)
		}
		e, err := decodeEntry(v)
		if err != nil {
			return fmt.Sprintf("pool entry #%d, which does not read", seq)
		}
		return entryName(seq, &e)
	}
	if err := d.checkHashed(bPool, d.poolWant, entry); err != nil {
		return err
	}
	return d.checkHashed(bOrdersByRef, d.refWant, domain.OrderNumber)
}

// checkHashed compares the items in hashed index name's slots and staged runs with want,
// the items its records make: every item must be one of them, and each of them found
// once. It also checks the form lookups rely on: two-byte slot keys, whole items, runs
// numbered 1, 2, ... without a gap, each run's items in slot and hash order.
func (d *doctor) checkHashed(name []byte, want []hitem, describe func(val uint64) string) error {
	nm, rn := string(name), string(hashedRuns[string(name)])
	slices.SortFunc(want, cmpHitem)
	var found []foundItem
	err := d.each(name, func(k, v []byte) error {
		if len(k) != 2 {
			d.problem(nm, "key %x is not a slot: lookups never read it", k)
			return nil
		}
		if len(v)%idItem != 0 {
			d.problem(nm, "slot %04x: %d bytes is not a whole number of items", k, len(v))
		}
		s := uint64(binary.BigEndian.Uint16(k))
		for ; len(v) >= idItem; v = v[idItem:] {
			found = append(found, foundItem{hitem{s<<32 | uint64(binary.BigEndian.Uint32(v)), binary.BigEndian.Uint64(v[4:idItem])}, 0})
		}
		return nil
	})
	if err != nil {
		return err
	}
	inSlots, next := len(found), uint64(1)
	err = d.each(hashedRuns[nm], func(k, v []byte) error {
		if len(k) != 8 {
			d.problem(rn, "key %x is not a run number: lookups never read it", k)
			return nil
		}
		n := binary.BigEndian.Uint64(k)
		if n != next {
			d.problem(rn, "run %d follows run %d: lookups read runs 1, 2, ... up to the first missing one", n, next-1)
		}
		next = n + 1
		if len(v)%runItem != 0 {
			d.problem(rn, "run %d: %d bytes is not a whole number of items", n, len(v))
		}
		var prev uint64
		sorted := true
		for i := 0; len(v) >= runItem; v, i = v[runItem:], i+1 {
			at := uint64(binary.BigEndian.Uint16(v))<<32 | uint64(binary.BigEndian.Uint32(v[2:]))
			if i > 0 && at < prev && sorted {
				sorted = false
				d.problem(rn, "run %d: item %d is out of slot and hash order: lookups may miss the keys near it", n, i)
			}
			prev = at
			found = append(found, foundItem{hitem{at, binary.BigEndian.Uint64(v[6:runItem])}, int(n)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.staged += len(found) - inSlots
	d.checked(nm, inSlots, "items")
	d.checked(rn, len(found)-inSlots, "items")
	slices.SortFunc(found, func(a, b foundItem) int { return cmp.Or(cmpHitem(a.hitem, b.hitem), cmp.Compare(a.run, b.run)) })
	where := func(f foundItem) (string, string) {
		if f.run == 0 {
			return nm, fmt.Sprintf("slot %04x", f.at>>32)
		}
		return rn, fmt.Sprintf("run %d (slot %04x)", f.run, f.at>>32)
	}
	i, j := 0, 0
	for i < len(found) || j < len(want) {
		if err := d.alive(); err != nil {
			return err
		}
		switch {
		case j == len(want) || i < len(found) && cmpHitem(found[i].hitem, want[j]) < 0:
			f := found[i]
			s, at := where(f)
			if i > 0 && found[i-1].hitem == f.hitem {
				d.problem(s, "%s holds a second item for %s", at, describe(f.val))
			} else {
				d.problem(s, "%s holds an item (hash bits %08x) for %s that is not its key", at, uint32(f.at), describe(f.val))
			}
			i++
		case i == len(found) || cmpHitem(found[i].hitem, want[j]) > 0:
			d.problem(nm, "the key of %s is in neither slot %04x nor a staged run", describe(want[j].val), want[j].at>>32)
			j++
		default:
			i, j = i+1, j+1
		}
	}
	return nil
}
