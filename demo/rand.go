package demo

import (
	"math/bits"
	"strconv"
	"time"
)

type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// intn is uniform enough in [0, n) for n far below 2^64.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func mix(x uint64) uint64 { r := rng{x}; return r.next() }

// perm is a keyed bijection on [0, 10^digits): numbers look random, yet two indexes never
// share one. It walks the cycle of a bijection on the smallest power of two that holds
// 10^digits until it lands inside the range, which takes two rounds on average.
type perm struct {
	mod, mask       uint64
	shift           uint
	key, mul1, mul2 uint64
}

func newPerm(seed, salt uint64, digits int) perm {
	mod := uint64(1)
	for range digits {
		mod *= 10
	}
	b := uint(bits.Len64(mod - 1))
	return perm{mod: mod, mask: 1<<b - 1, shift: b/2 + 1,
		key: mix(seed ^ salt), mul1: mix(seed^salt^1) | 1, mul2: mix(seed^salt^2) | 1}
}

func (p perm) at(i uint64) uint64 {
	x := i % p.mod
	for {
		// Each step is a bijection on b bits: xor, odd multiply, xorshift.
		x = (x ^ p.key) & p.mask
		x = x * p.mul1 & p.mask
		x ^= x >> p.shift
		x = x * p.mul2 & p.mask
		x ^= x >> p.shift
		if x < p.mod {
			return x
		}
	}
}

// appendNum appends v zero-padded to width digits.
func appendNum(b []byte, v uint64, width int) []byte {
	var tmp [20]byte
	n := len(tmp)
	for v > 0 || n > len(tmp)-width {
		n--
		tmp[n] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[n:]...)
}

func appendRandDigits(b []byte, r *rng, n int) []byte {
	for range n {
		b = append(b, byte('0'+r.intn(10)))
	}
	return b
}

func appendHex(b []byte, r *rng, n int) []byte {
	const hex = "0123456789abcdef"
	for range n {
		b = append(b, hex[r.intn(16)])
	}
	return b
}

func appendBase62(b []byte, r *rng, n int) []byte {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	for range n {
		b = append(b, alphabet[r.intn(len(alphabet))])
	}
	return b
}

// appendDate appends the local date as yyyymmdd, or yymmdd when short.
func appendDate(b []byte, t time.Time, short bool) []byte {
	y, m, d := t.Date()
	if short {
		b = appendNum(b, uint64(y%100), 2)
	} else {
		b = appendNum(b, uint64(y), 4)
	}
	b = appendNum(b, uint64(m), 2)
	return appendNum(b, uint64(d), 2)
}

func appendSmall(b []byte, v int) []byte { return strconv.AppendInt(b, int64(v), 10) }

func pick(r *rng, list []string) string { return list[r.intn(len(list))] }
