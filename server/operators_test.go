package server

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"shipdesk/domain"
)

// authorizedKey is a fresh key's "TYPE BASE64" as an operators file holds it.
func authorizedKey(t testing.TB) (typ, b64 string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k.Type(), base64.StdEncoding.EncodeToString(k.Marshal())
}

func TestParseOperators(t *testing.T) {
	typ, k1 := authorizedKey(t)
	_, k2 := authorizedKey(t)
	file := "# the warehouse team\n" +
		"\n" +
		"ana supervisor " + typ + " " + k1 + " ana@laptop  # lead\n" +
		"   bob operator " + typ + " " + k2 + "\n"
	ops, err := ParseOperators("operators", strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 {
		t.Fatalf("%d operators", len(ops))
	}
	if ops[0].Name != "ana" || ops[0].Role != domain.RoleSupervisor || ops[0].Comment != "ana@laptop" || ops[0].Line != 3 {
		t.Fatalf("first: %+v", ops[0])
	}
	if ops[1].Name != "bob" || ops[1].Role != domain.RoleOperator || ops[1].Line != 4 {
		t.Fatalf("second: %+v", ops[1])
	}
	if !strings.HasPrefix(ops[0].Fingerprint(), "SHA256:") {
		t.Fatalf("fingerprint %q", ops[0].Fingerprint())
	}
}

func TestParseOperatorsRefusesMalformedLines(t *testing.T) {
	typ, k1 := authorizedKey(t)
	_, k2 := authorizedKey(t)
	raw, _ := base64.StdEncoding.DecodeString(k1)
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weakKey, _ := gossh.NewPublicKey(&weak.PublicKey)
	weakB64 := base64.StdEncoding.EncodeToString(weakKey.Marshal())
	good := "ana supervisor " + typ + " " + k1 + "\n"
	cases := []struct {
		name, file, want string
	}{
		{"too few fields", "ana supervisor " + typ + "\n", "operators:1: want NAME ROLE KEYTYPE BASE64 [comment], got 3 field(s)"},
		{"unknown role", "# x\nana admin " + typ + " " + k1 + "\n", `operators:2: role "admin" is not one of viewer, operator, supervisor`},
		{"bad name", "an/a viewer " + typ + " " + k1 + "\n", `operators:1: name "an/a" may hold only letters`},
		{"name starts with a dash", "-ana viewer " + typ + " " + k1 + "\n", `operators:1: name "-ana"`},
		{"long name", strings.Repeat("a", 33) + " viewer " + typ + " " + k1 + "\n", "operators:1: name"},
		{"bad base64", "ana viewer " + typ + " not*base64\n", "operators:1: the key of ana is not valid base64"},
		{"not a key", "ana viewer " + typ + " " + base64.StdEncoding.EncodeToString([]byte("hello")) + "\n", "operators:1: the key of ana is not an SSH public key"},
		{"truncated key", "ana viewer " + typ + " " + base64.StdEncoding.EncodeToString(raw[:20]) + "\n", "operators:1: the key of ana is not an SSH public key"},
		{"type mismatch", "ana viewer ssh-rsa " + k1 + "\n", "operators:1: key type ssh-rsa does not match the key of ana, which is ssh-ed25519"},
		{"weak rsa", "ana viewer ssh-rsa " + weakB64 + "\n", "operators:1: the key of ana: RSA keys need at least 2048 bits, this one has 1024"},
		{"same key twice", good + "\nbob viewer " + typ + " " + k1 + "\n", "operators:3: the same key as line 1 (ana): a key belongs to one operator"},
		{"two roles for one name", good + "ana viewer " + typ + " " + k2 + "\n", "operators:2: ana is supervisor on line 1 and viewer here: give one role"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ops, err := ParseOperators("operators", strings.NewReader(c.file))
			if err == nil {
				t.Fatalf("accepted: %+v", ops)
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("error %q\nwant prefix %q", err, c.want)
			}
		})
	}
	// One name may hold several keys with one role.
	if ops, err := ParseOperators("operators", strings.NewReader(good+"ana supervisor "+typ+" "+k2+" desktop\n")); err != nil || len(ops) != 2 {
		t.Fatalf("two keys of ana: %v %v", ops, err)
	}
}

func TestLoadOperatorsFileChecks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "operators")
	if _, err := LoadOperators(path); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing file: %v", err)
	}
	typ, k := authorizedKey(t)
	if err := os.WriteFile(path, []byte("ana viewer "+typ+" "+k+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ops, err := LoadOperators(path); err != nil || len(ops) != 1 {
		t.Fatalf("load: %v %v", ops, err)
	}
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOperators(path); err == nil || !strings.Contains(err.Error(), "writable by others") {
		t.Fatalf("world-writable file: %v", err)
	}
}

func TestHostKeyCreatedOnceWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "host_key")
	s1, created, err := HostKey(path)
	if err != nil || !created {
		t.Fatalf("first start: created=%v %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", fi.Mode().Perm(), err)
	}
	if s1.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Fatalf("host key type %s", s1.PublicKey().Type())
	}
	s2, created, err := HostKey(path)
	if err != nil || created {
		t.Fatalf("second start: created=%v %v", created, err)
	}
	if string(s1.PublicKey().Marshal()) != string(s2.PublicKey().Marshal()) {
		t.Fatal("the host key changed between starts")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := HostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("readable key accepted: %v", err)
	}
}

func FuzzParseOperators(f *testing.F) {
	typ, k := authorizedKey(f)
	f.Add("ana supervisor " + typ + " " + k + " ana@laptop\n# c\n")
	f.Add("bob viewer ssh-rsa AAAA\n")
	f.Add("\x00 \xff operator x y")
	f.Fuzz(func(t *testing.T, file string) {
		ops, err := ParseOperators("f", strings.NewReader(file))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f:") {
				t.Fatalf("error without file and line: %v", err)
			}
			return
		}
		for _, op := range ops {
			if op.Key == nil || validName(op.Name) != nil || op.Role < domain.RoleViewer || op.Role > domain.RoleSupervisor {
				t.Fatalf("accepted a bad operator %+v", op)
			}
		}
	})
}
