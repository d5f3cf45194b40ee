package catalog

import (
	_ "embed"
	"sync"

	"gopkg.in/yaml.v3"
)

// DefaultCharterID names the charter the product ships an outline of.
const DefaultCharterID = "chatons"

//go:embed charter_default.yaml
var defaultCharterYAML []byte

var defaultCharter = sync.OnceValue(func() *Charter {
	var c Charter
	if err := yaml.Unmarshal(defaultCharterYAML, &c); err != nil {
		panic("catalog: embedded default charter: " + err.Error())
	}
	return &c
})

// DefaultCharter returns a copy of the outline shipped with Portée, written
// in our own words after the CHATONS charter (2023 revision).
func DefaultCharter() *Charter {
	c := *defaultCharter()
	c.Axes = append([]Axis(nil), c.Axes...)
	c.Commitments = append([]Commitment(nil), c.Commitments...)
	return &c
}

// DefaultCharterYAML returns the shipped outline as a charter document, the
// model of the files "portee charter load" reads.
func DefaultCharterYAML() []byte { return append([]byte(nil), defaultCharterYAML...) }
