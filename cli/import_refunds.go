package cli

import (
	"fmt"
	"strings"

	"shipdesk/domain"
)

// importRefunds: shipdesk import refunds FILE... — every file is read and checked first;
// any bad line in any file imports nothing.
func importRefunds(e *env, files []string) error {
	if len(files) == 0 {
		return usagef("import refunds needs at least one FILE (.jsonl or .csv, - for standard input)")
	}
	if err := localFiles(e, "refunds", files); err != nil {
		return err
	}
	if err := e.require(domain.ActionRefundImport); err != nil {
		return err
	}
	srcs, err := importSources(e, "refunds", files, "")
	if err != nil {
		return err
	}
	defer closeSources(srcs)
	var claims []domain.RefundClaim
	var bad []string
	for _, src := range srcs {
		f, err := parseSource(src, "refunds", domain.ParseRefundJSONL, domain.ParseRefundCSV)
		if err != nil {
			if !badSource(err) {
				return err
			}
			bad = append(bad, err.Error())
			continue
		}
		claims = append(claims, f.Claims...)
	}
	if len(bad) > 0 {
		return inputError{fmt.Errorf("nothing imported:\n%s", strings.Join(bad, "\n"))}
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := s.ImportRefunds(claims, e.now(), e.actor())
	if err != nil {
		return err
	}
	n := res.New + res.Updated + res.Unchanged + res.Suppressed + res.Skipped
	fmt.Fprintf(e.stdout, "imported %d refund requests: %d new, %d updated, %d unchanged, %d suppressed (processed earlier), %d skipped (already converted or rejected)\n",
		n, res.New, res.Updated, res.Unchanged, res.Suppressed, res.Skipped)
	seen := channelSet{}
	for _, c := range claims {
		seen[c.Channel] = true
	}
	return warnChannels(e, s, seen)
}
