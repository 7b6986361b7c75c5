package conf

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestProxyCacheSettings checks what a course-style caching proxy
// configuration loads as, and how a location inherits and turns off the
// cache.
func TestProxyCacheSettings(t *testing.T) {
	dir := t.TempDir()
	file := writeConf(t, dir, `http {
proxy_cache_path cache/ levels=1:2 keys_zone=one:10m inactive=60m max_size=100m use_temp_path=off;
proxy_cache_valid 404 1m;
server { listen 127.0.0.1:1;
  proxy_cache one;
  location /a { proxy_pass http://127.0.0.1:2; proxy_cache_key $host$uri; proxy_cache_valid 200 302 10m; proxy_cache_valid 5m;
    proxy_cache_methods POST; proxy_cache_min_uses 2; proxy_cache_bypass $arg_nocache; proxy_no_cache $http_x; proxy_cache_lock on;
    proxy_cache_use_stale error updating; }
  location /b { proxy_pass http://127.0.0.1:2; }
  location /c { proxy_pass http://127.0.0.1:2; proxy_cache off; }
} }`)
	cfg, _, err := Load(file, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.HTTP.CachePaths) != 1 {
		t.Fatalf("CachePaths = %d, want 1", len(cfg.HTTP.CachePaths))
	}
	cp := cfg.HTTP.CachePaths[0]
	want := CachePath{Name: "one", Path: filepath.Join(dir, "cache"), Levels: []int{1, 2}, ZoneSize: 10 << 20,
		Inactive: time.Hour, MaxSize: 100 << 20, UseTempPath: false, Pos: cp.Pos}
	if !reflect.DeepEqual(*cp, want) {
		t.Errorf("cache path\n got %+v\nwant %+v", *cp, want)
	}
	locs := cfg.HTTP.Servers[0].Locations
	a, b, c := locs[0].ProxySettings.Cache, locs[1].ProxySettings.Cache, locs[2].ProxySettings.Cache
	if a == nil || b == nil || c != nil {
		t.Fatalf("Cache per location = %v %v %v, want on, on (inherited), off", a != nil, b != nil, c != nil)
	}
	if a.Zone != cp || a.Key.Raw() != "$host$uri" || b.Key.Raw() != "$scheme$proxy_host$request_uri" {
		t.Errorf("zone/key: %v %q %q", a.Zone == cp, a.Key.Raw(), b.Key.Raw())
	}
	if got := []time.Duration{a.ValidFor(200), a.ValidFor(302), a.ValidFor(301), a.ValidFor(404)}; !reflect.DeepEqual(got, []time.Duration{10 * time.Minute, 10 * time.Minute, 5 * time.Minute, 0}) {
		t.Errorf("a valid = %v", got)
	}
	if got := []time.Duration{b.ValidFor(200), b.ValidFor(404)}; !reflect.DeepEqual(got, []time.Duration{0, time.Minute}) {
		t.Errorf("b valid (inherited from http) = %v", got)
	}
	if !reflect.DeepEqual(a.Methods, []string{"GET", "HEAD", "POST"}) || a.MinUses != 2 || len(a.Bypass) != 1 || len(a.NoCache) != 1 || !a.Lock {
		t.Errorf("a = %+v", a)
	}
	if !a.UseStale["error"] || !a.UseStale["updating"] || a.UseStale["timeout"] || b.Lock || b.MinUses != 1 {
		t.Errorf("use_stale/lock inheritance: %+v %+v", a.UseStale, b)
	}
}
