package storage

// The write transaction's pool-entry half: arrival numbers, entry records (read back by
// number), their index rows and counters.

import (
	"encoding/binary"
	"fmt"

	"shipdesk/domain"
)

// nextEntrySeq hands out the arrival number of a new pool entry.
func (w *wtx) nextEntrySeq() uint64 {
	if !w.entrySeqRead {
		if v := w.tx.Bucket(bMeta).Get(kEntrySeq); len(v) == 8 {
			w.entrySeq = binary.BigEndian.Uint64(v)
		}
		w.entryBase, w.entrySeqRead = w.entrySeq, true
	}
	w.entrySeq++
	w.entryNew = true
	return w.entrySeq
}

// putRecord writes the record of the pool entry with arrival number seq.
func (w *wtx) putRecord(seq, rec []byte) {
	w.put(bPoolEntries, seq, rec)
	n := binary.BigEndian.Uint64(seq)
	if i := n - w.entryBase - 1; w.entrySeqRead && n > w.entryBase && i <= uint64(len(w.fresh)) {
		if i == uint64(len(w.fresh)) {
			w.fresh = append(w.fresh, rec)
		} else {
			w.fresh[i] = rec
		}
		return
	}
	if w.rewritten == nil {
		w.rewritten = map[uint64][]byte{}
	}
	w.rewritten[n] = rec
}

// getRecord reads the record of the pool entry with arrival number seq through this
// transaction's writes.
func (w *wtx) getRecord(seq []byte) []byte {
	if len(seq) != 8 {
		return nil
	}
	n := binary.BigEndian.Uint64(seq)
	if i := n - w.entryBase - 1; w.entrySeqRead && n > w.entryBase && i < uint64(len(w.fresh)) {
		return w.fresh[i]
	}
	if rec, ok := w.rewritten[n]; ok {
		return rec
	}
	return w.tx.Bucket(bPoolEntries).Get(seq)
}

func (w *wtx) getEntry(k domain.Key) (*domain.PoolEntry, error) {
	w.key = poolKey(w.key, k)
	seq, v := findEntry(w.get, w.key)
	if v == nil {
		return nil, nil
	}
	w.lastPK, w.lastSeq = append(w.lastPK[:0], w.key...), binary.BigEndian.Uint64(seq)
	e, err := decodeEntry(v)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

func countEntry(w *wtx, e *domain.PoolEntry, sign int64) {
	countState(w, e.State, e.Channel, e.Changed, sign)
}

func countState(w *wtx, st domain.PoolState, channel string, changed bool, sign int64) {
	w.add(poolCounter[st], "", sign)
	w.add(poolCounter[st], channel, sign)
	if changed && st.Open() {
		w.add("pool/changed", "", sign)
	}
}

// putEntry writes next over old (nil if new), keeping indexes and counters in step. A new
// entry gets the next arrival number (two appends, to the key index and to the records,
// wherever its trade ID sorts); an existing one keeps its number and only its record is
// rewritten. Keys and values handed to Put are fresh slices: bbolt keeps them until the
// commit.
func (w *wtx) putEntry(old *domain.PoolEntry, next *domain.PoolEntry) error {
	return w.putEntryAt(old, next, nil)
}

// putEntryAt is putEntry told old's arrival number (seq; nil: look it up).
func (w *wtx) putEntryAt(old *domain.PoolEntry, next *domain.PoolEntry, seq []byte) error {
	if old == nil {
		w.placeNew(next.State, next.Channel, prepareNew(&w.arena, next))
		return nil
	}
	pk := w.keep(poolKey(w.room(len(next.Channel)+1+len(next.TradeID)), next.Key))
	if len(seq) != 8 {
		if seq = w.seqOf(pk); len(seq) != 8 {
			return fmt.Errorf("pool entry %s: no arrival number in the key index", next.Key)
		}
	}
	seq = w.keep(append(w.room(8), seq...))
	countEntry(w, old, -1)
	if old.State != next.State || !old.PaidAt.Equal(next.PaidAt) {
		w.del(bPoolByState, stateIndexKey(w.ikey, old.State, old.PaidAt, pk))
	}
	if !old.PaidAt.Equal(next.PaidAt) {
		w.del(bPoolByChannel, channelIndexKey(w.ikey, old.Key, old.PaidAt))
	}
	countEntry(w, next, 1)
	w.putRecord(seq, w.keep(encodeEntry(w.room(tradeSize(&next.Trade)+len(next.Reason)+32), next)))
	w.putRows(entryRowsOf(&w.arena, pk, next), seq)
	return nil
}

// newEntry is a new pool entry as written, made before its arrival number is known (an
// import makes it while the trades before it are still being applied): its pool key,
// record and index rows.
type newEntry struct {
	pk, rec []byte
	rows    entryRows
}

func prepareNew(a *arena, e *domain.PoolEntry) newEntry {
	pk := a.keep(poolKey(a.room(len(e.Channel)+1+len(e.TradeID)), e.Key))
	rec := a.keep(encodeEntry(a.room(tradeSize(&e.Trade)+len(e.Reason)+32), e))
	return newEntry{pk: pk, rec: rec, rows: entryRowsOf(a, pk, e)}
}

// placeNew writes a new entry (state st, of channel ch) under the next arrival number:
// two appends, to the key index and to the records, wherever its trade ID sorts.
func (w *wtx) placeNew(st domain.PoolState, ch string, n newEntry) {
	seq := w.keep(binary.BigEndian.AppendUint64(w.room(8), w.nextEntrySeq()))
	w.addID(n.pk, seq)
	countState(w, st, ch, false, 1)
	w.putRecord(seq, n.rec)
	w.putRows(n.rows, seq)
}

// entryRows are an entry's rows in the state and channel indexes, with room for its
// arrival number in both values (putRows fills it in). Both values lead to the record by
// that number, so a window reads one record a row without the key index. The state index
// also carries the search text, so filtering scans it and decodes only matches; the
// channel index carries the state.
type entryRows struct{ stateKey, stateVal, chanKey, chanVal []byte }

func entryRowsOf(a *arena, pk []byte, e *domain.PoolEntry) entryRows {
	var r entryRows
	r.stateVal = a.keep(domain.AppendSearchText(append(a.room(8+searchSize(&e.Trade)), noSeq[:]...), &e.Trade))
	r.stateKey = a.keep(stateIndexKey(a.room(9+len(pk)), e.State, e.PaidAt, pk))
	r.chanVal = a.keep(append(append(a.room(9), byte(e.State)), noSeq[:]...))
	r.chanKey = a.keep(channelIndexKey(a.room(len(pk)+8), e.Key, e.PaidAt))
	return r
}

// putRows files an entry's index rows under arrival number seq.
func (w *wtx) putRows(r entryRows, seq []byte) {
	copy(r.stateVal, seq)
	copy(r.chanVal[1:], seq)
	w.put(bPoolByState, r.stateKey, r.stateVal)
	w.put(bPoolByChannel, r.chanKey, r.chanVal)
}

// indexEntry files entry e (pool key pk, arrival number seq) in the state and channel
// indexes.
func (w *wtx) indexEntry(pk, seq []byte, e *domain.PoolEntry) {
	w.putRows(entryRowsOf(&w.arena, pk, e), seq)
}
