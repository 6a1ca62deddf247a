package domain

import "fmt"

// Check-digit rules of the tracking-number formats. Each returns the check character a
// serial should carry; the serial has already matched its format's pattern, so the
// characters are the ones the rule expects (digits, and capital letters where the
// format allows them).

// s10Weights are the UPU S10 weights of the eight serial digits.
var s10Weights = [8]int{8, 6, 4, 2, 3, 5, 9, 7}

// s10Check is UPU S10: 11 − (Σ digit × weight) mod 11, where 10 becomes 0 and 11 becomes 5.
func s10Check(serial string) byte {
	sum := 0
	for i := 0; i < len(serial) && i < len(s10Weights); i++ {
		sum += int(serial[i]-'0') * s10Weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return '0'
	case 11:
		return '5'
	default:
		return byte('0' + c)
	}
}

// ruPostCheck is Russian Post's domestic 14-digit identifier: digits in odd positions
// (first, third, …) count three times, the others once; the check digit brings the sum
// up to a multiple of ten.
func ruPostCheck(serial string) byte {
	sum := 0
	for i := 0; i < len(serial); i++ {
		d := int(serial[i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// mod10 is the weighted modulus-10 rule of UPS, FedEx Ground, USPS, Canada Post and
// OnTrac: the characters (reversed when the format says so) are weighted alternately,
// even positions (counting from 0) by evens and odd positions by odds; a letter counts
// as its character code − 3, mod 10 (so A is 2, Z is 7, as UPS defines it).
func mod10(evens, odds int, reverse bool) func(string) byte {
	return func(serial string) byte {
		total := 0
		n := len(serial)
		for i := 0; i < n; i++ {
			c := serial[i]
			if reverse {
				c = serial[n-1-i]
			}
			x := int(c - '0')
			if c >= 'A' && c <= 'Z' {
				x = (int(c) - 3) % 10
			}
			if i%2 == 1 {
				x *= odds
			} else {
				x *= evens
			}
			total += x
		}
		return byte('0' + (10-total%10)%10)
	}
}

// luhnCheck is the Luhn rule: from the right, every other digit doubled (9 subtracted
// when that exceeds 9), the check digit completes a multiple of ten.
func luhnCheck(serial string) byte {
	total := 0
	for i := 0; i < len(serial); i++ {
		x := int(serial[len(serial)-1-i] - '0')
		if i%2 == 0 {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		total += x
	}
	return byte('0' + (10-total%10)%10)
}

// mod7Check is DHL Express: the serial as a number, mod 7.
func mod7Check(serial string) byte {
	var n uint64
	for i := 0; i < len(serial); i++ {
		n = n*10 + uint64(serial[i]-'0')
	}
	return byte('0' + n%7)
}

// weightedMod is FedEx Express: Σ digit × weight, mod m1, mod m2.
func weightedMod(weights []int, m1, m2 int) func(string) byte {
	return func(serial string) byte {
		total := 0
		for i := 0; i < len(serial) && i < len(weights); i++ {
			total += int(serial[i]-'0') * weights[i]
		}
		return byte('0' + total%m1%m2)
	}
}

// mod3736Check is ISO/IEC 7064 MOD 37,36 as DPD prints it on parcel labels: digits count
// as themselves and letters A–Z as 10–35; the check character is a digit or a letter.
func mod3736Check(serial string) byte {
	const m = 36
	cd := m
	for i := 0; i < len(serial); i++ {
		c := serial[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = int(c-'A') + 10
		}
		cd += v
		if cd > m {
			cd -= m
		}
		cd *= 2
		if cd > m {
			cd -= m + 1
		}
	}
	cd = m + 1 - cd
	if cd == m {
		cd = 0
	}
	if cd < 10 {
		return byte('0' + cd)
	}
	return byte('A' + cd - 10)
}

// S10Number builds a UPU S10 number from its service letters, serial (the last eight
// digits are used) and country: S10Number("EA", 42, "CN") = "EA000000426CN". Demo data
// and tests use it to make valid numbers.
func S10Number(service string, serial int, country string) string {
	digits := fmt.Sprintf("%08d", serial%100_000_000)
	return service + digits + string(s10Check(digits)) + country
}
