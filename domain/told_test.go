package domain

import (
	"slices"
	"testing"
)

// A list keeps its entries in order, finds each by kind and stage, and never changes the
// list it was made from.
func TestToldListKeepsEntries(t *testing.T) {
	var l ToldList
	l = l.With(KindShipped, "EA1", 7)
	base := l
	a := base.With(KindTrackingUpload, "EA1", 9)
	b := base.With(KindShipped, "EB2#1", 12)
	want := []Told{{KindShipped, "EA1", 7}, {KindTrackingUpload, "EA1", 9}}
	if got, err := a.Entries(); err != nil || !slices.Equal(got, want) {
		t.Fatalf("entries %+v %v, want %+v", got, err, want)
	}
	if a.ID(KindTrackingUpload, "EA1") != 9 || a.ID(KindShipped, "EA1") != 7 || a.ID(KindShipped, "EB2#1") != 0 {
		t.Fatal("lookups in a")
	}
	if b.ID(KindShipped, "EB2#1") != 12 || b.ID(KindTrackingUpload, "EA1") != 0 {
		t.Fatal("b shares a's entry: With wrote in place")
	}
	if got, _ := base.Entries(); len(got) != 1 {
		t.Fatalf("the list made from changed: %+v", got)
	}
}

// Bytes that are not a list are refused, never read past their end.
func FuzzToldList(f *testing.F) {
	f.Add([]byte(ToldList(nil).With(KindShipped, "EA000000014CN", 300).With(KindTrackingUpload, "EA000000014CN#2", 5)))
	f.Add([]byte{1, 200})
	f.Add([]byte{9, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		l := ToldList(b)
		entries, err := l.Entries()
		if err != nil {
			return
		}
		var again ToldList
		for _, e := range entries {
			if l.ID(e.Kind, e.Stage) == 0 && e.ID != 0 && firstOf(entries, e) {
				t.Fatalf("entry %+v not found", e)
			}
			again = again.With(e.Kind, e.Stage, e.ID)
		}
		if back, err := again.Entries(); err != nil || !slices.Equal(back, entries) {
			t.Fatalf("written again: %+v %v, want %+v", back, err, entries)
		}
	})
}

// firstOf says whether e is the first entry of its kind and stage (ID finds the first).
func firstOf(entries []Told, e Told) bool {
	for _, x := range entries {
		if x.Kind == e.Kind && x.Stage == e.Stage {
			return x == e
		}
	}
	return false
}
