package catalog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// The node's dashboard writes hoster files as well as reading them; these
// types mirror HosterFile with omitempty, so that a written file holds only
// what was set and reads back to the same HosterFile.
type outFile struct {
	Username     string            `yaml:"username"`
	Name         string            `yaml:"name"`
	Summary      string            `yaml:"summary,omitempty"`
	Website      string            `yaml:"website,omitempty"`
	Email        string            `yaml:"email,omitempty"`
	LegalURL     string            `yaml:"legal_url,omitempty"`
	IconURL      string            `yaml:"icon_url,omitempty"`
	OrgType      string            `yaml:"org_type,omitempty"`
	Address      string            `yaml:"address,omitempty"`
	PostalCode   string            `yaml:"postal_code,omitempty"`
	Commune      string            `yaml:"commune,omitempty"`
	Latitude     *float64          `yaml:"latitude,omitempty"`
	Longitude    *float64          `yaml:"longitude,omitempty"`
	MemberSince  string            `yaml:"member_since,omitempty"`
	Portee       int               `yaml:"portee,omitempty"`
	Discoverable *bool             `yaml:"discoverable,omitempty"`
	Offers       []outOffer        `yaml:"offers,omitempty"`
	Charter      *FileCharter      `yaml:"charter,omitempty"`
	ChatonsInfos map[string]string `yaml:"chatonsinfos,omitempty"`
}

type outOffer struct {
	Key          string      `yaml:"key"`
	Name         string      `yaml:"name"`
	Summary      string      `yaml:"summary,omitempty"`
	Category     string      `yaml:"category"`
	Software     outSoftware `yaml:"software,omitempty"`
	Registration string      `yaml:"registration"`
	Load         string      `yaml:"load,omitempty"`
	Price        string      `yaml:"price,omitempty"`
	Quota        string      `yaml:"quota,omitempty"`
	Audience     string      `yaml:"audience,omitempty"`
	Area         *FileArea   `yaml:"area,omitempty"`
	Languages    []string    `yaml:"languages,omitempty,flow"`
	Status       string      `yaml:"status,omitempty"`
	URL          string      `yaml:"url"`
	StartDate    string      `yaml:"start_date,omitempty"`
}

type outSoftware struct {
	Name    string `yaml:"name,omitempty"`
	Version string `yaml:"version,omitempty"`
	License string `yaml:"license,omitempty"`
	Source  string `yaml:"source,omitempty"`
	Website string `yaml:"website,omitempty"`
}

// MarshalHosterFile writes f as YAML that ParseHosterFile reads back to the
// same content. head, the comment lines at the top of the file being
// replaced (HeadComment), is kept.
func MarshalHosterFile(f *HosterFile, head string) ([]byte, error) {
	o := outFile{
		Username: f.Username, Name: f.Name, Summary: f.Summary, Website: f.Website, Email: f.Email,
		LegalURL: f.LegalURL, IconURL: f.IconURL, OrgType: f.OrgType, Address: f.Address,
		PostalCode: f.PostalCode, Commune: f.Commune, Latitude: f.Latitude, Longitude: f.Longitude,
		MemberSince: f.MemberSince, Portee: f.Portee, Discoverable: f.Discoverable,
		Charter: f.Charter, ChatonsInfos: f.ChatonsInfos,
	}
	for _, fo := range f.Offers {
		area := fo.Area
		if area != nil && len(area.Departements) == 0 && area.RadiusKm == 0 {
			area = nil
		}
		o.Offers = append(o.Offers, outOffer{
			Key: fo.Key, Name: fo.Name, Summary: fo.Summary, Category: fo.Category,
			Software: outSoftware(fo.Software), Registration: fo.Registration, Load: fo.Load,
			Price: fo.Price, Quota: fo.Quota, Audience: fo.Audience, Area: area,
			Languages: fo.Languages, Status: fo.Status, URL: fo.URL, StartDate: fo.StartDate,
		})
	}
	var b bytes.Buffer
	b.WriteString(head)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&o); err != nil {
		return nil, fmt.Errorf("catalog: write hoster file: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("catalog: write hoster file: %w", err)
	}
	return b.Bytes(), nil
}

// HeadComment returns the comment lines (and blank lines) at the top of a
// hoster file, which a rewrite keeps.
func HeadComment(data []byte) string {
	var b strings.Builder
	for line := range strings.Lines(string(data)) {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") {
			break
		}
		b.WriteString(line)
	}
	s := b.String()
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

// DecodeHosterFile reads a hoster file's fields without validating them
// (the dashboard shows a file even while it holds errors).
func DecodeHosterFile(data []byte) (*HosterFile, error) {
	var f HosterFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("catalog: read hoster file: %w", err)
	}
	return &f, nil
}

// ExportHosterFile builds the hoster file of a local hoster from the
// store: what `portee node export` prints and what the dashboard edits
// when the node has no file. resolve, when set, tells whether the stored
// coordinates are the gazetteer's (then they are left out, as a file
// writer would) or were set by hand (then they are kept).
func ExportHosterFile(ctx context.Context, s *Store, h *Hoster, resolve LocationResolver) (*HosterFile, error) {
	f := &HosterFile{
		Username: h.Username, Name: h.Name, Summary: h.Summary, Website: h.Website, Email: h.Email,
		LegalURL: h.LegalURL, IconURL: h.IconURL, OrgType: h.OrgType, Address: h.Address,
		PostalCode: h.PostalCode, Commune: h.Commune, MemberSince: h.MemberSince, Portee: h.Portee,
	}
	if !h.Discoverable {
		no := false
		f.Discoverable = &no
	}
	if h.HasCoords() {
		keep := true
		if resolve != nil {
			if loc, err := resolve(h.PostalCode, h.Commune); err == nil && sameFloat(loc.Latitude, h.Latitude) && sameFloat(loc.Longitude, h.Longitude) {
				keep = false
			}
		}
		if keep {
			f.Latitude, f.Longitude = h.Latitude, h.Longitude
		}
	}
	offers, err := s.OffersByHoster(ctx, h.ID)
	if err != nil {
		return nil, fmt.Errorf("catalog: export %s: %w", h.Username, err)
	}
	for _, o := range offers {
		fo := FileOffer{
			Key: o.Key, Name: o.Name, Summary: o.Summary, Category: o.Category,
			Software: FileSoftware{Name: o.Software.Name, Version: o.Software.Version, License: o.Software.License,
				Source: o.SourceURL, Website: o.Software.Website},
			Registration: o.Registration, Load: o.Load, Price: o.Price, Quota: o.Quota, Audience: o.Audience,
			Languages: o.Languages, Status: o.Status, URL: o.URL, StartDate: o.StartDate,
		}
		if len(o.AreaDepartements) > 0 || o.AreaRadiusKm != 0 {
			fo.Area = &FileArea{Departements: o.AreaDepartements, RadiusKm: o.AreaRadiusKm}
		}
		f.Offers = append(f.Offers, fo)
	}
	d, err := s.DeclarationByHoster(ctx, h.ID)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("catalog: export %s: %w", h.Username, err)
	default:
		f.Charter = &FileCharter{ID: d.CharterID, Version: d.CharterVersion, Answers: d.Answers}
	}
	return f, nil
}
