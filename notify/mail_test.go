package notify

import (
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

func mailParse(raw string) (string, error) {
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		return "", err
	}
	var r io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	subj, derr := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if derr != nil {
		return "", derr
	}
	return subj + "\n" + string(b), err
}
