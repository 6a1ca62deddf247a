package domain

import (
	"encoding/binary"
	"errors"
)

// Told is one message queued about an order's number: its kind (KindShipped or
// KindTrackingUpload), its stage (the number, and after a correction the number and the
// count of corrections) and its outbox ID (a tracking.upload chunk's for a line).
type Told struct {
	Kind  string
	Stage string
	ID    uint64
}

// ToldKind says whether messages of kind are listed in their order's Told rather than
// indexed on their own.
func ToldKind(kind string) bool { return kind == KindShipped || kind == KindTrackingUpload }

// ToldList is an order's Told entries kept packed, as they are stored: each is a kind
// byte (toldKinds), the stage's length and bytes and the ID (unsigned varints). Orders
// are read far more often than their lists (every import, every window of the orders
// list), so reading one copies the bytes once instead of making a string per entry.
type ToldList []byte

// toldKinds are the kinds of a ToldList by their code (index 0 unused).
var toldKinds = [...]string{"", KindShipped, KindTrackingUpload}

// ErrBadToldList is a list whose bytes do not read.
var ErrBadToldList = errors.New("the list of messages told does not read")

// each calls fn for each entry until it returns false; it says whether the list reads.
func (l ToldList) each(fn func(kind string, stage []byte, id uint64) bool) bool {
	for len(l) > 0 {
		code := int(l[0])
		n, w := binary.Uvarint(l[1:])
		if code == 0 || code >= len(toldKinds) || w <= 0 || n > uint64(len(l)-1-w) {
			return false
		}
		stage := l[1+w : 1+w+int(n)]
		l = l[1+w+int(n):]
		id, w := binary.Uvarint(l)
		if w <= 0 {
			return false
		}
		l = l[w:]
		if !fn(toldKinds[code], stage, id) {
			return true
		}
	}
	return true
}

// ID is the message of kind and stage in the list, or 0 for none.
func (l ToldList) ID(kind, stage string) uint64 {
	var found uint64
	l.each(func(k string, st []byte, id uint64) bool {
		if k == kind && string(st) == stage {
			found = id
			return false
		}
		return true
	})
	return found
}

// With is the list with message id of kind and stage added at its end; l is never
// written in place (a copy of an order shares its list).
func (l ToldList) With(kind, stage string, id uint64) ToldList {
	code := byte(0)
	for i, k := range toldKinds {
		if i > 0 && k == kind {
			code = byte(i)
		}
	}
	out := append(l[:len(l):len(l)], code)
	out = binary.AppendUvarint(out, uint64(len(stage)))
	out = append(out, stage...)
	return binary.AppendUvarint(out, id)
}

// Walk calls fn with each entry (stage only valid during the call), or says
// ErrBadToldList.
func (l ToldList) Walk(fn func(kind string, stage []byte, id uint64)) error {
	if !l.each(func(kind string, stage []byte, id uint64) bool { fn(kind, stage, id); return true }) {
		return ErrBadToldList
	}
	return nil
}

// Entries is the list unpacked, or ErrBadToldList.
func (l ToldList) Entries() ([]Told, error) {
	var out []Told
	if !l.each(func(kind string, stage []byte, id uint64) bool {
		out = append(out, Told{Kind: kind, Stage: string(stage), ID: id})
		return true
	}) {
		return out, ErrBadToldList
	}
	return out, nil
}

// ToldID is the message queued for the order of kind and stage, or 0 for none.
func (o *SalesOrder) ToldID(kind, stage string) uint64 { return o.Told.ID(kind, stage) }

// Tell records message id of kind and stage.
func (o *SalesOrder) Tell(kind, stage string, id uint64) { o.Told = o.Told.With(kind, stage, id) }
