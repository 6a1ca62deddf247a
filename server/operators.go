package server

import (
	"bufio"
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"shipdesk/domain"
)

// Operator is one key of the operators file: who holds it and what they may do.
type Operator struct {
	Name    string
	Role    domain.Role
	Key     gossh.PublicKey
	Comment string
	Line    int
}

// Fingerprint is the key's SHA256 fingerprint as ssh-keygen prints it.
func (o Operator) Fingerprint() string { return gossh.FingerprintSHA256(o.Key) }

// maxNameLen keeps operator names short enough for the status line and the audit.
const maxNameLen = 32

// ParseOperators reads an operators file: one key per line, `NAME ROLE KEYTYPE BASE64
// [comment]`, `#` starting a comment, blank lines ignored. Any malformed line is an
// error naming the file, the line number and the reason: a server does not start on a
// file it cannot read whole. name is the file's name, for the messages.
func ParseOperators(name string, r io.Reader) ([]Operator, error) {
	var ops []Operator
	byKey := map[string]int{}       // key bytes → index in ops
	roleOf := map[string]Operator{} // name → first line with that name
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		op, err := parseOperatorLine(fields)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, line, err)
		}
		op.Line = line
		k := string(op.Key.Marshal())
		if i, dup := byKey[k]; dup {
			return nil, fmt.Errorf("%s:%d: the same key as line %d (%s): a key belongs to one operator", name, line, ops[i].Line, ops[i].Name)
		}
		if first, seen := roleOf[op.Name]; seen && first.Role != op.Role {
			return nil, fmt.Errorf("%s:%d: %s is %s on line %d and %s here: give one role", name, line, op.Name, first.Role, first.Line, op.Role)
		} else if !seen {
			roleOf[op.Name] = op
		}
		byKey[k] = len(ops)
		ops = append(ops, op)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %v", name, line+1, err)
	}
	return ops, nil
}

func parseOperatorLine(f []string) (Operator, error) {
	if len(f) < 4 {
		return Operator{}, fmt.Errorf("want NAME ROLE KEYTYPE BASE64 [comment], got %d field(s)", len(f))
	}
	op := Operator{Name: f[0], Comment: strings.Join(f[4:], " ")}
	if err := validName(op.Name); err != nil {
		return op, err
	}
	role, err := domain.ParseRole(f[1])
	if err != nil {
		return op, err
	}
	op.Role = role
	keyType := f[2]
	raw, err := base64.StdEncoding.DecodeString(f[3])
	if err != nil {
		return op, fmt.Errorf("the key of %s is not valid base64: %v", op.Name, err)
	}
	key, err := gossh.ParsePublicKey(raw)
	if err != nil {
		return op, fmt.Errorf("the key of %s is not an SSH public key: %v", op.Name, err)
	}
	if key.Type() != keyType {
		return op, fmt.Errorf("key type %s does not match the key of %s, which is %s", keyType, op.Name, key.Type())
	}
	if _, isCert := key.(*gossh.Certificate); isCert {
		return op, fmt.Errorf("%s is a certificate: give the plain public key", keyType)
	}
	if err := strongEnough(key); err != nil {
		return op, fmt.Errorf("the key of %s: %v", op.Name, err)
	}
	op.Key = key
	return op, nil
}

// validName keeps names printable and short: they appear in the status line, the audit
// trail and refusals. Letters, digits, '.', '_', '-' and '@'.
func validName(s string) error {
	if len(s) > maxNameLen {
		return fmt.Errorf("name %q is longer than %d characters", s, maxNameLen)
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			i > 0 && (r == '.' || r == '_' || r == '-' || r == '@')
		if !ok {
			return fmt.Errorf("name %q may hold only letters, digits and . _ - @ (not first)", s)
		}
	}
	return nil
}

// strongEnough refuses DSA keys and RSA keys under 2048 bits, as current OpenSSH does.
func strongEnough(key gossh.PublicKey) error {
	if key.Type() == gossh.KeyAlgoDSA {
		return fmt.Errorf("ssh-dss keys are too weak; use ed25519")
	}
	if ck, ok := key.(gossh.CryptoPublicKey); ok {
		if rk, ok := ck.CryptoPublicKey().(*rsa.PublicKey); ok && rk.N.BitLen() < 2048 {
			return fmt.Errorf("RSA keys need at least 2048 bits, this one has %d", rk.N.BitLen())
		}
	}
	return nil
}

// LoadOperators reads the operators file at path. It refuses a file that others may
// write to, since the file decides who gets in.
func LoadOperators(path string) ([]Operator, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, fmt.Errorf("operators file %s does not exist: create it with one line per key, NAME ROLE KEYTYPE BASE64 [comment]", path)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return nil, fmt.Errorf("operators file %s is writable by others (mode %v): chmod go-w %s", path, fi.Mode().Perm(), path)
	}
	data, err := io.ReadAll(io.LimitReader(f, 16<<20))
	if err != nil {
		return nil, err
	}
	return ParseOperators(path, bytes.NewReader(data))
}

// registry is the operators in force, replaced whole on a reload.
type registry struct {
	path string

	mu    sync.RWMutex
	byKey map[string]Operator
	stamp fileStamp // of the file last loaded
}

// fileStamp tells whether a file changed since it was read.
type fileStamp struct {
	mod  time.Time
	size int64
	ino  uint64
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size(), ino: inode(fi)}, nil
}

func newRegistry(path string) (*registry, error) {
	r := &registry{path: path}
	if _, err := r.reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// reload reads the file again; on an error the operators in force stay.
func (r *registry) reload() (int, error) {
	stamp, err := stampOf(r.path)
	if err != nil {
		return 0, fmt.Errorf("operators file: %w", err)
	}
	ops, err := LoadOperators(r.path)
	if err != nil {
		return 0, err
	}
	byKey := make(map[string]Operator, len(ops))
	for _, op := range ops {
		byKey[string(op.Key.Marshal())] = op
	}
	r.mu.Lock()
	r.byKey, r.stamp = byKey, stamp
	r.mu.Unlock()
	return len(ops), nil
}

// changed reports whether the file differs from the one last loaded.
func (r *registry) changed() bool {
	stamp, err := stampOf(r.path)
	if err != nil {
		return false // a file being replaced; the next poll sees the new one
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return !stamp.mod.Equal(r.stamp.mod) || stamp.size != r.stamp.size || stamp.ino != r.stamp.ino
}

func (r *registry) lookup(key gossh.PublicKey) (Operator, bool) {
	if key == nil {
		return Operator{}, false
	}
	return r.lookupMarshalled(string(key.Marshal()))
}

// lookupMarshalled finds the operator of a key in its wire form.
func (r *registry) lookupMarshalled(key string) (Operator, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	op, ok := r.byKey[key]
	return op, ok
}
