package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// cmdBackup: shipdesk backup FILE|- — a consistent copy of the database while it is in
// use (one read transaction: writers are not held up), checked by the doctor before it
// is called done. FILE is written beside its name and renamed once checked, so a partial
// copy never takes the name; - writes the copy to a temporary file, checks it, then
// streams it to standard output (over SSH: ssh -p 2222 box backup - > copy.db).
// Locally the file is opened read-only beside other readers; a running console or
// server holds it, and then the backup is taken through the server over SSH. Needs the
// supervisor's role.
func cmdBackup(e *env, args []string) error {
	fs := newFlagSet("backup")
	e.flags(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: shipdesk backup FILE|-")
	}
	if err := e.require(domain.ActionBackup); err != nil {
		return err
	}
	dest := pos[0]
	if e.remote && dest != "-" {
		return usagef("over SSH a backup goes to standard output: backup - > copy.db")
	}
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if dest != "-" {
		if abs, err := filepath.Abs(dest); err == nil {
			if db, err := filepath.Abs(e.dbPath); err == nil && abs == db {
				return inputError{fmt.Errorf("the backup would overwrite the database itself")}
			}
		}
		res, err := s.Backup(ctx, dest)
		if err != nil {
			return inputError{err}
		}
		fmt.Fprintf(e.stdout, "backup written to %s: %d bytes, checked: ok (%s)\n", textsafe.Safe(dest), res.Size, checkedSummary(res.Doctor))
		return nil
	}
	dir, err := os.MkdirTemp("", "shipdesk-backup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	res, err := s.Backup(ctx, filepath.Join(dir, "copy.db"))
	if err != nil {
		return inputError{err}
	}
	f, err := os.Open(res.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(e.stdout, f)
	if err != nil {
		return fmt.Errorf("backup: streaming the copy: %w (%d of %d bytes sent)", err, n, res.Size)
	}
	if n != res.Size {
		return fmt.Errorf("backup: streamed %d of %d bytes", n, res.Size)
	}
	fmt.Fprintf(e.stderr, "backup streamed: %d bytes, checked: ok (%s)\n", n, checkedSummary(res.Doctor))
	return nil
}

// checkedSummary says what the doctor looked at in a copy, shortly.
func checkedSummary(rep storage.DoctorReport) string {
	n := 0
	for _, c := range rep.Checked {
		n += c.N
	}
	return fmt.Sprintf("%d structures, %d rows and records checked", len(rep.Checked), n)
}
