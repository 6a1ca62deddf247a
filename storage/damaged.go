package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
)

// ErrDamaged means the file is not a whole shipdesk database: empty, cut short, not a
// database at all, or with a meta page that no longer matches the file. Open refuses
// such a file before bbolt maps it (reading a page past the end of a cut file is a
// SIGBUS, not an error) and never initialises it: only a file Open has just created, or
// one bbolt created and nothing wrote to, is given the schema.
var ErrDamaged = errors.New("database file is damaged")

// damaged is the error for a file found damaged, saying what was found and what to do.
func damaged(path, what string) error {
	return fmt.Errorf("%s: %w: %s — nothing was changed; restore the database from a backup (README: Backups and restoring)", path, ErrDamaged, what)
}

// bbolt's file layout (go.etcd.io/bbolt internal/common): pages 0 and 1 are meta pages,
// each a 16-byte page header then the meta: magic, version, page size, flags (4 bytes
// each), the root bucket (root page, sequence), the free list page, the high-water page
// id, the transaction id and an FNV-64a checksum of the meta before it (8 bytes each), in
// the machine's byte order. The meta of the higher transaction id is the file's state.
const (
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	boltPageHeader  = 16
	boltMetaSize    = 64
	boltChecksumAt  = 56 // within the meta
	boltAllocSize   = 16 << 20
	boltMinFilePage = 4 // a new file: two meta pages, the free list and the empty root
)

// boltMeta is what checkFileSize reads of one meta page.
type boltMeta struct {
	pageSize uint32
	pgid     uint64 // the high-water mark: every page below it is in the file
	txid     uint64
}

// readMeta reads the meta page at off, or says what is wrong with it.
func readMeta(f *os.File, off int64) (boltMeta, error) {
	b := make([]byte, boltPageHeader+boltMetaSize)
	if _, err := f.ReadAt(b, off); err != nil {
		return boltMeta{}, err
	}
	m := b[boltPageHeader:]
	ne := binary.NativeEndian
	if ne.Uint32(m[0:]) != boltMagic || ne.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, errors.New("not a meta page")
	}
	h := fnv.New64a()
	h.Write(m[:boltChecksumAt])
	if h.Sum64() != ne.Uint64(m[boltChecksumAt:]) {
		return boltMeta{}, errors.New("checksum mismatch")
	}
	return boltMeta{pageSize: ne.Uint32(m[8:]), pgid: ne.Uint64(m[40:]), txid: ne.Uint64(m[48:])}, nil
}

// fileCheck is what checkFileSize found of a file that exists.
type fileCheck struct {
	pristine bool // as bbolt creates a file, nothing written since: it may be initialised
}

// checkFileSize reads the meta pages of an existing file and refuses it when it is empty,
// not a bbolt file, cut short of the pages its meta reaches, or much larger than its
// meta reaches (bbolt fell back to an older meta page: the newer one is damaged).
func checkFileSize(path string) (fileCheck, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileCheck{}, nil // bbolt's open says what is wrong
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return fileCheck{}, nil
	}
	size := fi.Size()
	if size == 0 {
		return fileCheck{}, damaged(path, "the file is empty (0 bytes): it is not a shipdesk database (delete it to start a new one)")
	}
	var metas []boltMeta
	var why error
	// Meta page 1 follows page 0 at the file's page size, which page 0 says; when page 0
	// is damaged, the sizes shipdesk and bbolt use are tried.
	m0, err0 := readMeta(f, 0)
	if err0 == nil {
		metas = append(metas, m0)
		if m1, err := readMeta(f, int64(m0.pageSize)); err == nil && m1.pageSize == m0.pageSize {
			metas = append(metas, m1)
		} else {
			why = fmt.Errorf("meta page 1 is damaged (%v)", errOr(err, "page size differs"))
		}
	} else {
		why = fmt.Errorf("meta page 0 is damaged (%v)", err0)
		for _, ps := range []int64{4096, PageSize, 8192, 32768, 65536} {
			if m1, err := readMeta(f, ps); err == nil && int64(m1.pageSize) == ps {
				metas = append(metas, m1)
				break
			}
		}
	}
	if len(metas) == 0 {
		if size < 2*4096 {
			return fileCheck{}, damaged(path, fmt.Sprintf("the file is %d bytes, too short to be a database", size))
		}
		return fileCheck{}, damaged(path, "no readable meta page: it is not a shipdesk database, or both its meta pages are damaged")
	}
	m := metas[0]
	if len(metas) == 2 && metas[1].txid > m.txid {
		m = metas[1]
	}
	ps := int64(m.pageSize)
	if ps < 512 || ps&(ps-1) != 0 {
		return fileCheck{}, damaged(path, fmt.Sprintf("its meta page gives a page size of %d bytes", ps))
	}
	reach := int64(m.pgid) * ps
	if size < reach {
		return fileCheck{}, damaged(path, fmt.Sprintf("the file is %d bytes but its pages reach %d: it was cut short (a copy that did not finish, or a full disk)", size, reach))
	}
	// bbolt grows a file to the next power of two while it is small and by 16 MiB at a
	// time after that. With a meta page damaged, more than that past what the other
	// reaches is a file whose newest meta page was lost, read as the older state it points
	// back to. With both meta pages whole it is a transaction that grew the file and was
	// cut off before its commit (a crash mid-import): the file is whole as it was before.
	if why != nil && size > max(2*reach, reach+boltAllocSize)+ps {
		return fileCheck{}, damaged(path, fmt.Sprintf("the file is %d bytes but its meta page reaches only %d (%v): its newest state cannot be read", size, reach, errOr(why, "the newest meta page is lost")))
	}
	// Pristine: both meta pages whole and still the ones bbolt wrote when it made the
	// file (transactions 0 and 1, nothing past the first pages), so no transaction ever
	// committed. A first transaction cut off before its commit may have grown the file;
	// its pages are not reachable and the file is as new.
	return fileCheck{pristine: why == nil && m.txid <= 1 && m.pgid <= boltMinFilePage}, nil
}

func errOr(err error, s string) any {
	if err != nil {
		return err
	}
	return s
}
