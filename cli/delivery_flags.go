package cli

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"shipdesk/domain"
)

// deliveryFlags are the settings of rules 14–15 as the command line gives them.
type deliveryFlags struct {
	stall         map[string]time.Duration
	completeAfter time.Duration
	followsOff    bool
}

func (d *deliveryFlags) flags(fs *flag.FlagSet) {
	fs.Var(stallFlag{d}, "stall", "stall time per carrier, e.g. ems=7d,yanwen=10d")
	fs.Var(durationFlag{&d.completeAfter}, "complete-after", "a delivered order completes this long after delivery, e.g. 10d")
	fs.Var(followsFlag{d}, "order-follows", "delivery moves the order status (true or false)")
}

// fromEnv reads $SHIPDESK_STALL, $SHIPDESK_COMPLETE_AFTER and $SHIPDESK_ORDER_FOLLOWS.
func (d *deliveryFlags) fromEnv() error {
	if v := os.Getenv("SHIPDESK_STALL"); v != "" {
		if err := (stallFlag{d}).Set(v); err != nil {
			return fmt.Errorf("SHIPDESK_STALL: %v", err)
		}
	}
	if v := os.Getenv("SHIPDESK_COMPLETE_AFTER"); v != "" {
		dur, err := parseDays(v)
		if err != nil {
			return fmt.Errorf("SHIPDESK_COMPLETE_AFTER: %v", err)
		}
		d.completeAfter = dur
	}
	if v := os.Getenv("SHIPDESK_ORDER_FOLLOWS"); v != "" {
		if err := (followsFlag{d}).Set(v); err != nil {
			return fmt.Errorf("SHIPDESK_ORDER_FOLLOWS: %v", err)
		}
	}
	return nil
}

func (d *deliveryFlags) settings() *domain.DeliverySettings {
	set := domain.DefaultDeliverySettings()
	set.Stall, set.CompleteAfter, set.OrderFollows = d.stall, d.completeAfter, !d.followsOff
	return &set
}

type stallFlag struct{ d *deliveryFlags }

func (f stallFlag) String() string { return "" }
func (f stallFlag) Set(s string) error {
	m := map[string]time.Duration{}
	for _, part := range strings.Split(s, ",") {
		code, dur, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%q is not CARRIER=DAYS, e.g. ems=7d", part)
		}
		code = strings.ToLower(strings.TrimSpace(code))
		if _, known := domain.CarrierByCode(code); !known {
			return fmt.Errorf("unknown carrier %q", code)
		}
		v, err := parseDays(dur)
		if err != nil {
			return err
		}
		m[code] = v
	}
	f.d.stall = m
	return nil
}

type followsFlag struct{ d *deliveryFlags }

func (f followsFlag) String() string   { return "" }
func (f followsFlag) IsBoolFlag() bool { return true }
func (f followsFlag) Set(s string) error {
	switch strings.ToLower(s) {
	case "off", "no":
		s = "false"
	case "on", "yes":
		s = "true"
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("%q is not true or false", s)
	}
	f.d.followsOff = !v
	return nil
}
