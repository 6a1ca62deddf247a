package domain

import (
	"fmt"
	"strings"
)

// Role is what an operator may do (SPEC §4: several operators at once). Roles are
// ordered: each one may do everything the one before it may.
type Role uint8

const (
	RoleViewer     Role = iota + 1 // reads only: lists, details, status, export
	RoleOperator                   // everyday actions: import, convert, remove, process, ship
	RoleSupervisor                 // also money and overrides: refunds, tracking overrides
)

// Roles lists every role from the least to the most allowed.
var Roles = []Role{RoleViewer, RoleOperator, RoleSupervisor}

var roleNames = map[Role]string{RoleViewer: "viewer", RoleOperator: "operator", RoleSupervisor: "supervisor"}

func (r Role) String() string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

// ParseRole reads viewer, operator or supervisor (exactly: an operators file is a
// security boundary, so no prefixes).
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if roleNames[r] == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("role %q is not one of viewer, operator, supervisor", s)
}

// Action is something that changes state. Its value is the name the audit trail
// records (pool.convert, order.status …).
type Action string

const (
	ActionImport       Action = "pool.import"
	ActionConvert      Action = "pool.convert"
	ActionRemove       Action = "pool.remove"
	ActionProcess      Action = "pool.process"
	ActionOrderStatus  Action = "order.status"
	ActionShip         Action = "order.ship"
	ActionTracking     Action = "tracking.import"
	ActionOverride     Action = "tracking.override" // accept a tracking number that fails its check
	ActionRefundImport Action = "refund.import"
	ActionRefund       Action = "refund.decide" // convert, reject or process a refund request
	ActionPartial      Action = "refund.partial"
	ActionOutboxSend   Action = "outbox.send"   // send what is due (serve, cron)
	ActionOutboxManage Action = "outbox.manage" // retry or cancel messages
	ActionEvents       Action = "parcel.events" // apply carrier events
	ActionTrackStop    Action = "parcel.track"  // stop or resume following a parcel
	ActionBackup       Action = "backup"        // a copy of the whole file: every operator's data
	ActionRedeem       Action = "voucher.redeem"
	ActionResend       Action = "voucher.resend"
	ActionExtend       Action = "voucher.extend"
	ActionExpire       Action = "voucher.expire"
	ActionChannel      Action = "channel.set"     // set up a channel or re-authorize it
	ActionRebate       Action = "rebate.change"   // add, confirm, claim or mark paid a subscription rebate
	ActionUploaded     Action = "tracking.upload" // record tracking numbers as uploaded to their channels
	ActionDoctor       Action = "doctor"          // check the derived structures against the records
	ActionRepair       Action = "doctor.repair"   // rebuild them from the records
	ActionFold         Action = "index.fold"      // move staged index rows into their indexes
)

// actionRules gives, per action, the least role that may take it and the words an
// operator reads in a refusal.
var actionRules = map[Action]struct {
	min   Role
	words string
}{
	ActionImport:       {RoleOperator, "import"},
	ActionConvert:      {RoleOperator, "convert"},
	ActionRemove:       {RoleOperator, "remove"},
	ActionProcess:      {RoleOperator, "mark processed"},
	ActionOrderStatus:  {RoleOperator, "changing an order's status"},
	ActionShip:         {RoleOperator, "ship"},
	ActionTracking:     {RoleOperator, "import tracking"},
	ActionOverride:     {RoleSupervisor, "overriding tracking validation"},
	ActionRefundImport: {RoleOperator, "import refunds"},
	ActionRefund:       {RoleSupervisor, "deciding a refund"},
	ActionPartial:      {RoleSupervisor, "a partial refund"},
	ActionOutboxSend:   {RoleOperator, "sending the outbox"},
	ActionOutboxManage: {RoleSupervisor, "retrying or cancelling messages"},
	ActionEvents:       {RoleOperator, "import carrier events"},
	ActionTrackStop:    {RoleOperator, "stopping or resuming tracking"},
	ActionUndo:         {RoleOperator, "undo"},
	ActionBackup:       {RoleSupervisor, "a backup"},
	ActionRedeem:       {RoleOperator, "redeeming a voucher"},
	ActionResend:       {RoleOperator, "resending voucher codes"},
	ActionExtend:       {RoleSupervisor, "extending a voucher"},
	ActionExpire:       {RoleOperator, "expiring vouchers"},
	ActionChannel:      {RoleSupervisor, "changing a channel"},
	ActionRebate:       {RoleSupervisor, "changing a rebate"},
	ActionUploaded:     {RoleSupervisor, "marking tracking uploaded"},
	ActionDoctor:       {RoleSupervisor, "checking the database"},
	ActionRepair:       {RoleSupervisor, "repairing the database"},
	ActionFold:         {RoleOperator, "fold"},
}

// MinRole is the least role that may take the action; an action nobody declared needs
// the supervisor, so a new action is closed until someone opens it.
func MinRole(a Action) Role {
	if r, ok := actionRules[a]; ok {
		return r.min
	}
	return RoleSupervisor
}

// Words names the action for an operator ("convert").
func (a Action) Words() string {
	if r, ok := actionRules[a]; ok {
		return r.words
	}
	return strings.ReplaceAll(string(a), ".", " ")
}

// RoleError is an action refused for the operator's role.
type RoleError struct {
	Who    string
	Has    Role
	Action Action
	Needs  Role
}

func (e *RoleError) Error() string {
	return fmt.Sprintf("%s needs the %s role; %s is %s %s", e.Action.Words(), e.Needs, e.Who, article(e.Has.String()), e.Has)
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// Require says whether who, holding role, may take the action: nil, or a *RoleError
// that names the role needed ("convert needs the operator role; ana is a viewer").
func Require(who string, role Role, a Action) error {
	need := MinRole(a)
	if role >= need {
		return nil
	}
	return &RoleError{Who: who, Has: role, Action: a, Needs: need}
}
