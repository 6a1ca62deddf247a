package demo

import (
	"time"
)

// The data below is the demo world: channels, catalogue, names and places.

type locale uint8

const (
	zh locale = iota
	ru
	en
)

// Currency indexes into product.price.
const (
	cny = iota
	rub
	usd
)

type chanSpec struct {
	name, platform, currency string
	currencyIx               int
	weight                   int // share of all trades, in percent
	locale                   locale
	tzHours                  int // where its buyers live, for the time of day they pay
	loc                      *time.Location
	idDigits, payDigits      int // the permuted part of trade IDs and payment references
	idFormat                 idFormat
	idPrefix                 string
	payFormat                payFormat
	payPrefix                string
	buyerStyle               buyerStyle
	countries                []int // into enCountries, weighted by repetition
	wholesale                bool
	authDays                 int // API authorization expiry, days from now
}

var (
	cst = time.FixedZone("CST", 8*3600)
	msk = time.FixedZone("MSK", 3*3600)
	est = time.FixedZone("EST", -5*3600)
)

var channelSpecs = []chanSpec{
	{name: "tb-main", platform: "taobao", currency: "CNY", currencyIx: cny, weight: 22, locale: zh, tzHours: 8, loc: cst,
		idDigits: 18, payDigits: 15, idPrefix: "2", payFormat: payAlipay, buyerStyle: buyerTaobao, authDays: 200},
	{name: "tmall-flagship", platform: "tmall", currency: "CNY", currencyIx: cny, weight: 12, locale: zh, tzHours: 8, loc: cst,
		idDigits: 18, payDigits: 15, idPrefix: "4", payFormat: payAlipay, buyerStyle: buyerTaobao, authDays: 120},
	{name: "jd-store", platform: "jd", currency: "CNY", currencyIx: cny, weight: 14, locale: zh, tzHours: 8, loc: cst,
		idDigits: 12, payDigits: 12, idPrefix: "3", payFormat: payDated, payPrefix: "JDP", buyerStyle: buyerJD, authDays: 5},
	{name: "pdd-outlet", platform: "pinduoduo", currency: "CNY", currencyIx: cny, weight: 12, locale: zh, tzHours: 8, loc: cst,
		idDigits: 15, payDigits: 10, idFormat: idPDD, payFormat: payWechat, buyerStyle: buyerPDD, authDays: -2},
	{name: "douyin-live", platform: "douyin", currency: "CNY", currencyIx: cny, weight: 10, locale: zh, tzHours: 8, loc: cst,
		idDigits: 17, payDigits: 12, idPrefix: "69", payFormat: payDated, payPrefix: "DYP", buyerStyle: buyerDouyin, authDays: 45},
	{name: "yz-shop", platform: "youzan", currency: "CNY", currencyIx: cny, weight: 5, locale: zh, tzHours: 8, loc: cst,
		idDigits: 9, payDigits: 10, idFormat: idYouzan, payFormat: payWechat, buyerStyle: buyerYouzan, authDays: 300},
	{name: "ali-global", platform: "aliexpress", currency: "USD", currencyIx: usd, weight: 6, locale: en, tzHours: 0, loc: time.UTC,
		idDigits: 15, payDigits: 12, idPrefix: "8", payFormat: payDated, payPrefix: "AE", buyerStyle: buyerEN,
		countries: []int{usC, usC, gbC, deC, frC, auC, caC}, authDays: 90},
	{name: "insales-ru", platform: "insales", currency: "RUB", currencyIx: rub, weight: 5, locale: ru, tzHours: 3, loc: msk,
		idDigits: 9, payDigits: 9, idPrefix: "1", payFormat: payYooKassa, buyerStyle: buyerRU, authDays: 365},
	{name: "gspay-intl", platform: "gspay", currency: "USD", currencyIx: usd, weight: 4, locale: en, tzHours: 0, loc: time.UTC,
		idDigits: 10, payDigits: 12, idPrefix: "GS", payFormat: payGSPAY, buyerStyle: buyerEN,
		countries: []int{usC, gbC, deC, frC, caC, auC}, authDays: 150},
	{name: "shopify-us", platform: "shopify", currency: "USD", currencyIx: usd, weight: 5, locale: en, tzHours: -5, loc: est,
		idDigits: 12, payDigits: 9, idPrefix: "6", payFormat: payStripe, buyerStyle: buyerEN,
		countries: []int{usC, usC, usC, usC, usC, usC, caC}, authDays: 30},
	{name: "1688-wholesale", platform: "1688", currency: "CNY", currencyIx: cny, weight: 3, locale: zh, tzHours: 8, loc: cst,
		idDigits: 18, payDigits: 15, idPrefix: "3", payFormat: payAlipay, buyerStyle: buyerCompany, wholesale: true, authDays: 12},
	{name: "manual", platform: "manual", currency: "CNY", currencyIx: cny, weight: 2, locale: zh, tzHours: 8, loc: cst,
		idDigits: 9, payDigits: 9, idFormat: idManual, payFormat: payManual, buyerStyle: buyerManual, authDays: 3650},
}

// Trade IDs: the permuted number n makes each one unique within its channel.

type idFormat uint8

const (
	idPlain  idFormat = iota // prefix and digits: taobao, jd, douyin, …
	idPDD                    // 261120-123456789012345
	idYouzan                 // E20261120103512123456789
	idManual                 // M261120-123456789
)

func (c *chanSpec) appendTradeID(b []byte, n uint64, local time.Time) []byte {
	switch c.idFormat {
	case idPDD:
		return pddTradeID(b, n, c.idDigits, local)
	case idYouzan:
		return youzanTradeID(b, n, c.idDigits, local)
	case idManual:
		return manualTradeID(b, n, c.idDigits, local)
	}
	return appendNum(append(b, c.idPrefix...), n, c.idDigits)
}

func pddTradeID(b []byte, n uint64, digits int, local time.Time) []byte {
	b = appendDate(b, local, true)
	b = append(b, '-')
	return appendNum(b, n, digits)
}

func youzanTradeID(b []byte, n uint64, digits int, local time.Time) []byte {
	b = append(b, 'E')
	b = appendDate(b, local, false)
	h, m, s := local.Clock()
	b = appendNum(b, uint64(h*10000+m*100+s), 6)
	return appendNum(b, n, digits)
}

func manualTradeID(b []byte, n uint64, digits int, local time.Time) []byte {
	b = append(b, 'M')
	b = appendDate(b, local, true)
	b = append(b, '-')
	return appendNum(b, n, digits)
}

// Payment references, each in its payment system's shape.

type payFormat uint8

const (
	payAlipay payFormat = iota
	payWechat
	payDated // prefix, date, digits
	payGSPAY
	payYooKassa
	payStripe
	payManual
)

func (c *chanSpec) appendPayRef(b []byte, r *rng, n uint64, local time.Time) []byte {
	switch c.payFormat {
	case payWechat:
		return wechatRef(b, r, n, c.payDigits, local)
	case payDated:
		return datedRef(b, c.payPrefix, n, c.payDigits, local)
	case payGSPAY:
		return gspayRef(b, n, c.payDigits)
	case payYooKassa:
		return yookassaRef(b, r)
	case payStripe:
		return stripeRef(b, r)
	case payManual:
		return manualRef(b, r, local)
	}
	return alipayRef(b, n, c.payDigits, local)
}

func alipayRef(b []byte, n uint64, digits int, local time.Time) []byte {
	b = appendDate(b, local, false)
	b = append(b, "22001"...)
	return appendNum(b, n, digits)
}

func wechatRef(b []byte, r *rng, n uint64, digits int, local time.Time) []byte {
	b = append(b, "4200"...)
	b = appendRandDigits(b, r, 6)
	b = appendDate(b, local, false)
	return appendNum(b, n, digits)
}

func datedRef(b []byte, prefix string, n uint64, digits int, local time.Time) []byte {
	b = append(b, prefix...)
	b = appendDate(b, local, false)
	return appendNum(b, n, digits)
}

// gspayRef is a GSPAY transaction ID such as TR1223370463258, unique per trade, so bulk
// tracking lines can name it.
func gspayRef(b []byte, n uint64, digits int) []byte {
	b = append(b, "TR1"...)
	return appendNum(b, n, digits)
}

// yookassaRef looks like a YooKassa payment ID: 2d0e1f2a-000f-5000-8000-1a2b3c4d5e6f.
func yookassaRef(b []byte, r *rng) []byte {
	b = appendHex(b, r, 8)
	b = append(b, "-000"...)
	b = appendHex(b, r, 1)
	b = append(b, "-5000-"...)
	b = append(b, "89ab"[r.intn(4)])
	b = append(b, "000-"...)
	return appendHex(b, r, 12)
}

func stripeRef(b []byte, r *rng) []byte {
	b = append(b, "pi_3"...)
	return appendBase62(b, r, 23)
}

func manualRef(b []byte, r *rng, local time.Time) []byte {
	if r.intn(10) < 3 {
		return b // paid in cash
	}
	b = append(b, "BT"...)
	b = appendDate(b, local, false)
	return appendRandDigits(b, r, 6)
}
