package catalog

import (
	"strings"
	"testing"
)

func TestHosterFileChatonsInfosMap(t *testing.T) {
	good := validFile + "chatonsinfos:\n  host.provider.type: HOSTEDSERVER\n  metrics.http.hits.2024.months: 1,2,3\n  host.server.count: 2\n"
	l, err := ParseHosterFile("hoster.yaml", []byte(good), fakeResolve, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.ChatonsInfos["host.provider.type"] != "HOSTEDSERVER" || l.ChatonsInfos["host.server.count"] != "2" {
		t.Errorf("map %v", l.ChatonsInfos)
	}
	bad := validFile + "chatonsinfos:\n  Host Provider: x\n  file.class: Service\n  host.name: \"a\\nb\"\n"
	_, err = ParseHosterFile("hoster.yaml", []byte(bad), fakeResolve, nil)
	if err == nil {
		t.Fatal("bad chatonsinfos keys accepted")
	}
	for _, want := range []string{
		`hoster.yaml:24: chatonsinfos.Host Provider: "Host Provider" is not a ChatonsInfos key`,
		`hoster.yaml:25: chatonsinfos.file.class: is written by Portée itself`,
		`hoster.yaml:26: chatonsinfos.host.name: must be one line`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}
