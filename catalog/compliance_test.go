package catalog_test

import (
	"testing"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
)

func TestComplianceContractSQLite(t *testing.T) {
	catalogtest.RunComplianceContract(t, func(t *testing.T) *catalog.Store { return catalogtest.NewSQLite(t) })
}

func TestComplianceContractPostgres(t *testing.T) {
	catalogtest.RunComplianceContract(t, func(t *testing.T) *catalog.Store { return catalogtest.NewPostgres(t) })
}

func TestParseCharterFileDefault(t *testing.T) {
	c, err := catalog.ParseCharterFile("default.yaml", catalog.DefaultCharterYAML())
	if err != nil {
		t.Fatal(err)
	}
	if d := catalog.DefaultCharter(); c.Version != d.Version || len(c.Commitments) != len(d.Commitments) {
		t.Errorf("parsed %s with %d commitments", c.Version, len(c.Commitments))
	}
}
