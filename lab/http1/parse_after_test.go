package http1

import (
	"reflect"
	"testing"
	"unsafe"
)

// TestParseRequestAfter checks that a head equal to the previous one shares
// its text (no copy), that any other head gets its own, and that either way
// the request parsed is the one ParseRequestInto gives.
func TestParseRequestAfter(t *testing.T) {
	const first = "GET /hello?a=1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\n\r\n"
	tests := []struct {
		name  string
		next  string
		share bool
	}{
		{"same head", first, true},
		{"same head, body after it", first + "xyz", true},
		{"other URI", "GET /hellp?a=1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\n\r\n", false},
		{"other header value", "GET /hello?a=1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bencH\r\n\r\n", false},
		{"leading empty line", "\r\n" + first, true},
		{"longer head", "GET /hello?a=1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nX: y\r\n\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var prev Request
			if n, err := ParseRequestInto(&prev, []byte(first), Limits{}); err != nil || n == 0 {
				t.Fatalf("first head: n=%d err=%v", n, err)
			}
			buf := []byte(tt.next)
			var got, want Request
			n, err := ParseRequestAfter(&got, buf, Limits{}, prev.Text())
			wn, werr := ParseRequestInto(&want, []byte(tt.next), Limits{})
			if err != nil || n != wn || werr != nil {
				t.Fatalf("n=%d err=%v, ParseRequestInto: n=%d err=%v", n, err, wn, werr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("request differs from ParseRequestInto's:\n%+v\n%+v", got, want)
			}
			shared := unsafe.StringData(got.Text()) == unsafe.StringData(prev.Text())
			if shared != tt.share {
				t.Errorf("text shared with the previous head: %v, want %v", shared, tt.share)
			}
			clear(buf) // the caller reuses its read buffer: the request must not change
			if !reflect.DeepEqual(got, want) {
				t.Errorf("request changed with the read buffer")
			}
		})
	}
}

// TestParseRequestAfterNoAllocs checks that parsing the same head again
// after itself allocates nothing.
func TestParseRequestAfterNoAllocs(t *testing.T) {
	buf := []byte("GET /hello HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n")
	req := Request{Headers: make([]Header, 0, 8)}
	if _, err := ParseRequestInto(&req, buf, Limits{}); err != nil {
		t.Fatal(err)
	}
	prev := req.Text()
	allocs := testing.AllocsPerRun(100, func() {
		if n, err := ParseRequestAfter(&req, buf, Limits{}, prev); err != nil || n != len(buf) {
			t.Fatalf("n=%d err=%v", n, err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per parse of the same head, want 0", allocs)
	}
}
