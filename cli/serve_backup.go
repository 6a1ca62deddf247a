package cli

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"shipdesk/storage"
)

// backupDirUsable makes the backup folder if needed and checks a file can be written in
// it, so that serve refuses to start rather than fail its first backup hours later.
func backupDirUsable(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("--backup-dir: %w", err)
	}
	f, err := os.CreateTemp(dir, ".shipdesk-probe-*")
	if err != nil {
		return fmt.Errorf("--backup-dir: %w", err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// backupEveryWhile takes a rotated backup into dir now and then every period, keeping
// keep of them, logging each, and recording how each went on the store for the
// dashboards (a failure is loud on every supervisor's). stop ends it and waits for a
// backup under way.
func backupEveryWhile(s *storage.Store, dir string, every time.Duration, keep int, now func() time.Time, logger *log.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			takeRotatedBackup(ctx, s, dir, keep, now(), logger)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// takeRotatedBackup takes one rotated backup, logs it and records its status.
func takeRotatedBackup(ctx context.Context, s *storage.Store, dir string, keep int, at time.Time, logger *log.Logger) {
	res, removed, err := s.RotateBackup(ctx, dir, at, keep)
	if ctx.Err() != nil {
		return // shutting down: the copy under way was dropped, not failed
	}
	st := storage.BackupStatus{At: at, Path: res.Path, Size: res.Size}
	if err != nil {
		st.Err = err.Error()
		logger.Printf("BACKUP FAILED: %v", err)
	} else {
		logger.Printf("backup written to %s: %d bytes, checked: ok; %d old backups removed", res.Path, res.Size, len(removed))
	}
	s.SetBackupStatus(st)
}
