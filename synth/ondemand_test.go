package synth

import "testing"

// TestOnDemandOrigins: operators' origins are scheme://host[:port] and
// nothing else; a page is on a listed origin whatever the case of its
// scheme and host and whether it spells the default port.
func TestOnDemandOrigins(t *testing.T) {
	for _, bad := range []string{"bao.example.vn", "ftp://bao.example.vn", "https://bao.example.vn/tin", "https://u:p@bao.example.vn",
		"https://bao.example.vn?x=1", "https://", ""} {
		if o, err := ParseOrigin(bad); err == nil {
			t.Errorf("ParseOrigin(%q) = %q, want an error", bad, o)
		}
	}
	o := newOnDemand(OnDemandConfig{Origins: []string{"HTTPS://Bao.Example.VN/", "http://127.0.0.1:8081"}})
	for page, want := range map[string]bool{
		"https://bao.example.vn/tin/a.html":     true,
		"https://BAO.example.vn:443/tin/a.html": true,
		"http://bao.example.vn/tin/a.html":      false,
		"https://m.bao.example.vn/tin/a.html":   false,
		"https://bao.example.vn:8443/tin":       false,
		"http://127.0.0.1:8081/x":               true,
		"http://127.0.0.1:8082/x":               false,
	} {
		if _, got := o.enabled(page); got != want {
			t.Errorf("enabled(%q) = %v, want %v", page, got, want)
		}
	}
	if _, on := newOnDemand(OnDemandConfig{}).enabled("https://bao.example.vn/"); on {
		t.Error("on-demand with no origins is on")
	}
}
