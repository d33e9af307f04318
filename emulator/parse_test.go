package emulator

import (
	"reflect"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want Faults
		ok   bool
	}{
		{"", Faults{}, true},
		{"503=0.05,429=0.02,reset=0.01,latency=20ms", Faults{Rate503: 0.05, Rate429: 0.02, RateReset: 0.01, Latency: 20 * time.Millisecond}, true},
		{"reset=1", Faults{RateReset: 1}, true},
		{"503=1.5", Faults{}, false},
		{"503=0.6,429=0.6", Faults{}, false},
		{"500=0.1", Faults{}, false},
		{"latency=fast", Faults{}, false},
		{"503", Faults{}, false},
	} {
		got, err := ParseFaults(tc.spec)
		if (err == nil) != tc.ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseFaults(%q) = %+v, %v", tc.spec, got, err)
		}
	}
}

func TestParseLimits(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want Limits
		ok   bool
	}{
		{"", Limits{}, true},
		{"off", Limits{Off: true}, true},
		{"off,message=150MB", Limits{Off: true, MessageBytes: 150 * mb}, true},
		{"concurrency=4,requests=10000/10m,upload=150MB/5m,message=35MB",
			Limits{Concurrency: 4, Requests: 10000, RequestWindow: 10 * time.Minute, UploadBytes: 150 * mb, UploadWindow: 5 * time.Minute, MessageBytes: 35 * mb}, true},
		{"requests=5/1s", Limits{Requests: 5, RequestWindow: time.Second}, true},
		{"concurrency=off", Limits{Concurrency: -1}, true},
		{"upload=512KB/1m", Limits{UploadBytes: 512 << 10, UploadWindow: time.Minute}, true},
		{"message=35 MiB", Limits{MessageBytes: 35 * mb}, true},
		{"upload=1.5MB/1m", Limits{UploadBytes: 3 * mb / 2, UploadWindow: time.Minute}, true},
		{"message=151MB", Limits{}, false},
		{"message=0MB", Limits{}, false},
		{"message=-1MB", Limits{}, false},
		{"upload=0KB/1m", Limits{}, false},
		{"concurrency=0", Limits{}, false},
		{"requests=10", Limits{}, false},
		{"upload=1MB/0s", Limits{}, false},
		{"speed=1", Limits{}, false},
	} {
		got, err := ParseLimits(tc.spec)
		if (err == nil) != tc.ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseLimits(%q) = %+v, %v", tc.spec, got, err)
		}
	}
	if d := (Limits{}).withDefaults(); d.Concurrency != 4 || d.Requests != 10000 || d.RequestWindow != 10*time.Minute ||
		d.UploadBytes != 150*mb || d.UploadWindow != 5*time.Minute || d.MessageBytes != 35*mb {
		t.Errorf("defaults = %+v", d)
	}
}
