package notify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

//go:embed templates
var builtin embed.FS

// Languages are the built-in templates' languages; a channel's language picks one, and a
// language without templates falls back to English.
var Languages = []string{"en", "zh", "ru"}

// Fields is what a template gets: a fixed, documented set (README "Notifications").
// Dates are YYYY-MM-DD in the warehouse's zone; empty when unknown.
type Fields struct {
	Shop      string // the shop's name ([notify] shop_name)
	Kind      string
	Order     string // the sales order, SO00000042
	Trade     string // the channel's order number
	Channel   string
	Buyer     string
	Consignee string // the consignee's name
	Email     string
	Phone     string
	Items     []ItemFields
	Titles    string // the product titles, joined with ", "
	Carrier   string // the carrier's name
	Number    string // the tracking number
	Link      string // the tracking link
	OldNumber string // the number a correction replaced
	Reason    string // why it shipped without a number; why a refund was declined
	Refund    string // the refund request's ID
	ShippedAt string
	ETA       string
	ShipBy    string
	Where     string // the pickup point
	Since     string // at the pickup point since
	Days      string // days waiting at the pickup point
	Stage     string
	Body      string // the text the change composed (a voucher's code message)
	Lines     string // a tracking.upload's lines in the channel's format, one a line
}

// ItemFields is one line of the order.
type ItemFields struct {
	Title string
	SKU   string
	Qty   int
}

// Templates are the parsed templates by language and kind.
type Templates struct {
	byKey map[string]*template.Template // lang "/" kind
}

// sample fills every field, so a template that names a field that does not exist fails
// at load rather than at the first send.
var sample = Fields{Shop: "Shop", Kind: "shipped", Order: "SO00000001", Trade: "T1", Channel: "tb", Buyer: "buyer",
	Consignee: "name", Email: "a@b.c", Phone: "1", Items: []ItemFields{{Title: "t", SKU: "s", Qty: 1}}, Titles: "t",
	Carrier: "EMS", Number: "EE1", Link: "https://x", OldNumber: "EE0", Reason: "r", Refund: "R1",
	ShippedAt: "2026-01-01", ETA: "2026-01-02", ShipBy: "2026-01-01", Where: "p", Since: "2026-01-01", Days: "5", Stage: "s", Body: "b", Lines: "T1,EMS,EE1\n"}

var templateErr = regexp.MustCompile(`^template: [^:]*:(\d+)(?::\d+)?: (?:executing "[^"]*" at <[^>]*>: )?(.*)$`)

// templateError names the file, the line and the reason.
func templateError(file string, err error) error {
	if m := templateErr.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("template %s: line %s: %s", file, m[1], m[2])
	}
	return fmt.Errorf("template %s: %v", file, err)
}

// LoadTemplates parses the built-in templates and then dir's overrides (<lang>/<kind>.tmpl;
// dir "" for none), each checked against every field. The first bad one is an error
// naming its file, line and reason.
func LoadTemplates(dir string) (*Templates, error) {
	t := &Templates{byKey: map[string]*template.Template{}}
	add := func(file, lang, kind string, text []byte) error {
		if !domain.KnownKind(kind) {
			return fmt.Errorf("template %s: %q is not a message kind (%s)", file, kind, strings.Join(domain.OutboxKinds, ", "))
		}
		tp, err := template.New(filepath.Base(file)).Option("missingkey=error").Parse(string(text))
		if err != nil {
			return templateError(file, err)
		}
		if err := tp.Execute(new(bytes.Buffer), sample); err != nil {
			return templateError(file, err)
		}
		t.byKey[lang+"/"+kind] = tp
		return nil
	}
	err := fs.WalkDir(builtin, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := builtin.ReadFile(p)
		if err != nil {
			return err
		}
		return add(p, filepath.Base(filepath.Dir(p)), strings.TrimSuffix(d.Name(), ".tmpl"), b)
	})
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return t, nil
	}
	langs, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("templates folder: %w", err)
	}
	for _, l := range langs {
		if !l.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(dir, l.Name()))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if f.IsDir() || !strings.HasSuffix(f.Name(), ".tmpl") {
				continue
			}
			p := filepath.Join(dir, l.Name(), f.Name())
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			if err := add(p, l.Name(), strings.TrimSuffix(f.Name(), ".tmpl"), b); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

// Render is the subject and text of a message of kind in lang (English when lang has
// no template for it). A template's first line "Subject: ..." is the subject.
func (t *Templates) Render(kind, lang string, f Fields) (subject, text string, err error) {
	tp := t.byKey[lang+"/"+kind]
	if tp == nil {
		tp = t.byKey["en/"+kind]
	}
	if tp == nil {
		return "", "", fmt.Errorf("no template for %s", kind)
	}
	var b bytes.Buffer
	if err := tp.Execute(&b, f); err != nil {
		return "", "", err
	}
	text = b.String()
	if first, rest, ok := strings.Cut(text, "\n"); ok && strings.HasPrefix(first, "Subject:") {
		subject, text = strings.TrimSpace(strings.TrimPrefix(first, "Subject:")), strings.TrimLeft(rest, "\n")
	}
	return subject, text, nil
}

// ErrNoOrder is a message about an order that is not in the file.
var ErrNoOrder = errors.New("the message's order is not in the file")

// FieldsOf is what a message's template gets, from the message and its order.
func FieldsOf(it storage.OutboxItem, shop string, loc *time.Location) Fields {
	m := it.Msg
	f := Fields{Shop: shop, Kind: m.Kind, Channel: m.Channel, Trade: m.Key, Stage: m.Stage, Body: m.Body}
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format("2006-01-02")
	}
	switch m.Kind {
	case domain.KindShipped, domain.KindTrackingUpload:
		f.OldNumber = m.Note
	case domain.KindNoTracking, domain.KindRefundRejected, domain.OutboxRefundReject:
		f.Reason = m.Note
	}
	if m.Kind == domain.OutboxRefundReject {
		f.Reason, f.Refund = m.Body, m.Key
	}
	if m.Kind == domain.KindRefundRejected {
		_, f.Refund, _ = strings.Cut(m.Stage, ":")
	}
	if m.Kind == domain.KindAtPickup || m.Kind == domain.KindPickupReminder {
		// Since is the at_pickup event's day (a message queued before messages kept it:
		// the day it was queued); Days the whole days waited when the message was queued.
		since := m.EventAt
		if since.IsZero() {
			since = m.CreatedAt
		}
		f.Where, f.Since = m.Note, date(since)
		if m.Kind == domain.KindPickupReminder {
			f.Days = strconv.Itoa(domain.DaysSince(since, m.CreatedAt))
			if m.EventAt.IsZero() {
				f.Days = strings.TrimSuffix(m.Stage, "d")
			}
		}
	}
	if m.Kind == domain.KindTrackingUpload {
		f.Lines = domain.UploadText(UploadLines(it))
	}
	if !it.HasOrder {
		return f
	}
	o := it.Order
	f.Order, f.Trade, f.Channel = domain.OrderNumber(o.No), o.TradeID, o.Channel
	f.Buyer, f.Consignee, f.Email, f.Phone = o.Buyer, o.Consignee.Name, o.Consignee.Email, o.Consignee.Phone
	if f.Buyer == "" {
		f.Buyer = o.Consignee.Name
	}
	titles := make([]string, 0, len(o.Items))
	for _, i := range o.Items {
		f.Items = append(f.Items, ItemFields{Title: i.Title, SKU: i.SKU, Qty: i.Qty})
		titles = append(titles, i.Title)
	}
	f.Titles = strings.Join(titles, ", ")
	sh := o.Shipment
	f.Carrier, f.Number, f.Link = carrierName(sh.Carrier), sh.Number, sh.URL
	switch {
	case m.Kind == domain.KindTrackingUpload && len(m.Lines) > 0:
		f.Number = m.Lines[0].Number // a chunk's stage is its first line's (UploadLine.Stage)
	case m.Kind == domain.KindShipped || m.Kind == domain.KindTrackingUpload:
		// The number this message is about, even if corrected since (a correction back to
		// an earlier number has #N after it).
		f.Number, _, _ = strings.Cut(m.Stage, "#")
	}
	if m.Kind == domain.KindNoTracking && f.Reason == "" {
		f.Reason = sh.NoTracking
	}
	f.ShippedAt, f.ETA, f.ShipBy = date(sh.ShippedAt), date(sh.ETA), date(o.ShipBy)
	return f
}

func carrierName(code string) string {
	if c, ok := domain.CarrierByCode(code); ok {
		return c.Name
	}
	return code
}

// UploadLines are a tracking.upload message's lines: a chunk's own, or for a message
// queued one per order (before chunks) the one line of its order's number (its stage).
func UploadLines(it storage.OutboxItem) []domain.UploadLine {
	m := it.Msg
	if len(m.Lines) > 0 {
		return m.Lines
	}
	o := it.Order
	if !it.HasOrder {
		o = domain.SalesOrder{No: m.Order, Trade: domain.Trade{Key: domain.Key{Channel: m.Channel, TradeID: m.Key}}}
	}
	return []domain.UploadLine{{Order: m.Order, Trade: o.TradeID, Number: m.Stage, Old: m.Note, Text: domain.UploadLineText(&o, m.Stage)}}
}
