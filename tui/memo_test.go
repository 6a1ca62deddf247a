package tui

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// len is how many entries m remembers, both generations.
func (m *memo) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.cur) + len(m.prev)
}

func TestMemoRemembersLatelyUsedResults(t *testing.T) {
	m := newMemo(4)
	calls := map[memoKey]int{}
	f := func(s string, n int) string {
		calls[memoKey{s, n}]++
		return fmt.Sprintf("%s/%d", s, n)
	}
	for range 3 {
		if got := m.get("名前", 8, f); got != "名前/8" {
			t.Fatalf("get = %q", got)
		}
	}
	if got := m.get("名前", 9, f); got != "名前/9" {
		t.Fatalf("another number: %q", got)
	}
	if calls[memoKey{"名前", 8}] != 1 || calls[memoKey{"名前", 9}] != 1 {
		t.Fatalf("calls %v: each key should be computed once", calls)
	}
	// A key used in every round of new ones stays remembered; the memo stays bounded.
	for i := range 100 {
		m.get(fmt.Sprint("other", i), 1, f)
		m.get("名前", 8, f)
		if m.len() > 2*4 {
			t.Fatalf("%d entries remembered, at most 8 expected", m.len())
		}
	}
	if calls[memoKey{"名前", 8}] != 1 {
		t.Fatalf("the key used every round was computed %d times", calls[memoKey{"名前", 8}])
	}
	if calls[memoKey{"other0", 1}] != 1 {
		t.Fatal("a fresh key was not computed")
	}
	m.get("other0", 1, f)
	if calls[memoKey{"other0", 1}] != 2 {
		t.Fatal("an old key should have been forgotten and computed again")
	}
}

// Fit and fitLine give from memory exactly what measuring gives, the first time and
// every time after, from several sessions at once.
func TestFitFromMemoryIsFitMeasured(t *testing.T) {
	texts := []string{"王小明", "Ольга Орлова", "杭州市西湖区文三路 90 号", "e\u0301te\u0301", "🇨🇳 flag", "tea \x1b[31mred", "plain ascii", "Zoë 😀 ok"}
	style := newStyles(nil)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 3 {
				for _, s := range texts {
					for w := 1; w < 14; w++ {
						if got, want := Fit(s, w), fitNow(s, w<<1|1); got != want {
							t.Errorf("session %d round %d: Fit(%q, %d) = %q, measuring gives %q", g, round, s, w, got, want)
						}
						if got, want := Cut(s, w), fitNow(s, w<<1); got != want {
							t.Errorf("Cut(%q, %d) = %q, measuring gives %q", s, w, got, want)
						}
						line := style.warn.Render(Fit(s, w)) + strings.Repeat("x", w)
						if got, want := fitLine(line, w+3), truncateLine(line, w+3); got != want {
							t.Errorf("fitLine(%q, %d) = %q, want %q", line, w+3, got, want)
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, c := range []struct {
		s    string
		w    int
		want string
	}{{"abcdef", 4, "abcd"}, {"abc", 4, "abc"}, {"abc", 0, ""}} {
		if got := fitLine(c.s, c.w); got != c.want {
			t.Errorf("fitLine(%q, %d) = %q, want %q", c.s, c.w, got, c.want)
		}
	}
}
