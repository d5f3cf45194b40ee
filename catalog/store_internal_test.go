package catalog

import (
	"strings"
	"testing"
)

func TestPostgresDSN(t *testing.T) {
	cases := []struct {
		dsn  string
		pg   bool
		want string
	}{
		{"postgres://u:p@db:5432/portee?sslmode=disable", true, "postgres://u:p@db:5432/portee?binary_parameters=yes&sslmode=disable"},
		{"postgresql://db/portee?binary_parameters=no", true, "postgresql://db/portee?binary_parameters=no"},
		{"host=db dbname=portee sslmode=disable", true, "host=db dbname=portee sslmode=disable binary_parameters=yes"},
		{"/var/lib/portee/catalog.db", false, ""},
		{"data/catalog=old.db", false, ""},
		{"sqlite:catalog.db", false, ""},
	}
	for _, c := range cases {
		if got := isPostgresDSN(c.dsn); got != c.pg {
			t.Errorf("isPostgresDSN(%q) = %v", c.dsn, got)
		}
		if c.pg {
			if got := postgresDSN(c.dsn); got != c.want {
				t.Errorf("postgresDSN(%q) = %q, want %q", c.dsn, got, c.want)
			}
		}
	}
}

func TestLimitOffset(t *testing.T) {
	sq := &Store{engine: EngineSQLite}
	pg := &Store{engine: EnginePostgres}
	for _, c := range []struct {
		s             *Store
		limit, offset int
		want          string
	}{
		{sq, 0, 0, ""}, {sq, 10, 0, " LIMIT 10 OFFSET 0"}, {sq, 0, 5, " LIMIT -1 OFFSET 5"},
		{pg, 0, 5, " LIMIT ALL OFFSET 5"}, {pg, -3, -1, ""}, {pg, 2, 3, " LIMIT 2 OFFSET 3"},
	} {
		if got := c.s.limitOffset(c.limit, c.offset); got != c.want {
			t.Errorf("%s limitOffset(%d, %d) = %q, want %q", c.s.engine, c.limit, c.offset, got, c.want)
		}
	}
	if !strings.HasPrefix(inClause(3), "(?, ?, ?)") {
		t.Errorf("inClause(3) = %q", inClause(3))
	}
}
