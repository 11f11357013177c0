package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
)

// Rejected is a status a server sent that cannot be stored as a post (no
// id, uri, account or date). It is kept as served, with the reason, so that
// one bad status never stalls its page and can still be looked at.
type Rejected struct {
	LocalID string
	Reason  string
	Raw     []byte
}

// SaveRejected records rejected statuses of instance (tag "" when they came
// from a conversation). The same JSON seen again is recorded once; it
// returns how many were new.
func (s *Store) SaveRejected(ctx context.Context, instance, tag string, list []Rejected) (int, error) {
	if len(list) == 0 {
		return 0, nil
	}
	added := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, r := range list {
			sum := sha256.Sum256(r.Raw)
			res, err := tx.ExecContext(ctx, `INSERT INTO rejected(instance, tag, local_id, reason, raw, raw_sha256, rejected_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(instance, raw_sha256) DO NOTHING`,
				instance, nullString(tag), nullString(r.LocalID), r.Reason, string(r.Raw), hex.EncodeToString(sum[:]), s.stamp())
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("record rejected statuses of %s: %w", instance, err)
	}
	return added, nil
}
