package buildinfo

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestVersionFrom(t *testing.T) {
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, tc := range []struct {
		bi   debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260102150405-abcdef123456+dirty"}}, "v0.0.0-20260102150405-abcdef123456+dirty"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: settings("vcs.revision", "abcdef1234567890", "vcs.modified", "false")}, "dev-abcdef123456"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: settings("vcs.revision", "abcdef1234567890", "vcs.modified", "true")}, "dev-abcdef123456-dirty"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{debug.BuildInfo{}, "dev"},
	} {
		if got := From(&tc.bi); got != tc.want {
			t.Errorf("From(%+v) = %q, want %q", tc.bi, got, tc.want)
		}
	}
	for in, want := range map[string]string{"go1.26.8": "go1.26", "go1.27": "go1.27", "go1.27rc1": "go1.27", "devel go1.28-abcdef": "go1.28", "gccgo": "gccgo"} {
		if got := GoRelease(in); got != want {
			t.Errorf("GoRelease(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Current().Platform; got != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("platform %q", got)
	}
}
