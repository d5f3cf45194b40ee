package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// HosterFile is what a hoster edits: its identity, its offers and its
// answers to the charter, in YAML. A node reconciles its store with it.
type HosterFile struct {
	Username     string       `yaml:"username"`
	Name         string       `yaml:"name"`
	Summary      string       `yaml:"summary"`
	Website      string       `yaml:"website"`
	Email        string       `yaml:"email"`
	LegalURL     string       `yaml:"legal_url"`
	IconURL      string       `yaml:"icon_url"`
	OrgType      string       `yaml:"org_type"`
	Address      string       `yaml:"address"`
	PostalCode   string       `yaml:"postal_code"`
	Commune      string       `yaml:"commune"`
	Latitude     *float64     `yaml:"latitude"`
	Longitude    *float64     `yaml:"longitude"`
	MemberSince  string       `yaml:"member_since"`
	Portee       int          `yaml:"portee"`
	Discoverable *bool        `yaml:"discoverable"`
	Offers       []FileOffer  `yaml:"offers"`
	Charter      *FileCharter `yaml:"charter"`
	// ChatonsInfos holds ChatonsInfos keys Portée does not model (host
	// provider, metrics URLs…), copied into the node's exported files.
	ChatonsInfos map[string]string `yaml:"chatonsinfos"`
}

// FileOffer is one offer in a hoster file.
type FileOffer struct {
	Key          string       `yaml:"key"`
	Name         string       `yaml:"name"`
	Summary      string       `yaml:"summary"`
	Category     string       `yaml:"category"`
	Software     FileSoftware `yaml:"software"`
	Registration string       `yaml:"registration"`
	Load         string       `yaml:"load"`
	Price        string       `yaml:"price"`
	Quota        string       `yaml:"quota"`
	Audience     string       `yaml:"audience"`
	Area         *FileArea    `yaml:"area"`
	Languages    []string     `yaml:"languages"`
	Status       string       `yaml:"status"`
	URL          string       `yaml:"url"`
	StartDate    string       `yaml:"start_date"`
}

// FileSoftware names what runs an offer.
type FileSoftware struct {
	Name    string `yaml:"name"`
	Version string `yaml:"version"`
	License string `yaml:"license"`
	Source  string `yaml:"source"`
	Website string `yaml:"website"`
}

// FileArea limits a local offer to départements or a radius around the hoster.
type FileArea struct {
	Departements []string `yaml:"departements"`
	RadiusKm     float64  `yaml:"radius_km"`
}

// FileCharter holds the hoster's answers to one charter version.
type FileCharter struct {
	ID      string   `yaml:"id"`
	Version string   `yaml:"version"`
	Answers []Answer `yaml:"answers"`
}

// FileError is a problem in a hoster file, located for a human:
// "hoster.yaml:14: offers[2].registration: "freee" is not one of none, free, member, client".
type FileError struct {
	File   string
	Line   int
	Field  string
	Value  string
	Reason string
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(":")
	if e.Value != "" {
		fmt.Fprintf(&b, " %q", e.Value)
	}
	b.WriteString(" " + e.Reason)
	return b.String()
}

// FileErrors lists every problem found in one file, in line order.
type FileErrors []*FileError

func (es FileErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// LocationResolver fills a location from a postal code and commune name;
// the node passes the gazetteer (catalog does not import search).
type LocationResolver func(postalCode, commune string) (Location, error)

// Loaded is a parsed and validated hoster file, ready to reconcile.
type Loaded struct {
	Hoster      Hoster
	Offers      []Offer
	Declaration *CharterDeclaration // nil when the file has no charter section
	// ChatonsInfos is the file's free map of extra ChatonsInfos keys.
	ChatonsInfos map[string]string
}

// LoadHosterFile reads and validates a hoster file.
func LoadHosterFile(path string, resolve LocationResolver, charters func(id, version string) (*Charter, error)) (*Loaded, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{File: path, Reason: err.Error()}
	}
	return ParseHosterFile(path, data, resolve, charters)
}

var yamlLineRE = regexp.MustCompile(`line (\d+): (.*)`)

// chatonsInfosKeyRe is the shape of a key of the "chatonsinfos:" map.
var chatonsInfosKeyRe = regexp.MustCompile(`^[a-z0-9_-]+(\.[a-z0-9_-]+)+$`)

// ParseHosterFile parses and validates data read from name. Every error
// names the file, the line, the field and the reason.
func ParseHosterFile(name string, data []byte, resolve LocationResolver, charters func(id, version string) (*Charter, error)) (*Loaded, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, err)
	}
	if len(root.Content) == 0 {
		return nil, &FileError{File: name, Line: 1, Reason: "is empty: a hoster file needs at least username, name and postal_code"}
	}
	var f HosterFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, yamlError(name, err)
	}
	lines := map[string]int{}
	indexLines(root.Content[0], "", lines)
	at := func(field string) int { return fieldLine(lines, field) }

	var errs FileErrors
	add := func(prefix string, err error) {
		var ve ValidationError
		if errors.As(err, &ve) {
			for _, fe := range ve {
				field := joinField(prefix, fe.Field)
				errs = append(errs, &FileError{File: name, Line: at(field), Field: field, Value: fe.Value, Reason: fe.Reason})
			}
			return
		}
		if err != nil {
			errs = append(errs, &FileError{File: name, Line: at(prefix), Field: prefix, Reason: err.Error()})
		}
	}

	h := Hoster{
		Username: f.Username, Name: f.Name, Summary: strings.TrimSpace(f.Summary),
		Website: f.Website, Email: f.Email, LegalURL: f.LegalURL, IconURL: f.IconURL,
		OrgType: f.OrgType, MemberSince: f.MemberSince, Portee: f.Portee,
		Discoverable: f.Discoverable == nil || *f.Discoverable,
		Local:        true, Status: HosterActive,
		Location: Location{
			Address: f.Address, PostalCode: f.PostalCode, Commune: f.Commune, Country: "FR",
			Latitude: f.Latitude, Longitude: f.Longitude,
		},
	}
	if resolve != nil && (f.PostalCode != "" || f.Commune != "") {
		loc, err := resolve(f.PostalCode, f.Commune)
		if err != nil {
			field := "postal_code"
			value := f.PostalCode
			if f.PostalCode == "" {
				field, value = "commune", f.Commune
			}
			errs = append(errs, &FileError{File: name, Line: at(field), Field: field, Value: value, Reason: err.Error()})
		} else {
			loc.Address = f.Address
			if f.Latitude != nil && f.Longitude != nil {
				loc.Latitude, loc.Longitude = f.Latitude, f.Longitude
			}
			h.Location = loc
		}
	}
	add("", h.Validate())

	seen := map[string]int{}
	offers := make([]Offer, 0, len(f.Offers))
	for i, fo := range f.Offers {
		prefix := fmt.Sprintf("offers[%d]", i)
		o := Offer{
			Key: fo.Key, Name: fo.Name, Summary: strings.TrimSpace(fo.Summary), Category: fo.Category,
			Software: Software{Name: fo.Software.Name, Version: fo.Software.Version, License: fo.Software.License,
				SourceURL: fo.Software.Source, Website: fo.Software.Website},
			Registration: fo.Registration, Load: defaultString(fo.Load, LoadOpen),
			Price: fo.Price, Quota: fo.Quota, Audience: defaultString(fo.Audience, AudienceEveryone),
			Languages: StringList(fo.Languages), Status: defaultString(fo.Status, StatusOK),
			URL: fo.URL, StartDate: fo.StartDate,
		}
		if len(o.Languages) == 0 {
			o.Languages = StringList{"fr"}
		}
		if fo.Area != nil {
			o.AreaDepartements = StringList(fo.Area.Departements)
			o.AreaRadiusKm = fo.Area.RadiusKm
		}
		if j, dup := seen[fo.Key]; dup && fo.Key != "" {
			errs = append(errs, &FileError{File: name, Line: at(prefix + ".key"), Field: prefix + ".key", Value: fo.Key,
				Reason: fmt.Sprintf("is already the key of offers[%d]", j)})
		}
		seen[fo.Key] = i
		add(prefix, o.Validate())
		offers = append(offers, o)
	}

	var decl *CharterDeclaration
	if f.Charter != nil {
		decl = &CharterDeclaration{
			CharterID: defaultString(f.Charter.ID, DefaultCharterID), CharterVersion: f.Charter.Version,
			Answers: Answers(f.Charter.Answers),
		}
		var c *Charter
		var err error
		if charters != nil {
			c, err = charters(decl.CharterID, decl.CharterVersion)
		} else {
			c, err = DefaultCharter(), nil
			if c.ID != decl.CharterID || c.Version != decl.CharterVersion {
				err = ErrNotFound
			}
		}
		if err != nil {
			errs = append(errs, &FileError{File: name, Line: at("charter.version"), Field: "charter.version",
				Value: decl.CharterVersion, Reason: fmt.Sprintf("is not a known version of charter %q", decl.CharterID)})
		} else {
			add("charter", decl.Validate(c))
		}
	}

	for k, val := range f.ChatonsInfos {
		field := "chatonsinfos." + k
		switch {
		case !chatonsInfosKeyRe.MatchString(k):
			errs = append(errs, &FileError{File: name, Line: at(field), Field: field, Value: k,
				Reason: "is not a ChatonsInfos key (dotted lower-case words, such as host.provider.type)"})
		case strings.HasPrefix(k, "file.") || strings.HasPrefix(k, "subs."):
			errs = append(errs, &FileError{File: name, Line: at(field), Field: field, Reason: "is written by Portée itself"})
		case len(val) > 2000 || strings.ContainsAny(val, "\r\n"):
			errs = append(errs, &FileError{File: name, Line: at(field), Field: field, Reason: "must be one line of at most 2000 characters"})
		}
	}

	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, errs
	}
	return &Loaded{Hoster: h, Offers: offers, Declaration: decl, ChatonsInfos: f.ChatonsInfos}, nil
}

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func joinField(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	case strings.HasPrefix(field, "["):
		return prefix + field
	default:
		return prefix + "." + field
	}
}

// indexLines records the line of every mapping key and sequence item,
// keyed by the field path used in validation errors ("offers[2].load").
func indexLines(n *yaml.Node, path string, lines map[string]int) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := joinField(path, k.Value)
			lines[p] = k.Line
			indexLines(v, p, lines)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			lines[p] = item.Line
			indexLines(item, p, lines)
		}
	}
}

// yamlError turns a yaml.v3 error ("yaml: line 3: field nme not found in
// type catalog.HosterFile") into a located FileError.
func yamlError(name string, err error) error {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var errs FileErrors
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		fe := &FileError{File: name, Reason: m}
		if sm := yamlLineRE.FindStringSubmatch(m); sm != nil {
			fe.Line, _ = strconv.Atoi(sm[1])
			fe.Reason = sm[2]
			if f, ok := strings.CutPrefix(fe.Reason, "field "); ok {
				if fld, rest, ok := strings.Cut(f, " not found in type "); ok {
					fe.Field = fld
					fe.Reason = "is not a known field (" + strings.TrimPrefix(rest, "catalog.") + ")"
				}
			}
			if strings.HasPrefix(fe.Reason, "cannot unmarshal") {
				fe.Reason = strings.Replace(fe.Reason, "cannot unmarshal", "has the wrong type:", 1)
			}
		}
		errs = append(errs, fe)
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errs
}
