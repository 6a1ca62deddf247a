package tui

import (
	"context"
	"slices"

	"shipdesk/storage"
)

// Sources a list reads its windows from, built from storage's reads: every one reads a
// window at a time from an index, never the whole list.

// reversed reads src the other way round when it is to (else it is src): its first rows
// are src's last, each window still in display order. A list storage reads in one
// direction only (the audit trail, newest first) is read oldest first this way, a window
// at a time.
func reversed[T any](src source[T], to bool) source[T] {
	if !to {
		return src
	}
	fetch := src.fetch
	src.fetch = func(ctx context.Context, from storage.Pos, back bool, limit int) ([]T, bool, error) {
		rows, more, err := fetch(ctx, from, !back, limit)
		slices.Reverse(rows)
		return rows, more, err
	}
	return src
}

// storeSource is the source of a storage window read and count, for the query q (a copy,
// which the reads share).
func storeSource[T, Q any](q Q, fetch func(context.Context, Q, storage.Pos, bool, int) ([]T, bool, error), count func(Q) (int, bool, error)) source[T] {
	return source[T]{
		fetch: func(ctx context.Context, from storage.Pos, back bool, limit int) ([]T, bool, error) {
			return fetch(ctx, q, from, back, limit)
		},
		count: func() (int, bool, error) { return count(q) },
	}
}

// inTurn reads parts one after another as one list: the rows of parts[0] in their order,
// then those of parts[1], and so on. A status index read for several statuses merges them
// by time; read in turn they list status by status, each by time: another sort storage
// serves in index order. A row's position gains its part's number in a first byte, so a
// read from a row goes on in that row's part; pos reaches a row's position.
func inTurn[T any](parts []source[T], pos func(*T) *storage.Pos) source[T] {
	fetch := func(ctx context.Context, from storage.Pos, back bool, limit int) ([]T, bool, error) {
		i, step := 0, 1
		if back {
			i, step = len(parts)-1, -1
		}
		var sub storage.Pos
		if len(from) > 0 {
			i, sub = int(from[0]), from[1:]
		}
		var out []T
		for ; i >= 0 && i < len(parts); i, sub = i+step, nil {
			rows, more, err := parts[i].fetch(ctx, sub, back, limit-len(out))
			if err != nil {
				return nil, false, err
			}
			for j := range rows {
				p := pos(&rows[j])
				*p = append(storage.Pos{byte(i)}, *p...)
			}
			if back {
				out = append(rows, out...)
			} else {
				out = append(out, rows...)
			}
			if len(out) == limit {
				// More rows wait in this part, or maybe in the next ones.
				return out, more || i+step >= 0 && i+step < len(parts), nil
			}
		}
		return out, false, nil
	}
	count := func() (int, bool, error) {
		total := 0
		for _, p := range parts {
			if p.count == nil {
				return 0, false, nil
			}
			n, exact, err := p.count()
			if err != nil || !exact {
				return 0, false, err
			}
			total += n
		}
		return total, true, nil
	}
	return source[T]{fetch: fetch, count: count}
}

// eachOf is one source per value of all, for inTurn: part(v) reads the rows of value v.
// desc lists the values last first.
func eachOf[T, V any](all []V, desc bool, part func(V) source[T]) []source[T] {
	parts := make([]source[T], len(all))
	for i, v := range all {
		parts[i] = part(v)
	}
	if desc {
		slices.Reverse(parts)
	}
	return parts
}
