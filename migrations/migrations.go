// Package migrations holds the numbered SQL files that build the catalog
// schema, one directory per engine (sqlite/, postgres/), embedded in the
// binary. catalog.Store.Migrate applies them in order, each in a transaction.
package migrations

import "embed"

// FS holds sqlite/NNNN_name.sql and postgres/NNNN_name.sql. The files are
// forward-only: a published file is never edited, a change is a new number.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
