package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadCharterFile reads and validates a charter document (the format of
// charter_default.yaml). Every error names the file, the line and the field.
func LoadCharterFile(path string) (*Charter, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{File: path, Reason: err.Error()}
	}
	return ParseCharterFile(path, data)
}

// ParseCharterFile parses and validates a charter document read from name.
// Unknown fields are errors, so that a misspelt "verify_fr" is not lost.
func ParseCharterFile(name string, data []byte) (*Charter, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, err)
	}
	if len(root.Content) == 0 {
		return nil, &FileError{File: name, Line: 1, Reason: "is empty: a charter needs id, version, title_fr, axes and commitments"}
	}
	var c Charter
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, yamlError(name, err)
	}
	lines := map[string]int{}
	indexLines(root.Content[0], "", lines)
	var errs FileErrors
	add := func(field, value, reason string) {
		errs = append(errs, &FileError{File: name, Line: fieldLine(lines, field), Field: field, Value: value, Reason: reason})
	}
	var ve ValidationError
	if err := c.Validate(); errors.As(err, &ve) {
		for _, fe := range ve {
			add(fe.Field, fe.Value, fe.Reason)
		}
	} else if err != nil {
		add("", "", err.Error())
	}
	if len(c.Axes) == 0 {
		add("axes", "", "needs at least one axis")
	}
	if len(c.Commitments) == 0 {
		add("commitments", "", "needs at least one commitment")
	}
	for i, cm := range c.Commitments {
		if strings.TrimSpace(cm.TextFR) == "" {
			add(fmt.Sprintf("commitments[%d].text_fr", i), "", "is required")
		}
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, errs
	}
	return &c, nil
}

// fieldLine is the line of field in a document indexed by indexLines, or of
// its nearest parent that has one (1 when none does).
func fieldLine(lines map[string]int, field string) int {
	for p := field; p != ""; {
		if l, ok := lines[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 1
}
