package catalog

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseCharterFile: any bytes give a valid charter or located errors,
// never a panic; the admin page feeds it what staff upload.
func FuzzParseCharterFile(f *testing.F) {
	f.Add(defaultCharterYAML)
	f.Add([]byte("id: chatons\nversion: \"1\"\ntitle_fr: T\naxes: [{id: a, title_fr: A}]\ncommitments: [{id: c, axis: b, title_fr: C, text_fr: x}]\n"))
	f.Add([]byte("id: [\n"))
	f.Add([]byte(""))
	f.Add([]byte("&a [*a, *a, *a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCharterFile("f.yaml", data)
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("accepted an invalid charter: %v", verr)
			}
			return
		}
		var fe *FileError
		var fes FileErrors
		if !errors.As(err, &fe) && !errors.As(err, &fes) {
			t.Fatalf("error %T %v is not located", err, err)
		}
		if !strings.HasPrefix(err.Error(), "f.yaml") {
			t.Fatalf("error %q does not name the file", err)
		}
	})
}
