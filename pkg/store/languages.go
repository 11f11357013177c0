package store

import (
	"context"
	"database/sql"
)

// LanguageCount is how many live posts carry one language tag.
type LanguageCount struct {
	Language string // as the author set it; "" when unset
	Posts    int
}

// PostLanguages counts the live (not deleted) posts per language, most
// first.
func (s *Store) PostLanguages(ctx context.Context) ([]LanguageCount, error) {
	return queryAll(ctx, s.r, "count posts per language",
		`SELECT COALESCE(language, ''), COUNT(*) FROM posts WHERE deleted_at IS NULL GROUP BY 1 ORDER BY 2 DESC, 1`, nil,
		func(rows *sql.Rows) (LanguageCount, error) {
			var l LanguageCount
			err := rows.Scan(&l.Language, &l.Posts)
			return l, err
		})
}
