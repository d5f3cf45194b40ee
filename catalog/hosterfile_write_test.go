package catalog

import (
	"reflect"
	"strings"
	"testing"
)

// A file written by MarshalHosterFile reads back to what was written, and
// keeps the comment at its top.
func TestMarshalHosterFileRoundTrip(t *testing.T) {
	src := "# Fichier hébergeur : commentaire gardé\n\n" + validFile +
		"chatonsinfos:\n  host.provider.type: HOME\n"
	f, err := DecodeHosterFile([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	f.Offers[0].Name = "yes" // a YAML 1.1 boolean word must stay a string
	out, err := MarshalHosterFile(f, HeadComment([]byte(src)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "# Fichier hébergeur : commentaire gardé\n\nusername:") {
		t.Errorf("head comment lost:\n%s", out)
	}
	back, err := DecodeHosterFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f, back) {
		t.Errorf("round trip differs:\n%+v\n%+v\n%s", f, back, out)
	}
	want, err := ParseHosterFile("a.yaml", []byte(src), fakeResolve, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseHosterFile("b.yaml", out, fakeResolve, nil)
	if err != nil {
		t.Fatal(err)
	}
	want.Offers[0].Name = "yes"
	if !reflect.DeepEqual(want, got) {
		t.Errorf("parsed round trip differs:\n%+v\n%+v", want, got)
	}
}
