package storage

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backups (issue 22). A backup is the file as one read transaction sees it (bbolt's
// Tx.WriteTo): consistent whatever the writers do meanwhile, and a read transaction
// never blocks them. A copy is written beside its final name, synced, checked by the
// doctor, and only then renamed to that name: a partial or damaged copy never takes it.

// WriteBackup writes a consistent copy of the database to w in one read transaction and
// returns its size.
func (s *Store) WriteBackup(w io.Writer) (n int64, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		if backupSeen != nil {
			backupSeen(tx)
		}
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// backupSeen, when set (by tests), is shown the transaction a backup copies.
var backupSeen func(tx *bolt.Tx)

// BackupResult is a backup written and checked.
type BackupResult struct {
	Path   string
	Size   int64
	Doctor DoctorReport
}

// Backup writes a copy of the database to path: into a temporary file in path's folder,
// synced, checked by the doctor (its report in the result; a copy it finds anything
// wrong with is removed and an error returned), then renamed to path and the folder
// synced.
func (s *Store) Backup(ctx context.Context, path string) (BackupResult, error) {
	res := BackupResult{Path: path}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			os.Remove(tmp)
		}
	}()
	if res.Size, err = s.WriteBackup(f); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, fmt.Errorf("backup: writing %s: %w", tmp, err)
	}
	if res.Doctor, err = VerifyBackup(ctx, tmp); err != nil {
		return res, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	done = true
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return res, nil
}

// VerifyBackup opens the copy at path read-only and runs the doctor on it: an error when
// it does not open or the doctor finds anything.
func VerifyBackup(ctx context.Context, path string) (DoctorReport, error) {
	c, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		return DoctorReport{}, fmt.Errorf("backup: the copy does not open: %w", err)
	}
	defer c.Close()
	rep, err := c.Doctor(ctx)
	if err != nil {
		return rep, fmt.Errorf("backup: checking the copy: %w", err)
	}
	if !rep.OK() {
		return rep, fmt.Errorf("backup: the copy fails its check (%d problems, the first: %s)", rep.Found(), rep.Problems[0])
	}
	return rep, nil
}

// Rotated backups are named by the time they were taken, so that name order is time
// order.
const (
	backupPrefix = "shipdesk-"
	backupSuffix = ".db"
	backupStamp  = "20060102T150405Z"
)

// RotateBackup writes a backup named by now into dir, then removes the oldest rotated
// backups there beyond keep (keep < 1 keeps them all). It returns the backup and the
// files removed.
func (s *Store) RotateBackup(ctx context.Context, dir string, now time.Time, keep int) (BackupResult, []string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return BackupResult{}, nil, fmt.Errorf("backup: %w", err)
	}
	res, err := s.Backup(ctx, filepath.Join(dir, backupPrefix+now.UTC().Format(backupStamp)+backupSuffix))
	if err != nil {
		return res, nil, err
	}
	if keep < 1 {
		return res, nil, nil
	}
	old, err := RotatedBackups(dir)
	if err != nil {
		return res, nil, err
	}
	var removed []string
	for len(old) > keep {
		if err := os.Remove(old[0]); err != nil {
			return res, removed, fmt.Errorf("backup: removing an old backup: %w", err)
		}
		removed = append(removed, old[0])
		old = old[1:]
	}
	return res, removed, nil
}

// RotatedBackups lists the rotated backups in dir, oldest first.
func RotatedBackups(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		name := e.Name()
		stamp, ok := strings.CutPrefix(name, backupPrefix)
		if stamp, ok2 := strings.CutSuffix(stamp, backupSuffix); ok && ok2 && e.Type().IsRegular() {
			if _, err := time.Parse(backupStamp, stamp); err == nil {
				out = append(out, filepath.Join(dir, name))
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// BackupStatus is how the last scheduled backup went, for the dashboard of every
// supervisor: the server sets it, the consoles it serves read it from the store they
// share.
type BackupStatus struct {
	At   time.Time
	Path string
	Size int64
	Err  string // empty when it succeeded
}

// Failed says whether the last backup failed.
func (b BackupStatus) Failed() bool { return b.Err != "" }

// SetBackupStatus records how the last scheduled backup went and tells subscribers.
func (s *Store) SetBackupStatus(b BackupStatus) {
	s.mu.Lock()
	s.backup = &b
	s.mu.Unlock()
	s.publish(Change{Kind: "backup"})
}

// LastBackup is how the last scheduled backup went; ok is false when this process has
// taken none (no schedule, or none due yet).
func (s *Store) LastBackup() (b BackupStatus, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.backup == nil {
		return b, false
	}
	return *s.backup, true
}
