package catalog_test

import (
	"testing"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
)

func TestStaffContractSQLite(t *testing.T) {
	catalogtest.RunStaffContract(t, func(t *testing.T) *catalog.Store { return catalogtest.NewSQLite(t) })
}

func TestStaffContractPostgres(t *testing.T) {
	catalogtest.RunStaffContract(t, func(t *testing.T) *catalog.Store { return catalogtest.NewPostgres(t) })
}
