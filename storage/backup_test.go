package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// snapshotTx is every row of every bucket as tx sees it.
func snapshotTx(tx *bolt.Tx) string {
	var b strings.Builder
	tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
		return bk.ForEach(func(k, v []byte) error {
			fmt.Fprintf(&b, "%s|%x|%x\n", name, k, v)
			return nil
		})
	})
	return b.String()
}

// A backup taken while two sessions write is the file as one transaction saw it: the
// copy passes the doctor, holds exactly what the source held at that moment, and every
// batch either wholly or not at all.
func TestBackupWhileTwoSessionsWrite(t *testing.T) {
	s := openTemp(t)
	mustImport(t, s, trade("tb", "B0", t0, 1))
	var stop atomic.Bool
	var wg sync.WaitGroup
	var written [2]atomic.Int64
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			by := Actor{Operator: fmt.Sprintf("op%d", i), Session: fmt.Sprintf("s%d", i), Role: domain.RoleOperator}
			for b := 0; !stop.Load() && b < 400; b++ {
				var trades []domain.Trade
				for j := range 40 {
					trades = append(trades, trade("tb", fmt.Sprintf("S%d-%d-%d", i, b, j), t0, 1))
				}
				if _, err := s.Import(trades, t0, by); err != nil {
					t.Error(err)
					return
				}
				if b%3 == 0 {
					if _, err := s.ConvertAllReady(t0, by); err != nil {
						t.Error(err)
						return
					}
				}
				written[i].Add(1)
			}
		}()
	}
	var seen string
	backupSeen = func(tx *bolt.Tx) { seen = snapshotTx(tx) }
	t.Cleanup(func() { backupSeen = nil })
	dir := t.TempDir()
	for n := range 3 {
		for written[0].Load()+written[1].Load() < int64(5*(n+1)) {
			time.Sleep(time.Millisecond)
		}
		path := filepath.Join(dir, fmt.Sprintf("copy%d.db", n))
		res, err := s.Backup(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Doctor.OK() || res.Size == 0 {
			t.Fatalf("backup %d: %+v", n, res)
		}
		c, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		var batches map[string]int
		c.db.View(func(tx *bolt.Tx) error {
			got = snapshotTx(tx)
			return nil
		})
		batches = map[string]int{}
		if err := c.EachPool(func(e domain.PoolEntry) error {
			if id := e.TradeID; strings.HasPrefix(id, "S") {
				batches[id[:strings.LastIndexByte(id, '-')]]++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		c.Close()
		if got != seen {
			t.Fatalf("backup %d differs from the source as its transaction saw it", n)
		}
		for b, k := range batches {
			if k != 40 {
				t.Errorf("backup %d holds %d of the 40 trades of batch %s", n, k, b)
			}
		}
		if len(batches) == 0 {
			t.Errorf("backup %d holds none of the writes", n)
		}
	}
	stop.Store(true)
	wg.Wait()
	if ents, _ := os.ReadDir(dir); len(ents) != 3 {
		t.Errorf("the backup folder holds %d files, want the 3 copies and nothing partial", len(ents))
	}
}

// A copy the doctor finds damaged never takes the final name.
func TestBackupDamagedCopyIsRemoved(t *testing.T) {
	s := openTemp(t)
	mustImport(t, s, trade("tb", "D1", t0, 1))
	// Damage the source's derived counters: the copy faithfully carries it, and fails.
	if err := s.db.Update(func(tx *bolt.Tx) error { return putCounter(tx, "pool/ready", 5) }); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "copy.db")
	if _, err := s.Backup(context.Background(), path); err == nil || !strings.Contains(err.Error(), "fails its check") {
		t.Fatalf("backup of a damaged file: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}

func TestRotateBackupKeepsTheNewest(t *testing.T) {
	s := openTemp(t)
	mustImport(t, s, trade("tb", "K1", t0, 1))
	dir := filepath.Join(t.TempDir(), "backups")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600) // not a backup: left alone
	var paths []string
	for i := range 5 {
		res, removed, err := s.RotateBackup(context.Background(), dir, t0.Add(time.Duration(i)*6*time.Hour), 3)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, res.Path)
		if want := max(0, i+1-3); len(removed) != min(1, want) {
			t.Errorf("rotation %d removed %v", i, removed)
		}
	}
	got, err := RotatedBackups(dir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != strings.Join(paths[2:], ",") {
		t.Errorf("kept %v, want the newest three %v", got, paths[2:])
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Error("rotation removed a file that is not a backup")
	}
}

func TestBackupStatusIsShared(t *testing.T) {
	s := openTemp(t)
	if _, ok := s.LastBackup(); ok {
		t.Fatal("a status before any backup")
	}
	ch, cancel := s.Subscribe()
	defer cancel()
	sh := s.Share()
	sh.SetBackupStatus(BackupStatus{At: t0, Err: "disk full"})
	if b, ok := s.LastBackup(); !ok || !b.Failed() || b.Err != "disk full" {
		t.Errorf("status: %+v %v", b, ok)
	}
	if c := <-ch; c.Kind != "backup" {
		t.Errorf("change %+v", c)
	}
}
